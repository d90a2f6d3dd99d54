"""The satisfaction question at the end of a conversation: a Dutch school grade from 1 to 10, optional.

Asked after a conversation the bot handled alone (when the resident says thanks or goodbye
after the bot dealt with a question: ``after_answer``) and after an agent closed one, on every channel: with buttons where the
channel shows them (``BUTTON_CHANNELS``), else the resident types a number. The resident may
answer or not; a conversation gets at most one grade. The grade is kept on the conversation
(``satisfaction: {score, scale: 10, at}``) and written to the event log (``satisfaction``: score,
scale 10, channel, team, topic), where ``hub.stats`` averages it per channel, team and topic.
No text is asked for, so no personal data comes in this way.

Scores given before the grade (1 to 5, events without ``scale``) are kept as they were and
shown apart on the dashboard ("oude schaal 1-5"); they are not mapped onto the grade.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, StrictInt
from pymongo.errors import DuplicateKeyError

from hub.core import events
from hub.core.appkeys import DB
from hub.core.event_types import EventType
from hub.core.http import BodyError, json_error, parse
from hub.core.models import Button, Reply, utcnow

SCALE = 10
BUTTON_CHANNELS = ("webchat", "telegram", "messenger", "instagram")
QUESTION = "Wat vindt u van dit gesprek? Geef een rapportcijfer van 1 tot en met 10. Antwoorden hoeft niet."
QUESTION_TYPED = (
    "Wat vindt u van dit gesprek? Stuur een rapportcijfer van 1 tot en met 10, bijvoorbeeld 8. Antwoorden hoeft niet."
)
THANKS = "Bedankt voor uw cijfer. Daarmee maken we ons klantcontact beter."
INVALID = "Geef een cijfer van 1 tot en met 10."
PAYLOAD_PREFIX = "/tevredenheid:"
# The resident signs off after the bot dealt with a question: then the question follows the bot's words.
SIGN_OFF_INTENTS = ("thanks", "goodbye")
# The bot's turns that deal with no question (their meta ``action``): small talk, not understood, asking back.
NO_ANSWER_ACTIONS = frozenset({"greet", "thanks", "fallback", "out_of_scope", "clarify"})
ANSWERED_BEFORE = "answered_before"  # the bot's meta on a sign-off: an earlier turn dealt with a question
ASKED = "satisfaction_asked_at"  # on the conversation: the question went out (the next answer may be a grade)
# "8", "een 8", "cijfer 8", "8/10", "8 van 10", "10!" - a typed grade and nothing else
_TYPED = re.compile(r"^\s*(?:(?:een|cijfer|rapportcijfer|ik geef een?)\s+)?(10|[1-9])\s*(?:(?:/|van|uit)\s*10)?\s*[.!]?\s*$", re.I)


class SatisfactionError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ScoreBody(BaseModel):
    score: StrictInt = Field(ge=1, le=SCALE)


def question(channel: str | None = None) -> Reply:
    """The question: ten buttons on a channel that shows buttons, else a request to type a number."""
    if channel is not None and channel not in BUTTON_CHANNELS:
        return Reply(text=QUESTION_TYPED)
    return Reply(text=QUESTION, buttons=[Button(title=str(i), payload=f"{PAYLOAD_PREFIX}{i}") for i in range(1, SCALE + 1)])


def answered(earlier: Iterable[dict[str, Any]]) -> bool:
    """Whether one of the bot's earlier turns (their reply metadata) dealt with a question: it gave an
    article or did something other than small talk ("hallo" then "bedankt" is no such conversation)."""
    return any(m.get("article") or (m.get("action") or "fallback") not in NO_ANSWER_ACTIONS for m in earlier)


def after_answer(meta: dict[str, Any]) -> bool:
    """The bot's answer (its metadata) is a sign-off after a question it dealt with: ask for the grade.

    The bot sets ``answered_before`` from its own record of the conversation (``answered`` over
    the tracker's earlier replies), so the hub reads nothing more on the message path.
    """
    return meta.get("intent") in SIGN_OFF_INTENTS and bool(meta.get(ANSWERED_BEFORE))


def parse_grade(text: str | None, payload: str | None = None) -> int | None:
    """The grade in a button's payload or a typed answer ("8", "een 8", "8/10"); None when it is not one."""
    for value in (payload, text):
        if value and value.startswith(PAYLOAD_PREFIX):
            tail = value[len(PAYLOAD_PREFIX):]
            return int(tail) if tail.isdigit() and 1 <= int(tail) <= SCALE else None
    found = _TYPED.match(text or "")
    return int(found.group(1)) if found else None


def awaits_grade(conv: dict[str, Any]) -> bool:
    """The question went out and no grade came yet (read from the conversation at hand: no extra read)."""
    return bool(conv.get(ASKED)) and not conv.get("satisfaction")


async def hold_for_grade(db: AsyncIOMotorDatabase, conv: dict[str, Any]) -> bool:
    """A conversation just closed keeps its address until the resident's next message, so that message
    can be the grade (``hub.conversations.pipeline``); False when the resident already wrote again."""
    conv_id = conv["_id"]
    try:
        res = await db.conversations.update_one(
            {"_id": conv_id, "open_key": f"closed:{conv_id}", "satisfaction": {"$exists": False}},
            {"$set": {"open_key": f"{conv['channel']}:{conv['address']}", ASKED: utcnow()}},
        )
    except DuplicateKeyError:  # a new conversation on this address is open already
        return False
    return bool(res.modified_count)


async def record_score(
    db: AsyncIOMotorDatabase, conversation_id: str, score: int, channel: str | None = None,
    release_key: bool = False,
) -> dict[str, Any]:
    """Keep the resident's grade (once per conversation) and write the ``satisfaction`` event.

    ``channel`` limits which conversations qualify (the web chat endpoint passes "webchat").
    ``release_key``: the conversation was closed and kept its address only to hear the grade;
    now the address is free for a new conversation.
    """
    if not 1 <= score <= SCALE:
        raise SatisfactionError(422, "invalid_score", INVALID)
    query: dict[str, Any] = {"_id": conversation_id}
    if channel:
        query["channel"] = channel
    now = utcnow()
    update: dict[str, Any] = {"satisfaction": {"score": score, "scale": SCALE, "at": now}}
    if release_key:
        update["open_key"] = f"closed:{conversation_id}"
    conv = await db.conversations.find_one_and_update(
        {**query, "satisfaction": {"$exists": False}},
        {"$set": update},
        projection={"channel": 1, "team": 1, "topic": 1},
    )
    if conv is None:
        if await db.conversations.count_documents(query, limit=1):
            raise SatisfactionError(409, "already_rated", "U heeft dit gesprek al een cijfer gegeven. Bedankt!")
        raise SatisfactionError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
    await events.emit(
        db, None, EventType.SATISFACTION, conversation_id, score=score, scale=SCALE,
        channel=conv.get("channel"), team=conv.get("team"), topic=conv.get("topic"),
    )
    return {"conversation_id": conversation_id, "score": score, "scale": SCALE, "message": THANKS}


async def webchat_score(request: web.Request) -> web.Response:
    """``POST /api/v1/webchat/conversations/{id}/satisfaction`` with ``{"score": 1..10}``."""
    try:
        body = await parse(request, ScoreBody)
    except BodyError as exc:
        if exc.response.status == 422:
            return json_error(422, "invalid_score", INVALID)
        return exc.response
    try:
        result = await record_score(request.app[DB], request.match_info["id"], body.score, channel="webchat")
    except SatisfactionError as exc:
        return json_error(exc.status, exc.code, exc.message)
    return web.json_response(result, status=201)


def routes() -> list[web.RouteDef]:
    return [web.post("/api/v1/webchat/conversations/{id}/satisfaction", webchat_score)]
