"""Multi-turn context: "en wat kost dat?" after a passport answer stays on the passport.

"Meer weten?" (the button under a short answer, or a typed "meer") is a follow-up too: it
gets the rest of the last article and the link to its product page, in one bubble.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.answer import (
    TERSE_OOS_RUNNER_UP,
    ActionClarify,
    out_of_scope_guess,
    related_products,
)
from bot.actions.common import knowledge, meta, ranking, utter_whole
from bot.actions.short_answer import (
    MORE_BUTTON,
    answer_for,
    has_more,
    rest_of,
    short_answer,
    wants_more,
)
from hub.conversations.bot_client import REPLY_KEY
from hub.core.settings import get_settings

# aspect -> words that ask for it (checked in this order: "hoe lang duurt" before "duur")
ASPECTS: list[tuple[str, re.Pattern[str]]] = [
    ("lead_time", re.compile(r"hoe ?lang|duurt|levertijd|wanneer (is|ben|krijg)|klaar|how long", re.I)),
    ("costs", re.compile(r"kost|prijs|betalen|euro|tarief|duur\b|gratis|leges|cost|price", re.I)),
    ("bring", re.compile(r"mee ?nemen|meebrengen|nodig|bring|documenten", re.I)),
    ("conditions", re.compile(r"voorwaarde|mag ik|recht op|wanneer kom ik|eisen|condition", re.I)),
    ("apply", re.compile(r"online|aanvragen|afspraak|waar|hoe (doe|vraag|regel)|digid|apply|where", re.I)),
]


def aspect_of(text: str) -> str:
    """The product field a follow-up asks for; ``more`` for "Meer weten?"; ``apply`` when unsure."""
    for aspect, pattern in ASPECTS:
        if pattern.search(text):
            return aspect
    return "more" if wants_more(text) else "apply"


def last_bot_text(tracker: Tracker) -> str:
    """What the bot said last (the short answer a "Meer weten?" expands)."""
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        whole = ((event.get("data") or {}).get("custom") or {}).get(REPLY_KEY)  # common.utter_whole
        text = whole.get("text") if isinstance(whole, dict) else event.get("text")
        if text:
            return str(text)
    return ""


class ActionFollowUp(Action):
    def name(self) -> str:
        return "action_follow_up"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        slug = tracker.get_slot("last_article")
        svc = await knowledge()
        article = await svc.get_article(slug, view="resident") if slug else None
        if article is None:
            if dict(ranking(tracker)).get("out_of_scope", 0.0) >= TERSE_OOS_RUNNER_UP and out_of_scope_guess(tracker):
                # nothing to follow up, and out of scope the next guess ("hoe lang moet een ei koken?")
                return await ActionClarify().run(dispatcher, tracker, domain)
            dispatcher.utter_message(text="Waar gaat uw vraag over? Noem het onderwerp, bijvoorbeeld paspoort of afval.")
            dispatcher.utter_message(json_message=meta(tracker, "clarify"))
            return []
        asked = (tracker.latest_message or {}).get("text") or ""
        aspect = aspect_of(asked)
        if aspect == "more":
            products = await related_products(svc, article)
            text = rest_of(article.answer, products, get_settings().site_url, last_bot_text(tracker))
            utter_whole(dispatcher, text or "Meer staat er niet over in onze informatie.")
            dispatcher.utter_message(json_message=meta(tracker, "answer", article=article.slug, aspect=aspect))
            return []
        text = None
        for product_slug in article.related_products:
            product = await svc.get_product(product_slug)
            if product and (text := answer_for(product, aspect)):
                break
        if text is None:  # the product has no such field: the article's short answer, with the rest on request
            text, _ = short_answer(article.answer, [], "")
            utter_whole(dispatcher, text, [MORE_BUTTON] if has_more(article.answer, [], text) else [])
        else:
            utter_whole(dispatcher, text)
        dispatcher.utter_message(json_message=meta(tracker, "answer", article=article.slug, aspect=aspect))
        return []
