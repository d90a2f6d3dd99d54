"""What an agent does with a conversation: reply, transfer, hand back to the bot, close.

Every action checks who may do it in the same atomic update that changes the conversation
(only the assigned agent replies; the assignee or a supervisor transfers, hands back or
closes), so a stale console can never act on a conversation that moved on.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument

from handover import agents
from handover.queue import WRITTEN_CHANNELS
from handover.routing import DeskError, Router
from hub.conversations import satisfaction
from hub.conversations.pipeline import Pipeline
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.models import Reply, State, new_id, utcnow
from hub.core.settings import Settings
from hub.privacy import need_to_know
from hub.staff.auth import SOCIAL_DOMAIN, has_right, has_role

log = logging.getLogger(__name__)

Outcome = Literal["answered", "case_created", "callback_created", "referred", "no_answer_needed"]
OUTCOMES_NL: dict[str, str] = {
    "answered": "Beantwoord",
    "case_created": "Zaak aangemaakt",
    "callback_created": "Terugbelverzoek aangemaakt",
    "referred": "Doorverwezen naar een partner",
    "no_answer_needed": "Geen antwoord nodig",
}
NO_QUESTION = ("no_answer_needed",)  # spam or a message that needed no answer: no satisfaction question
HANDBACK_TEXT = "U praat nu weer met de digitale assistent. Stel gerust uw volgende vraag."
CLOSED_TEXT = "Dit gesprek is afgesloten. Heeft u nog een vraag? Stuur dan gerust een nieuw bericht."
OPEN_STATES = [State.QUEUED.value, State.AGENT.value]
JOINED_PREFIX = "U chat nu met een medewerker"


def first_name(staff: dict[str, Any]) -> str:
    return (staff.get("name") or "").split(" ")[0] or "een medewerker"


def team_name(team: str | None) -> str:
    """How a resident reads a team: short names are abbreviations (KCC), others a word (Burgerzaken)."""
    if not team:
        return ""
    return team.upper() if len(team) <= 4 else team.replace("_", " ").capitalize()


def joined_text(staff: dict[str, Any], team: str | None) -> str:
    """Said once, when the assigned agent first opens or answers the conversation."""
    name, where = first_name(staff), team_name(team)
    who = f"{name} van team {where}" if where else name
    return f"{JOINED_PREFIX}: {who}. {name} heeft uw gesprek met de digitale assistent gelezen."


def specialist_teams(staff: dict[str, Any]) -> list[str]:
    """The backoffice teams of a specialist: the account's ``teams``, else its ``team`` (no default team)."""
    return [t for t in (staff.get("teams") or [staff.get("team")]) if t]


def asked_of(staff: dict[str, Any], conv: dict[str, Any]) -> bool:
    """Whether the conversation's open specialist request is for this specialist: asked of them or of
    their team (not yet accepted), or accepted by them. Nothing else is visible to a specialist."""
    request = conv.get("specialist") or {}
    if "specialist" not in (staff.get("roles") or []) or conv.get("state") not in OPEN_STATES:
        return False
    if request.get("status") == "accepted":
        return request.get("accepted_by") == staff["_id"]
    if request.get("status") != "asked":
        return False
    if request.get("to_agent"):
        return request["to_agent"] == staff["_id"]
    return request.get("to_team") in specialist_teams(staff)


async def can_see(db: AsyncIOMotorDatabase, settings: Settings, staff: dict[str, Any], conv: dict[str, Any]) -> bool:
    """Agents see their own conversations and their teams' queue; supervisors watch any conversation;
    a specialist sees only what was asked of them or their team (``asked_of``)."""
    if has_role(staff, "supervisor") or conv.get("assignee") == staff["_id"] or asked_of(staff, conv):
        return True
    if not has_role(staff, "agent"):
        return False
    if conv.get("state") != State.QUEUED.value:
        return False
    agent = await agents.ensure(db, staff, settings)
    return conv.get("team") in agent["teams"]


