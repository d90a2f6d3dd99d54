"""What every action shares: the hub's services in this process, and the reply metadata."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from hub.conversations.bot_client import META_KEY, REPLY_KEY
from hub.core.db import connect
from hub.core.settings import get_settings

_services: dict[str, Any] = {}
_lock = asyncio.Lock()


async def knowledge() -> Any:
    """The process-wide KnowledgeService, created on first use in the action server's loop."""
    if "knowledge" not in _services:
        async with _lock:
            if "knowledge" not in _services:
                from knowledge.service import KnowledgeService

                settings = get_settings()
                svc = await KnowledgeService.create(db(), settings)
                await svc.start()
                _services["knowledge"] = svc
    return _services["knowledge"]


def db() -> Any:
    if "db" not in _services:
        _services["db"] = connect(get_settings())
    return _services["db"]


def top_intent(tracker: Tracker) -> tuple[str | None, float | None]:
    """The intent the NLU found, looking past ``nlu_fallback`` to the best real guess."""
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    if intent.get("name") == "nlu_fallback":
        ranking = [r for r in latest.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        if ranking:
            return ranking[0]["name"], round(float(ranking[0]["confidence"]), 4)
    name = intent.get("name")
    conf = intent.get("confidence")
    if name and name.startswith("/"):  # a button payload such as "/paspoort-aanvragen"
        name = name[1:]
    return name, (round(float(conf), 4) if conf is not None else None)


def text_of(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def is_payload(text: str) -> bool:
    """A button press: the resident chose it, no guessing needed."""
    return text.startswith("/")


# The appointment intents: their gate (``action_appointment_gate``) reads the words before a form starts.
APPOINTMENT_STEPS = frozenset({"appointment_book", "appointment_move", "appointment_cancel"})


def ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """The NLU's intents with their confidence, best first (without ``nlu_fallback``)."""
    latest = tracker.latest_message or {}
    return [
        (r["name"], float(r.get("confidence") or 0))
        for r in latest.get("intent_ranking") or []
        if r.get("name") and r.get("name") != "nlu_fallback"
    ]


@lru_cache(maxsize=1)
def topic_intents() -> frozenset[str]:
    """The knowledge topic intents (named by their article slug)."""
    from bot.generate import topic_intents as listed

    return frozenset(listed())


@lru_cache(maxsize=1)
def answered_topics() -> frozenset[str]:
    """The topic intents answered with their article straight away (not through a gate)."""
    from bot.generate import GATED_TOPICS

    return topic_intents() - GATED_TOPICS


def meta(tracker: Tracker, action: str, article: str | None = None, **extra: Any) -> dict[str, Any]:
    """The custom message that carries the web chat ``meta`` fields back to the hub."""
    intent, confidence = top_intent(tracker)
    return {META_KEY: {"action": action, "intent": intent, "confidence": confidence, "article": article, **extra}}


def earlier_meta(tracker: Tracker) -> list[dict[str, Any]]:
    """The reply metadata (``meta``) of the bot's earlier turns in this conversation, oldest first."""
    found = []
    for event in tracker.events:
        custom = (event.get("data") or {}).get("custom") if event.get("event") == "bot" else None
        if isinstance(custom, dict) and isinstance(custom.get(META_KEY), dict):
            found.append(custom[META_KEY])
    return found


def utter_whole(dispatcher: Any, text: str, buttons: list[dict[str, str]] | None = None) -> None:
    """One chat bubble, however many paragraphs (Rasa's REST channel would cut it at blank lines)."""
    dispatcher.utter_message(json_message={REPLY_KEY: {"text": text, "buttons": buttons or []}})


def message_metadata(tracker: Tracker) -> dict[str, Any]:
    return (tracker.latest_message or {}).get("metadata") or {}
