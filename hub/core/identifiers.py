"""Identity keys: the one normaliser for phone numbers, e-mail addresses, BSN, KvK numbers and postcodes.

Every place that reads one of these (a channel's sender, a number a resident types to the
bot, an agent's search, the portal's identity token) calls this module, so the same
number always becomes the same key:

* phone numbers: ``phonenumbers`` (Google's libphonenumber), region NL, out in E.164
  (``06-12345678``, ``+31 6 1234 5678``, ``0031612345678`` → ``+31612345678``). A number
  must be written with its trunk or international prefix (``0``, ``+``, ``00``) and be a
  valid number of the numbering plan: ``+31 6 9876 5432`` (an unassigned range) is refused.
  A provider's sender (``provider_phone``) is checked for its form only: no message is
  refused because the numbering-plan data is older than the resident's number.
* e-mail addresses: trimmed, ``mailto:`` dropped, lower case.
* BSN: nine digits passing the eleven-test (``stdnum.nl.bsn``).
* KvK number: eight digits, a branch (vestigingsnummer) twelve (no check digit exists).
* postcodes: ``stdnum.nl.postcode``, out as ``1234 AB``.

Identity keys of a contact are ``phone:<E.164>`` and ``email:<address>``; hub.contacts
links conversations by them.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, NumberParseException, PhoneNumberFormat, PhoneNumberMatcher
from stdnum.exceptions import ValidationError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

REGION = "NL"
_SEPARATORS = re.compile(r"[\s.\-]")
_LETTERS = re.compile(r"[A-Za-z]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
_EMAIL_IN_TEXT = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_POSTCODE_IN_TEXT = re.compile(r"\b\d{4}\s?[a-zA-Z]{2}\b")
# What looks like a phone number when someone types a search or a contact field (not a name, not an id).
_PHONE_SHAPED = re.compile(r"[+\d][\d\s\-()]{7,}")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")


# ---------------------------------------------------------------------- phone numbers
def _with_prefix(raw: str) -> bool:
    """Written with a trunk or international prefix ('06…', '(020)…', '+31…', '0031…'), not a bare '612345678'."""
    return raw.lstrip(" (").startswith(("+", "0"))


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalize_phone(raw: str) -> str | None:
    """E.164 form of a phone number (Dutch numbers without country code get +31); None when it is none."""
    value = raw.strip().removeprefix("whatsapp:").removeprefix("tel:").strip()
    if not _with_prefix(value) or _LETTERS.search(value):
        return None
    try:
        number = phonenumbers.parse(value, REGION)
    except NumberParseException:
        return None
    if number.extension or not phonenumbers.is_valid_number(number):
        return None
    return _e164(number)


def provider_phone(address: str) -> str | None:
    """The E.164 number of a provider's sender (``whatsapp:+31612345678`` or ``+31612345678``); else None.

    Providers send numbers in international form; only the form is checked (a plausible
    length for the country), not whether the range is assigned: a resident's message is
    never refused because the numbering-plan data is older than their number.
    """
    value = address.strip().removeprefix("whatsapp:")
    if not _INTERNATIONAL.fullmatch(value):
        return None
    try:
        number = phonenumbers.parse(value, None)
    except NumberParseException:
        return None
    return _e164(number) if phonenumbers.is_possible_number(number) else None


def find_phone(text: str) -> str | None:
    """The first phone number in free text, in E.164 ("bel me op 06-12345678 graag" → ``+31612345678``)."""
    for match in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID):
        if _with_prefix(match.raw_string) and not match.number.extension:
            return _e164(match.number)
    return None


def display_phone(value: str) -> str:
    """A number as a resident in the Netherlands reads it: ``06 12345678``, ``020 123 4567``, ``00 49 …``."""
    try:
        number = phonenumbers.parse(value, REGION)
    except NumberParseException:
        return value
    return phonenumbers.format_out_of_country_calling_number(number, REGION)


# ---------------------------------------------------------------------- e-mail addresses
def normalize_email(raw: str) -> str | None:
    value = raw.strip().removeprefix("mailto:").lower()
    return value if _EMAIL.fullmatch(value) else None


def find_email(text: str) -> str | None:
    """The first e-mail address in free text, normalised ("mail Jan@Example.nl aub" → ``jan@example.nl``)."""
    for match in _EMAIL_IN_TEXT.finditer(text):
        email = normalize_email(match.group(0))
        if email:
            return email
    return None


# ---------------------------------------------------------------------- identity keys
def phone_key(raw: str) -> str | None:
    """``phone:+31612345678`` for a phone number in any spelling; None when it is not one."""
    phone = normalize_phone(raw)
    return f"phone:{phone}" if phone else None


def email_key(raw: str) -> str | None:
    """``email:jan@example.nl`` for an e-mail address in any case; None when it is not one."""
    email = normalize_email(raw)
    return f"email:{email}" if email else None


def normalize_key(key: str) -> str | None:
    """An identity key with its value normalised (``phone:06-12345678`` → ``phone:+31612345678``); None when empty or bad.

    Other kinds (``webchat:<session>``, ``telegram:<id>``) are kept as they are.
    """
    kind, _, value = key.partition(":")
    if kind == "phone":
        return phone_key(value)
    if kind == "email":
        return email_key(value)
    return key if value else None


def keys_from_text(value: str) -> list[str]:
    """The phone or e-mail key of something a resident or agent typed ("06 1234 5678", "jan@example.nl")."""
    key = phone_key(value) if _PHONE_SHAPED.fullmatch(value.strip()) else None
    key = key or email_key(value)
    return [key] if key else []


# ---------------------------------------------------------------------- BSN, KvK, postcode
def normalize_bsn(raw: str) -> str | None:
    """Nine digits passing the eleven-test, from ``999993653``, ``9999.93.653`` or ``999 993 653``; else None."""
    digits = _SEPARATORS.sub("", raw)
    if len(digits) != 9 or not digits.isdigit() or not digits.isascii():
        return None
    return digits if stdnum_bsn.is_valid(digits) else None


def valid_bsn(value: str) -> bool:
    """Exactly nine digits (no separators) passing the BSN eleven-test (weights 9..2 and -1)."""
    return normalize_bsn(value) == value


def mask_bsn(bsn: str | None) -> str | None:
    """The BSN as staff lists show it: ``*****3653`` (never the full number)."""
    return f"*****{bsn[-4:]}" if bsn else None


def normalize_kvk(raw: str) -> str | None:
    """An eight-digit KvK number (spaces and dots allowed in, none out); else None."""
    digits = _SEPARATORS.sub("", raw)
    return digits if len(digits) == 8 and digits.isdigit() and digits.isascii() else None


def valid_kvk(value: str) -> bool:
    return normalize_kvk(value) == value


def normalize_vestigingsnummer(raw: str) -> str | None:
    """A twelve-digit KvK branch number (vestigingsnummer); else None."""
    digits = _SEPARATORS.sub("", raw)
    return digits if len(digits) == 12 and digits.isdigit() and digits.isascii() else None


def valid_vestigingsnummer(value: str) -> bool:
    return normalize_vestigingsnummer(value) == value


def normalize_postcode(raw: str) -> str | None:
    """A Dutch postcode as ``1234 AB`` (from ``1234ab``, ``1234 AB``, ``NL-1234AB``); else None."""
    try:
        return stdnum_postcode.validate(raw)
    except ValidationError:
        return None


def find_postcode(text: str) -> str | None:
    """The first valid postcode in free text ("het is bij 1234ab" → ``1234 AB``)."""
    for match in _POSTCODE_IN_TEXT.finditer(text):
        postcode = normalize_postcode(match.group(0))
        if postcode:
            return postcode
    return None
