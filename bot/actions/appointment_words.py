"""The words of an appointment request: which step (book, move, cancel), which product, which reference, which slot.

Pure text functions, read by the appointment gate and form (``bot.actions.appointments``).
"""

from __future__ import annotations

import re

REFERENCE_IN_TEXT = re.compile(r"\bAFS[-\s]?([2-9A-HJ-NP-Z]{6})\b", re.IGNORECASE)
# Words that name a product with a desk appointment; the first hit wins (a lost passport before a passport).
PRODUCT_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("vermissing-reisdocument", re.compile(r"\b(kwijt|vermist|vermissing|gestolen|verloren|lost|stolen)\b", re.I)),
    ("melding-voorgenomen-huwelijk", re.compile(r"\b(trouw\w*|huwelijk\w*|partnerschap\w*|marriage|wedding|marry)\b", re.I)),
    ("erkenning-kind", re.compile(r"\b(erkenn\w*|erken\w*|recogni[sz]\w*)\b", re.I)),
    ("legalisatie-handtekening", re.compile(r"\b(legalis\w*|handtekening|signature)\b", re.I)),
    ("rijbewijs", re.compile(r"\b(rijbewijs\w*|driv\w* licen[cs]e)\b", re.I)),
    ("identiteitskaart", re.compile(r"\b(id[- ]?kaart\w*|identiteitskaart\w*|identiteitsbewijs|id[- ]?card|identity card)\b", re.I)),
    ("paspoort", re.compile(r"\b(paspoort\w*|pas?poort|passport)\b", re.I)),
]
MOVE_WORDS = re.compile(r"\b(verzet\w*|verplaats\w*|wijzig\w*|veranderen|ander(e)? (tijd|dag|moment)|omzetten|"
                        r"move|reschedule|change)\b", re.I)
CANCEL_WORDS = re.compile(r"\b(annul\w*|afzeg\w*|af (te )?zeggen|afmeld\w*|intrekken|kan (toch )?niet komen|"
                          r"cancel\w*|call off)\b", re.I)
# A question about how appointments work ("moet ik een afspraak maken?") is answered with the article,
# unless the resident also says they want one ("hoe kan ik ... ik wil graag morgen").
ASKS_HOW = re.compile(r"^\s*(hoe|waar|wat|wanneer|waarom|moet ik|kan ik zonder|mag ik|is het|op welke (wijze|manier)|"
                      r"how|where|what|when|why|do i (need|have)|can i)\b", re.I)
WANTS = re.compile(r"\b(ik wil|wil (ik|graag)|ik zou graag|graag een|i'?d like|i would like|i want)\b", re.I)
# The words must be about an appointment: a story that only says "ik wil ... op zaterdag" is not a request
# for one (without this evidence the gate answers the next-best topic, as the melding gate does).
ABOUT_APPOINTMENTS = re.compile(r"\b(afspr\w*|afsrpaak|appointment\w*|langs ?\w*|tijd(en|stip|slot)?|inplannen|agenda|"
                                r"reserve\w*|book\w*|slot|afs-?\w{6})\b", re.I)
ORDINALS = {"1": 0, "eerste": 0, "first": 0, "2": 1, "tweede": 1, "second": 1, "3": 2, "derde": 2, "third": 2,
            "4": 3, "vierde": 3, "fourth": 3}


def decide_mode(intent: str | None, text: str) -> str:
    if CANCEL_WORDS.search(text):
        return "cancel"
    if MOVE_WORDS.search(text):
        return "move"
    return {"appointment_move": "move", "appointment_cancel": "cancel"}.get(intent or "", "book")


def product_in(text: str) -> str | None:
    for slug, words in PRODUCT_WORDS:
        if words.search(text):
            return slug
    return None


def reference_in(text: str) -> str | None:
    found = REFERENCE_IN_TEXT.search(text)
    return f"AFS-{found.group(1).upper()}" if found else None


def chosen(text: str, offered: list[dict[str, str]]) -> str | None:
    """The start of the offered slot the resident picked: the button text, its number, or its time and day."""
    said = re.sub(r"\b(\d):(\d\d)\b", r"0\1:\2", " ".join(text.lower().replace(".", ":").split()))
    for slot in offered:
        if said == slot["label"].lower():
            return slot["start"]
    words = said.split()
    if len(words) <= 3:
        for word in words:
            if word in ORDINALS and ORDINALS[word] < len(offered):
                return offered[ORDINALS[word]]["start"]
    hits = [s for s in offered if s["label"].split()[-1] in said]
    if len(hits) > 1:  # the same time on several days: the day decides
        hits = [s for s in hits if s["label"].split()[0] in said or f" {s['label'].split()[1]} " in f" {said} "]
    return hits[0]["start"] if len(hits) == 1 else None
