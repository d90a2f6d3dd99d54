"""Multi-turn context: "en wat kost dat?" after a passport answer stays on the passport."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import knowledge, meta

# aspect -> words that ask for it (checked in this order: "hoe lang duurt" before "duur")
ASPECTS: list[tuple[str, re.Pattern[str]]] = [
    ("lead_time", re.compile(r"hoe ?lang|duurt|levertijd|wanneer (is|ben|krijg)|klaar|how long", re.I)),
    ("costs", re.compile(r"kost|prijs|betalen|euro|tarief|duur\b|gratis|leges|cost|price", re.I)),
    ("bring", re.compile(r"mee ?nemen|meebrengen|nodig|bring|documenten", re.I)),
    ("conditions", re.compile(r"voorwaarde|mag ik|recht op|wanneer kom ik|eisen|condition", re.I)),
    ("apply", re.compile(r"online|aanvragen|afspraak|waar|hoe (doe|vraag|regel)|digid|apply|where", re.I)),
]
APPLY_LABELS = {"online": "Online", "appointment": "Op afspraak", "at_home": "Aan huis"}


def aspect_of(text: str) -> str:
    for aspect, pattern in ASPECTS:
        if pattern.search(text):
            return aspect
    return "apply"


def answer_for(product: Any, aspect: str) -> str | None:
    if aspect == "costs" and product.costs:
        return f"Wat kost {product.name.lower()}? {product.costs}"
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


class ActionFollowUp(Action):
    def name(self) -> str:
        return "action_follow_up"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        slug = tracker.get_slot("last_article")
        svc = await knowledge()
        article = await svc.get_article(slug, view="resident") if slug else None
        if article is None:
            dispatcher.utter_message(text="Waar gaat uw vraag over? Noem het onderwerp, bijvoorbeeld paspoort of afval.")
            dispatcher.utter_message(json_message=meta(tracker, "clarify"))
            return []
        aspect = aspect_of((tracker.latest_message or {}).get("text") or "")
        text = None
        for product_slug in article.related_products:
            product = await svc.get_product(product_slug)
            if product and (text := answer_for(product, aspect)):
                break
        if text is None:  # the product has no such field: the article itself is the best answer
            text = article.answer.strip()
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(json_message=meta(tracker, "answer", article=article.slug, aspect=aspect))
        return []
