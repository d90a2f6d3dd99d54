"""The one normaliser of identity keys: phone numbers, e-mail addresses, BSN, KvK numbers, postcodes."""

from __future__ import annotations

import pytest

from hub.core import identifiers as ids


# ---------------------------------------------------------------------- phone numbers
@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("06-12345678", "+31612345678"),
        ("0612345678", "+31612345678"),
        ("06 1234 5678", "+31612345678"),
        ("+31 6 1234 5678", "+31612345678"),
        ("+31612345678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("+31 (0)6 12345678", "+31612345678"),
        ("whatsapp:+31612345678", "+31612345678"),
        ("tel:+31612345678", "+31612345678"),
        ("020-1234567", "+31201234567"),
        ("(020) 123 45 67", "+31201234567"),
        ("+31 20 123 4567", "+31201234567"),
        ("+49 151 12345678", "+4915112345678"),  # a German mobile number stays German
        ("0049 30 1234567", "+49301234567"),
        ("+32 470 12 34 56", "+32470123456"),
    ],
)
def test_phone_numbers_in_every_spelling_become_one_e164(typed, e164):
    assert ids.normalize_phone(typed) == e164
    assert ids.phone_key(typed) == f"phone:{e164}"


@pytest.mark.parametrize(
    "rubbish",
    [
        "", "12345", "hallo", "06-1234", "06-123456789", "+31 6 1234 567",
        "612345678",  # no trunk prefix: nine bare digits (a BSN shape), not a phone number
        "123456782",
        "06-98765432",  # well formed, but 06-9… is not an assigned range
        "06 1234 5678 toestel 12", "jan@example.nl",
    ],
)
def test_what_is_no_phone_number_gives_none(rubbish):
    assert ids.normalize_phone(rubbish) is None
    assert ids.phone_key(rubbish) is None


def test_provider_numbers_are_checked_for_form_only():
    assert ids.provider_phone("whatsapp:+31612345678") == "+31612345678"
    assert ids.provider_phone("+3197010000001") == "+3197010000001"  # an M2M number Twilio hands out
    assert ids.provider_phone("+31698765432") == "+31698765432"  # unassigned today, but never refuse a message
    assert ids.provider_phone("0612345678") is None  # providers send international numbers only
    assert ids.provider_phone("whatsapp:hallo") is None and ids.provider_phone("+31 6 1234 5678") is None
    assert ids.provider_phone("+31612345678901") is None  # longer than any Dutch number
    assert ids.provider_phone("+99912345678") is None  # no such country code


def test_a_phone_number_is_found_in_a_sentence():
    assert ids.find_phone("bel me maar op 06-12345678 graag") == "+31612345678"
    assert ids.find_phone("Mijn nummer: 06 1234 5678.") == "+31612345678"
    assert ids.find_phone("overdag op 020 - 123 45 67 of mobiel") == "+31201234567"
    assert ids.find_phone("bel +49 151 12345678") == "+4915112345678"
    assert ids.find_phone("mijn huisnummer is 12") is None
    assert ids.find_phone("123456782") is None  # nine digits (a BSN shape) is not a phone number
    assert ids.find_phone("zaak Z-2026-000123 graag") is None
    assert ids.find_phone("het was op 04-01-2025") is None


def test_phone_numbers_are_shown_as_a_resident_reads_them():
    assert ids.display_phone("+31612345678") == "06 12345678"
    assert ids.display_phone("+31201234567") == "020 123 4567"
    assert ids.display_phone("+4915112345678").startswith("00 49")


# ---------------------------------------------------------------------- e-mail addresses
def test_email_addresses_lose_their_case_and_mailto():
    assert ids.normalize_email("Jan.Jansen@Example.NL") == "jan.jansen@example.nl"
    assert ids.normalize_email("  mailto:Info@Lindewaard.nl ") == "info@lindewaard.nl"
    assert ids.email_key("Jan@Example.nl") == "email:jan@example.nl"
    for bad in ("jan", "jan@", "jan@example", "jan@example.n1", "jan @example.nl", "a@b@c.nl"):
        assert ids.normalize_email(bad) is None, bad
    assert ids.find_email("mail naar Jan.Jansen@Example.nl aub.") == "jan.jansen@example.nl"
    assert ids.find_email("geen adres hier") is None


# ---------------------------------------------------------------------- identity keys
def test_keys_are_normalised_and_other_kinds_kept():
    assert ids.normalize_key("phone:06-12345678") == "phone:+31612345678"
    assert ids.normalize_key("email:Jan@Example.NL") == "email:jan@example.nl"
    assert ids.normalize_key("webchat:abc123") == "webchat:abc123"
    assert ids.normalize_key("phone:12345") is None and ids.normalize_key("email:bad") is None
    assert ids.normalize_key("telegram:") is None


def test_keys_from_what_someone_typed():
    assert ids.keys_from_text("06 1234 5678") == ["phone:+31612345678"]
    assert ids.keys_from_text("+31 20 123 4567") == ["phone:+31201234567"]
    assert ids.keys_from_text("Jan@Example.nl") == ["email:jan@example.nl"]
    assert ids.keys_from_text("Jan Jansen") == []
    assert ids.keys_from_text("bel 0612345678") == []  # a sentence is not a number field


# ---------------------------------------------------------------------- BSN, KvK, postcode
def test_bsn_eleven_test():
    assert ids.valid_bsn("999993653") and ids.valid_bsn("111222333") and ids.valid_bsn("999995078")
    for bad in ("999993654", "111222334", "12345678", "1234567890", "000000000", "99999365a", "", "999 993 653"):
        assert not ids.valid_bsn(bad), bad
    assert ids.normalize_bsn("999 993 653") == "999993653"
    assert ids.normalize_bsn("9999.93.653") == "999993653"
    assert ids.normalize_bsn("999-993-654") is None
    assert ids.normalize_bsn("99999365") is None  # eight digits are not padded to a BSN


def test_bsn_is_masked_for_lists():
    assert ids.mask_bsn("999993653") == "*****3653"
    assert ids.mask_bsn(None) is None


def test_kvk_and_branch_numbers():
    assert ids.valid_kvk("69599084") and ids.normalize_kvk("6959 9084") == "69599084"
    assert not ids.valid_kvk("1234") and not ids.valid_kvk("695990841") and not ids.valid_kvk("6959908a")
    assert ids.valid_vestigingsnummer("000038509504")
    assert not ids.valid_vestigingsnummer("38509504") and ids.normalize_vestigingsnummer("0000 3850 9504") == "000038509504"


@pytest.mark.parametrize(
    ("typed", "postcode"),
    [("1234AB", "1234 AB"), ("1234 ab", "1234 AB"), ("1234ab", "1234 AB"), ("NL-2611ET", "2611 ET"), (" 2601 dc ", "2601 DC")],
)
def test_postcode_spellings(typed, postcode):
    assert ids.normalize_postcode(typed) == postcode


def test_what_is_no_postcode():
    for bad in ("0123 AB", "12345 AB", "1234 A", "1234 SS", "ABCD 12", ""):
        assert ids.normalize_postcode(bad) is None, bad
    assert ids.find_postcode("de boom staat bij 1234ab in Lindewaard") == "1234 AB"
    assert ids.find_postcode("Kerkstraat 12") is None
