"""Free text kept for statistics or editors without what may identify a person.

Used where a resident's or agent's words are kept apart from the conversation itself: the
questions the bot could not answer (``knowledge.unanswered``) and comments on an answer
(``knowledge.feedback``). Removed: e-mail addresses, BSN-, phone- and account-like numbers
(8 digits or more, separators allowed), a postcode with or without house number, and a
street with a house number. What is left is for reading the question, not for finding the
person; the conversation itself keeps its own text under its own retention.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"(?<!\w)(?:\+?\d[\d\s.-]{6,}\d)(?!\w)")
_POSTCODE_NUMBER = re.compile(r"\b\d{4}\s?[A-Za-z]{2}(?:\s*,?\s*\d{1,5}(?:\s?[A-Za-z](?![A-Za-z]))?)?\b")
_STREET_NUMBER = re.compile(
    r"\b[A-Z][\w'-]*(?:straat|weg|laan|plein|gracht|kade|singel|dijk|hof|pad|steeg|dreef|park)\s+\d{1,5}\s?[A-Za-z]?\b"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{4}(?:\s?\d){10}\b")


def scrub(text: str, max_chars: int = 500) -> str:
    """``text`` with personal data replaced by ``[e-mail]``, ``[nummer]``, ``[postcode]``, ``[adres]``."""
    text = _EMAIL.sub("[e-mail]", text or "")
    text = _IBAN.sub("[nummer]", text)
    text = _LONG_NUMBER.sub("[nummer]", text)
    text = _STREET_NUMBER.sub("[adres]", text)
    text = _POSTCODE_NUMBER.sub("[postcode]", text)
    return re.sub(r"\s+", " ", text).strip()[:max_chars]
