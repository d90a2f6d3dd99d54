"""The satisfaction question at the end of a conversation: a score from 1 to 5, optional.

The resident may answer or not; a conversation gets at most one score. The score is kept
on the conversation and written to the event log (``satisfaction``: score, channel, team,
topic), where ``hub.stats.figures`` counts it per channel and team. No text is asked for, so no
personal data comes in this way.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, StrictInt

from hub.core import events
from hub.core.appkeys import DB
from hub.core.event_types import EventType
from hub.core.http import BodyError, json_error, parse
from hub.core.models import Button, Reply, utcnow

QUESTION = "Wat vindt u van dit gesprek? Geef een cijfer van 1 (slecht) tot 5 (heel goed). Antwoorden hoeft niet."
LABELS = {1: "1 - slecht", 2: "2", 3: "3", 4: "4", 5: "5 - heel goed"}
THANKS = "Bedankt voor uw cijfer. Daarmee maken we ons klantcontact beter."
PAYLOAD_PREFIX = "/tevredenheid:"


class SatisfactionError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ScoreBody(BaseModel):
    score: StrictInt = Field(ge=1, le=5)


def question() -> Reply:
    """The question with five buttons, for any channel that shows buttons."""
    return Reply(text=QUESTION, buttons=[Button(title=LABELS[i], payload=f"{PAYLOAD_PREFIX}{i}") for i in range(1, 6)])


async def record_score(
    db: AsyncIOMotorDatabase, conversation_id: str, score: int, channel: str | None = None
) -> dict[str, Any]:
    """Keep the resident's score (once per conversation) and write the ``satisfaction`` event.

    ``channel`` limits which conversations qualify (the web chat endpoint passes "webchat").
    """
    if not 1 <= score <= 5:
        raise SatisfactionError(422, "invalid_score", "Geef een cijfer van 1 tot en met 5.")
    query: dict[str, Any] = {"_id": conversation_id}
    if channel:
        query["channel"] = channel
    now = utcnow()
    conv = await db.conversations.find_one_and_update(
        {**query, "satisfaction": {"$exists": False}},
        {"$set": {"satisfaction": {"score": score, "at": now}}},
        projection={"channel": 1, "team": 1, "topic": 1},
    )
    if conv is None:
        if await db.conversations.count_documents(query, limit=1):
            raise SatisfactionError(409, "already_rated", "U heeft dit gesprek al een cijfer gegeven. Bedankt!")
        raise SatisfactionError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
    await events.emit(
        db, None, EventType.SATISFACTION, conversation_id, score=score,
        channel=conv.get("channel"), team=conv.get("team"), topic=conv.get("topic"),
    )
    return {"conversation_id": conversation_id, "score": score, "message": THANKS}


async def webchat_score(request: web.Request) -> web.Response:
    """``POST /api/v1/webchat/conversations/{id}/satisfaction`` with ``{"score": 1..5}``."""
    try:
        body = await parse(request, ScoreBody)
    except BodyError as exc:
        if exc.response.status == 422:
            return json_error(422, "invalid_score", "Geef een cijfer van 1 tot en met 5.")
        return exc.response
    try:
        result = await record_score(request.app[DB], request.match_info["id"], body.score, channel="webchat")
    except SatisfactionError as exc:
        return json_error(exc.status, exc.code, exc.message)
    return web.json_response(result, status=201)


def routes() -> list[web.RouteDef]:
    return [web.post("/api/v1/webchat/conversations/{id}/satisfaction", webchat_score)]