class Desk:
    def __init__(self, db: AsyncIOMotorDatabase, live: LiveBus, pipeline: Pipeline, router: Router, settings: Settings):
        self.db = db
        self.live = live
        self.pipeline = pipeline
        self.router = router
        self.settings = settings

    # ------------------------------------------------------------------ who may act
    def _guard(self, staff: dict[str, Any], conv_id: str, states: list[str] | None = None) -> dict[str, Any]:
        """Condition: the conversation is the staff member's, or any open one for a supervisor."""
        condition: dict[str, Any] = {"_id": conv_id, "state": {"$in": states or OPEN_STATES}}
        if not has_role(staff, "supervisor"):
            condition["assignee"] = staff["_id"]
        return condition

    async def refusal(self, conv_id: str, staff: dict[str, Any]) -> DeskError:
        conv = await self.db.conversations.find_one({"_id": conv_id}, {"state": 1, "assignee": 1})
        if conv is None:
            return DeskError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
        if conv["state"] == State.CLOSED.value:
            return DeskError(409, "closed", "Dit gesprek is al afgesloten.")
        if conv["state"] == State.BOT.value:
            return DeskError(409, "with_bot", "De digitale assistent voert dit gesprek weer.")
        if conv.get("assignee") and conv["assignee"] != staff["_id"]:
            return DeskError(403, "not_assigned", "Dit gesprek is van een collega. Alleen die collega kan antwoorden.")
        return DeskError(409, "not_assigned", "Pak het gesprek eerst op.")

    # ------------------------------------------------------------------ reply
    async def reply(
        self,
        conv_id: str,
        staff: dict[str, Any],
        text: str,
        article: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        via: str = "console",
        team: str | None = None,
    ) -> dict[str, Any]:
        """Send the assigned agent's message to the resident on their channel.

        ``team`` is the team the resident reads as the speaker's (default: the conversation's;
        a specialist who took a conversation over speaks for their own team)."""
        now = utcnow()
        conv = await self.db.conversations.find_one_and_update(
            {"_id": conv_id, "state": State.AGENT.value, "assignee": staff["_id"]},
            {"$set": {"last_agent_reply_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if conv is None:
            raise await self.refusal(conv_id, staff)
        await self.announce_joined(conv_id, staff)
        first = await self.db.conversations.update_one({"_id": conv_id, "answered_at": None}, {"$set": {"answered_at": now}})
        if first.modified_count:
            await events.emit(self.db, self.live, EventType.FIRST_AGENT_REPLY, conv_id, agent=staff["_id"], team=conv.get("team"),
                              channel=conv["channel"])
        attachments = attachments or []
        body = text.strip()
        if attachments:
            links = "\n".join(f"Bijlage: {a['filename']} {a['url']}" for a in attachments)
            body = f"{body}\n\n{links}" if body else links
        metadata = {"agent": staff["_id"], "agent_name": staff.get("name"), "team": team or conv.get("team"), "via": via}
        if article:
            metadata["article"] = article
        outs = await self.pipeline.send(conv, [Reply(text=body)], author="agent", metadata=metadata)
        message_id = outs[0].message_id
        if attachments:
            await self.db.messages.update_one({"_id": message_id}, {"$set": {"attachments": attachments}})
        await events.emit(self.db, self.live, EventType.AGENT_REPLY, conv_id, agent=staff["_id"], article=article, via=via,
                          attachments=len(attachments), channel=conv["channel"], team=conv.get("team"),
                          context={"message_id": message_id})
        return {"message_id": message_id, "conversation_id": conv_id}

    async def announce_joined(self, conv_id: str, staff: dict[str, Any]) -> bool:
        """Tell the resident a person is with them: once per conversation, by the assigned agent only.

        Called when that agent opens the conversation and before their first reply; an assignment
        alone says nothing (nobody has read it yet), and a re-assignment never repeats it.
        """
        conv = await self.db.conversations.find_one_and_update(
            {"_id": conv_id, "state": State.AGENT.value, "assignee": staff["_id"], "agent_joined": {"$ne": True},
             "channel": {"$nin": list(WRITTEN_CHANNELS)}},
            {"$set": {"agent_joined": True}},
            return_document=ReturnDocument.AFTER,
        )
        if conv is None:
            return False
        metadata = {"kind": "agent_joined", "agent_name": first_name(staff), "team": conv.get("team")}
        await self.pipeline.send(conv, [Reply(text=joined_text(staff, conv.get("team")))], author="system", metadata=metadata)
        return True

    # ------------------------------------------------------------------ notes
    async def note(self, conv_id: str, staff: dict[str, Any], text: str, kind: str = "note", **extra: Any) -> dict[str, Any]:
        """An internal note: agents and supervisors see it, the resident never does."""
        entry = {"id": new_id(), "by": staff["_id"], "name": staff.get("name"), "at": utcnow(), "text": text, "kind": kind, **extra}
        res = await self.db.conversations.update_one({"_id": conv_id}, {"$push": {"notes": entry}})
        if not res.matched_count:
            raise DeskError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
        await events.emit(self.db, self.live, EventType.NOTE, conv_id)
        return entry

    # ------------------------------------------------------------------ transfer
    async def transfer(
        self, conv_id: str, staff: dict[str, Any], note: str, to_agent: str | None = None, to_team: str | None = None
    ) -> dict[str, Any]:
        if bool(to_agent) == bool(to_team):
            raise DeskError(422, "transfer_target", "Kies een collega of een team.")
        conv = await self.db.conversations.find_one(self._guard(staff, conv_id))
        if conv is None:
            raise await self.refusal(conv_id, staff)
        holder = conv.get("assignee")
        if to_team:
            if conv["state"] == State.AGENT.value:
                moved = await self.router.requeue(conv_id, holder, "transfer", team=to_team)
            else:
                moved = (await self.db.conversations.update_one(
                    {"_id": conv_id, "state": State.QUEUED.value}, {"$set": {"team": to_team, "front": 1}}
                )).modified_count > 0
            if not moved:
                raise await self.refusal(conv_id, staff)
        else:
            await self._to_agent(conv, staff, to_agent)  # type: ignore[arg-type]
        await self.note(conv_id, staff, note, kind="transfer", to_agent=to_agent, to_team=to_team)
        await events.emit(self.db, self.live, EventType.TRANSFERRED, conv_id, by=staff["_id"], to_agent=to_agent, to_team=to_team,
                          context={"agent": holder, "team": to_team or conv.get("team")})
        return {"conversation_id": conv_id, "to_agent": to_agent, "to_team": to_team}

    async def _to_agent(self, conv: dict[str, Any], staff: dict[str, Any], target: str) -> None:
        target_staff = await self.db.staff.find_one({"_id": target, "active": True}, {"password_hash": 0})
        if target_staff is None or not has_role(target_staff, "agent"):
            raise DeskError(404, "unknown_agent", "Deze collega bestaat niet of is geen KCC-medewerker.")
        if target == conv.get("assignee"):
            raise DeskError(409, "same_agent", "Dit gesprek is al van deze collega.")
        if need_to_know.restricted(conv) and not has_right(target_staff, SOCIAL_DOMAIN):
            raise DeskError(403, "need_to_know", "Deze collega mag vertrouwelijke gesprekken (sociaal domein) niet zien.")
        await agents.ensure(self.db, target_staff, self.settings, via=(await self._via(target)))
        if await agents.reserve_at(self.db, target, conv["_id"]) is None:
            raise DeskError(409, "agent_full", "Deze collega is afgemeld of heeft geen ruimte voor nog een gesprek.")
        now = utcnow()
        moved = await self.db.conversations.find_one_and_update(
            {"_id": conv["_id"], "state": conv["state"], "assignee": conv.get("assignee")},
            {
                "$set": {"state": State.AGENT.value, "assignee": target, "assigned_at": now, "answered_at": None, "front": 0},
                "$push": {"assignments": {"agent": target, "at": now, "how": "transfer", "by": staff["_id"]}},
            },
        )
        if moved is None:
            await agents.release(self.db, target, conv["_id"])
            raise await self.refusal(conv["_id"], staff)
        await agents.release(self.db, conv.get("assignee"), conv["_id"])
        await events.emit(self.db, self.live, EventType.REASSIGNED, conv["_id"], agent=target, team=conv.get("team"), how="transfer")

    async def _via(self, username: str) -> str:
        agent = await self.db.agents.find_one({"_id": username}, {"via": 1})
        return (agent or {}).get("via") or "console"

    # ------------------------------------------------------------------ hand back to the bot
    async def hand_back(self, conv_id: str, staff: dict[str, Any], note: str | None = None) -> dict[str, Any]:
        now = utcnow()
        before = await self.db.conversations.find_one_and_update(
            self._guard(staff, conv_id),
            {"$set": {"state": State.BOT.value, "assignee": None, "handed_back_at": now, "front": 0}},
        )
        if before is None:
            raise await self.refusal(conv_id, staff)
        await agents.release(self.db, before.get("assignee"), conv_id)
        if note:
            await self.note(conv_id, staff, note, kind="hand_back")
        told = await self.pipeline.bot.tracker_event(conv_id, {"event": "resume"})
        if not told:
            log.warning("rasa not told of the hand-back", extra={"conversation_id": conv_id})
        await self.pipeline.send(before, [Reply(text=HANDBACK_TEXT)], author="system")
        await events.emit(self.db, self.live, EventType.HANDED_BACK, conv_id, by=staff["_id"], rasa_told=told,
                          context={"agent": before.get("assignee"), "team": before.get("team")})
        return {"conversation_id": conv_id, "state": State.BOT.value, "rasa_told": told}

    # ------------------------------------------------------------------ close
    async def close(self, conv_id: str, staff: dict[str, Any], outcome: Outcome, note: str | None = None) -> dict[str, Any]:
        condition = self._guard(staff, conv_id)
        if not has_role(staff, "supervisor"):  # an agent may also close a queued one of their team (spam, resolved)
            agent = await agents.ensure(self.db, staff, self.settings, via=await self._via(staff["_id"]))
            condition.pop("assignee")
            condition["$or"] = [
                {"state": State.AGENT.value, "assignee": staff["_id"]},
                {"state": State.QUEUED.value, "team": {"$in": agent["teams"]}},
            ]
        before = await finish(self.db, self.live, condition, outcome, staff["_id"])
        if before is None:
            raise await self.refusal(conv_id, staff)
        if note:
            await self.note(conv_id, staff, note, kind="close", outcome=outcome)
        replies = [Reply(text=CLOSED_TEXT)]
        if outcome not in NO_QUESTION and await satisfaction.hold_for_grade(self.db, before):
            replies.append(satisfaction.question(before.get("channel")))  # optional; the next message may be the grade
        await self.pipeline.send(before, replies, author="system")
        return {"conversation_id": conv_id, "state": State.CLOSED.value, "outcome": outcome}


async def finish(
    db: AsyncIOMotorDatabase, live: LiveBus, condition: dict[str, Any], outcome: str, by: str
) -> dict[str, Any] | None:
    """Close the conversation matching ``condition`` with an outcome; returns it as it was, or None.

    The open key becomes ``closed:<id>``, so the resident's next message opens a new conversation.
    """
    now = utcnow()
    conv_id = condition["_id"]
    before = await db.conversations.find_one_and_update(
        condition,
        {"$set": {
            "state": State.CLOSED.value,
            "open_key": f"closed:{conv_id}",
            "closed_at": now,
            "closed_by": by,
            "outcome": outcome,
        }},
    )
    if before is None:
        return None
    started = before.get("first_assigned_at")
    if started:
        await db.conversations.update_one({"_id": conv_id}, {"$set": {"handle_s": (now - started).total_seconds()}})
    await agents.release(db, before.get("assignee"), conv_id)
    await events.emit(db, live, EventType.CLOSED, conv_id, by=by, outcome=outcome, team=before.get("team"),
                      context={"agent": before.get("assignee")})
    return before
