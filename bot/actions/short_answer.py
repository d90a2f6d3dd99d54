"""Short answers first: the one thing asked, in one bubble, then "Meer weten?" for the rest.

"Wat kost een paspoort?" gets the fee from the product catalogue, "Hoe lang duurt ...?" the
term, "Wat moet ik meenemen?" what to bring; any other question the article's first
paragraph. The button "Meer weten?" (payload ``/follow_up``; typed "meer" on channels
without buttons) asks for the rest of the article and the link to the product page.

Pure functions: the actions (``answer.py``, ``follow_up.py``) read the article and its
products and send what these return.
"""

from __future__ import annotations

import re
from typing import Any

MORE_BUTTON = {"title": "Meer weten?", "payload": "/follow_up"}
APPLY_LABELS = {"online": "Online", "appointment": "Op afspraak", "at_home": "Aan huis"}

# What a first question asks for, in so many words. Stricter than a follow-up's words:
# "moet ik belasting betalen" is a question about the topic, not about a fee.
FIRST_ASPECTS: list[tuple[str, re.Pattern[str]]] = [
    ("costs", re.compile(
        r"\b(wat|hoeveel)\b[^.?!]*\b(kost|kosten|betaal|betalen)\b|\bkosten\b|\bprijs|\btarief|\bleges\b|"
        r"\bhow much\b|\bcosts?\b|\bprice\b", re.I)),
    ("lead_time", re.compile(
        r"\bhoe ?lang\b[^.?!]*\b(duurt|duren|wachten)\b|\blevertijd|\bwanneer\b[^.?!]*\bklaar\b|\bhow long\b", re.I)),
    ("bring", re.compile(r"\bmee ?(nemen|brengen)\b|\bmeenemen\b|\bwhat (do|should) i bring\b", re.I)),
]
# Asking for the rest of the last answer ("Meer weten?" pressed or typed).
MORE = re.compile(
    r"^\s*/follow_up\s*$|\bmeer\b|\bverder\b|\bga door\b|\bde rest\b|\bhele verhaal\b|\buitgebreid\w*|\bmore\b", re.I)


def first_aspect(text: str) -> str | None:
    """The catalogue field a first question asks for (``costs``, ``lead_time``, ``bring``), if any."""
    for aspect, pattern in FIRST_ASPECTS:
        if pattern.search(text):
            return aspect
    return None


def wants_more(text: str) -> bool:
    return bool(MORE.search(text))


def answer_for(product: Any, aspect: str) -> str | None:
    """One product field as a short Dutch answer; None when the product does not have it."""
    if aspect == "costs" and product.costs:
        return f"Wat kost het? {product.costs}"
    if aspect == "lead_time" and product.lead_time:
        return f"Hoe lang duurt het? {product.lead_time}"
    if aspect == "bring" and product.bring:
        return "Neem dit mee:\n" + "\n".join(f"- {item}" for item in product.bring)
    if aspect == "conditions" and product.conditions:
        return "De voorwaarden:\n" + "\n".join(f"- {item}" for item in product.conditions)
    ways = [f"- {APPLY_LABELS[k]}: {v}" for k, v in product.apply.model_dump().items() if v]
    if aspect == "apply" and ways:
        return f"Zo vraagt u {product.name.lower()} aan:\n" + "\n".join(ways)
    return None


def paragraphs(answer: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", answer.strip()) if p.strip()]


def product_links(products: list[Any], site_url: str) -> list[str]:
    return [f"Meer over {p.name}: {site_url.rstrip('/')}/{p.slug}" for p in products]


def short_answer(answer: str, products: list[Any], asked: str) -> tuple[str, str | None]:
    """(the one-bubble answer to ``asked``, the catalogue field it answers or None for the lead)."""
    aspect = first_aspect(asked)
    if aspect:
        for product in products:
            text = answer_for(product, aspect)
            if text:
                return text, aspect
    parts = paragraphs(answer)
    return (parts[0] if parts else answer.strip()), None


def rest_of(answer: str, products: list[Any], site_url: str, shown: str) -> str:
    """The article without the paragraph already ``shown``, then the links to the product pages."""
    parts = [p for p in paragraphs(answer) if p not in shown]
    return "\n\n".join([*parts, *product_links(products, site_url)])


def has_more(answer: str, products: list[Any], shown: str) -> bool:
    return bool(products) or any(p not in shown for p in paragraphs(answer))
