"""Warm transfer to a backoffice specialist: consult (read along) or transfer (take over).

The agent who holds a live conversation asks a specialist (a person with the ``specialist``
role) or a department (a team of specialists) for help, with a summary. The request lives on
the conversation (``specialist``: one open request at a time) and is one of two modes:

* ``consult``: the specialist reads the conversation and writes internal notes; the agent keeps
  it and goes on answering the resident;
* ``transfer``: on accepting, the specialist holds the conversation (``assignee``) and answers
  the resident in it; the resident reads the specialist's first name and team as the speaker.

Either way the specialist can give it back to the KCC with a note: a transferred conversation
goes straight back to the agent who asked (when they are signed in and have room), else to the
front of the KCC team's queue. Every step is a logged event (``specialist_asked``,
``specialist_accepted``, ``specialist_returned``), and whoever accepted is kept on the
conversation (``helped_by``), which the contact's history shows. What a specialist may see is
``lifecycle.asked_of``; reads are audited like an agent's (``briefing.audit_read``), and
need-to-know holds: a social-domain conversation goes only to specialists with the right.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pymongo import ReturnDocument

from handover import agents
from handover.lifecycle import Desk, asked_of, first_name, specialist_teams, team_name
from handover.routing import DeskError
from hub.core import events
from hub.core.event_types import EventType
from hub.core.models import Reply, State, new_id, utcnow
from hub.privacy import need_to_know
from hub.staff.auth import SOCIAL_DOMAIN, has_right

Mode = Literal["consult", "transfer"]
OPEN = ("asked", "accepted")
MODES_NL = {"consult": "meelezen", "transfer": "overdragen"}


class AskBody(BaseModel):
    mode: Mode
    to_specialist: str | None = Field(None, max_length=64, description="username of a specialist")
    to_team: str | None = Field(None, max_length=64, description="a department: any specialist of this team may accept")
    summary: str = Field(min_length=1, max_length=4000, description="what the specialist should know (internal)")

    @model_validator(mode="after")
    def one_target(self) -> AskBody:
        if bool(self.to_specialist) == bool(self.to_team):
            raise ValueError("choose a specialist or a team")
        return self


class ReturnBody(BaseModel):
    note: str = Field(min_length=1, max_length=4000, description="for the KCC: what was done, what is left")


# ---------------------------------------------------------------------- resident-facing texts (Dutch, B1)
def asked_text(mode: str, team: str) -> str:
    """The asking agent says this to the resident, in their own name."""
    if mode == "consult":
        return f"Ik vraag een specialist van {team_name(team)} om mee te lezen. Ik blijf bij u in dit gesprek."
    return f"Ik verbind u door met een specialist van {team_name(team)}. Zij lezen mee en helpen u verder."


def joined_text(staff: dict[str, Any], team: str) -> str:
    name = first_name(staff)
    return f"U chat nu met {name}, specialist van team {team_name(team)}. {name} heeft uw gesprek gelezen."


def returned_text(staff: dict[str, Any]) -> str:
    return f"{first_name(staff)} geeft uw vraag terug aan het KCC. Een medewerker van het KCC helpt u verder."


# ---------------------------------------------------------------------- views
def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else None


def request_view(request: dict[str, Any] | None) -> dict[str, Any] | None:
    """The open (or last) request as the console shows it."""
    if not request:
        return None
    return {
        "id": request["id"], "mode": request["mode"], "mode_label": MODES_NL[request["mode"]], "status": request["status"],
        "to_agent": request.get("to_agent"), "to_name": request.get("to_name"), "to_team": request.get("to_team"),
        "summary": request.get("summary"), "by": request.get("by"), "by_name": request.get("by_name"),
        "asked_at": iso(request.get("asked_at")), "accepted_by": request.get("accepted_by"),
        "accepted_name": request.get("accepted_name"), "accepted_at": iso(request.get("accepted_at")),
        "returned_at": iso(request.get("returned_at")), "return_note": request.get("return_note"),
    }


def helped_view(conv: dict[str, Any]) -> list[dict[str, Any]]:
    """Who helped in the conversation besides the KCC: name, team, mode, when."""
    return [{**h, "at": iso(h.get("at"))} for h in conv.get("helped_by") or []]


async def specialists(desk: Desk) -> list[dict[str, Any]]:
    """Everyone the KCC can ask: active staff with the specialist role, with their team."""
    found = desk.db.staff.find({"roles": "specialist", "active": True}, {"name": 1, "team": 1, "teams": 1}).sort("_id", 1)
    return [{"username": s["_id"], "name": s.get("name"), "teams": specialist_teams(s)} async for s in found]


async def requests_for(desk: Desk, staff: dict[str, Any]) -> list[dict[str, Any]]:
    """The open conversations asked of this specialist or their team, or accepted by them (oldest first)."""
    teams = specialist_teams(staff)
    query = {
        "state": {"$in": [State.QUEUED.value, State.AGENT.value]},
        "$or": [
            {"specialist.status": "asked", "specialist.to_agent": staff["_id"]},
            {"specialist.status": "asked", "specialist.to_agent": None, "specialist.to_team": {"$in": teams}},
            {"specialist.status": "accepted", "specialist.accepted_by": staff["_id"]},
        ],
    }
    found = await desk.db.conversations.find(query).sort("specialist.asked_at", 1).limit(200).to_list(None)
    return [c for c in found if asked_of(staff, c)]


# ---------------------------------------------------------------------- the agent asks
async def ask(desk: Desk, conv_id: str, staff: dict[str, Any], body: AskBody) -> dict[str, Any]:
    """The holder of the conversation asks a specialist or a department; the resident is told."""
    db = desk.db
    conv = await db.conversations.find_one({"_id": conv_id, "state": State.AGENT.value, "assignee": staff["_id"]})
    if conv is None:
        raise await desk.refusal(conv_id, staff)
    to_name = None
    if body.to_specialist:
        target = await db.staff.find_one({"_id": body.to_specialist, "roles": "specialist", "active": True})
        if target is None:
            raise DeskError(404, "unknown_specialist", "Deze specialist bestaat niet.")
        teams = specialist_teams(target)
        if not teams:
            raise DeskError(422, "specialist_without_team", "Deze specialist hoort bij geen team. Vraag de beheerder dit in te stellen.")
        to_team, to_name, candidates = teams[0], target.get("name"), [target]
    else:
        to_team = body.to_team or ""
        candidates = [s async for s in db.staff.find({"roles": "specialist", "active": True,
                                                         "$or": [{"team": to_team}, {"teams": to_team}]})]
        if not candidates:
            raise DeskError(404, "unknown_team", "In dit team is geen specialist.")
    if need_to_know.restricted(conv) and not any(has_right(s, SOCIAL_DOMAIN) for s in candidates):
        raise DeskError(403, "need_to_know", "Deze specialist mag vertrouwelijke gesprekken (sociaal domein) niet zien.")
    request = {
        "id": new_id(), "mode": body.mode, "status": "asked", "to_agent": body.to_specialist, "to_name": to_name,
        "to_team": to_team, "summary": body.summary, "by": staff["_id"], "by_name": staff.get("name"),
        "from_team": conv.get("team"), "asked_at": utcnow(),
    }
    asked = await db.conversations.find_one_and_update(
        {"_id": conv_id, "state": State.AGENT.value, "assignee": staff["_id"], "specialist.status": {"$nin": list(OPEN)}},
        {"$set": {"specialist": request}},
        return_document=ReturnDocument.AFTER,
    )
    if asked is None:
        if ((await db.conversations.find_one({"_id": conv_id}, {"specialist": 1}) or {}).get("specialist") or {}).get("status") in OPEN:
            raise DeskError(409, "specialist_open", "Er loopt al een vraag aan een specialist voor dit gesprek.")
        raise await desk.refusal(conv_id, staff)
    await desk.note(conv_id, staff, body.summary, kind="specialist_ask", mode=body.mode, to_agent=body.to_specialist, to_team=to_team)
    await desk.reply(conv_id, staff, asked_text(body.mode, to_team))
    await events.emit(db, desk.live, EventType.SPECIALIST_ASKED, conv_id, by=staff["_id"], mode=body.mode,
                      to_agent=body.to_specialist, to_team=to_team, team=conv.get("team"), channel=conv["channel"])
    return {"conversation_id": conv_id, "specialist": request_view(asked["specialist"])}


# ---------------------------------------------------------------------- the specialist
async def load_asked(desk: Desk, conv_id: str, staff: dict[str, Any]) -> dict[str, Any]:
    """The conversation, if its open request is for this specialist (404 / 403 otherwise)."""
    conv = await desk.db.conversations.find_one({"_id": conv_id})
    if conv is None:
        raise DeskError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
    if not asked_of(staff, conv):
        raise DeskError(403, "not_asked", "Dit gesprek is niet aan u of uw team voorgelegd.")
    return conv


async def accept(desk: Desk, conv_id: str, staff: dict[str, Any]) -> dict[str, Any]:
    db = desk.db
    conv = await load_asked(desk, conv_id, staff)
    request = conv["specialist"]
    if request["status"] != "asked":
        raise DeskError(409, "already_accepted", "U heeft deze vraag al geaccepteerd.")
    if not need_to_know.visible(staff, conv):
        raise DeskError(403, "need_to_know", "Dit gesprek is vertrouwelijk (sociaal domein). U mag het niet zien.")
    now = utcnow()
    helper = {"username": staff["_id"], "name": staff.get("name"), "team": request["to_team"], "mode": request["mode"], "at": now}
    update: dict[str, Any] = {"$set": {"specialist.status": "accepted", "specialist.accepted_by": staff["_id"],
                                       "specialist.accepted_name": staff.get("name"), "specialist.accepted_at": now},
                              "$push": {"helped_by": helper}}
    holder = conv.get("assignee")
    if request["mode"] == "transfer":
        update["$set"].update({"assignee": staff["_id"], "assigned_at": now, "agent_joined": True})
        update["$push"]["assignments"] = {"agent": staff["_id"], "at": now, "how": "specialist", "by": holder}
    moved = await db.conversations.find_one_and_update(
        {"_id": conv_id, "state": State.AGENT.value, "assignee": holder, "specialist.id": request["id"], "specialist.status": "asked"},
        update, return_document=ReturnDocument.AFTER,
    )
    if moved is None:
        raise DeskError(409, "changed_meanwhile", "Dit gesprek is net veranderd (afgesloten, of een collega was u voor).")
    if request["mode"] == "transfer":
        await agents.release(db, holder, conv_id)  # the agent's slot is free for the next resident
        metadata = {"kind": "specialist_joined", "agent_name": first_name(staff), "team": request["to_team"]}
        await desk.pipeline.send(moved, [Reply(text=joined_text(staff, request["to_team"]))], author="system", metadata=metadata)
    await desk.note(conv_id, staff, f"Vraag geaccepteerd ({MODES_NL[request['mode']]}).", kind="specialist_accept")
    await events.emit(db, desk.live, EventType.SPECIALIST_ACCEPTED, conv_id, agent=staff["_id"], mode=request["mode"],
                      to_team=request["to_team"], team=conv.get("team"), channel=conv["channel"], context={"asked_by": request["by"]})
    return {"conversation_id": conv_id, "specialist": request_view(moved["specialist"])}


async def reply(desk: Desk, conv_id: str, staff: dict[str, Any], text: str) -> dict[str, Any]:
    """A specialist who took the conversation over answers the resident, as themselves and their team."""
    conv = await load_asked(desk, conv_id, staff)
    request = conv["specialist"]
    if request["mode"] != "transfer":
        raise DeskError(409, "consult_only", "U leest mee. De KCC-medewerker houdt het gesprek; schrijf uw advies als interne notitie.")
    if request["status"] != "accepted":
        raise DeskError(409, "accept_first", "Accepteer de vraag eerst.")
    return await desk.reply(conv_id, staff, text, via="specialist", team=request["to_team"])


async def note(desk: Desk, conv_id: str, staff: dict[str, Any], text: str) -> dict[str, Any]:
    await load_asked(desk, conv_id, staff)
    return await desk.note(conv_id, staff, text, kind="specialist_note")


async def give_back(desk: Desk, conv_id: str, staff: dict[str, Any], text: str) -> dict[str, Any]:
    """Back to the KCC with a note: a taken-over conversation goes to the agent who asked, else to the
    front of their team's queue; a consult (or a request not yet accepted) just ends."""
    db = desk.db
    conv = await load_asked(desk, conv_id, staff)
    request = conv["specialist"]
    now = utcnow()
    done = {"specialist.status": "returned", "specialist.returned_at": now, "specialist.return_note": text,
            "specialist.returned_by": staff["_id"]}
    to: str | None = None
    holds = request["mode"] == "transfer" and request["status"] == "accepted"
    if not holds:
        ended = await db.conversations.update_one({"_id": conv_id, "specialist.id": request["id"], "specialist.status": request["status"]},
                                                  {"$set": done})
        if not ended.modified_count:
            raise DeskError(409, "changed_meanwhile", "Dit gesprek is net veranderd. Laad het opnieuw.")
        to = conv.get("assignee")
    else:
        to = await _back_to_asker(desk, conv, staff, request, done)
        await desk.pipeline.send(conv, [Reply(text=returned_text(staff))], author="system")
    await desk.note(conv_id, staff, text, kind="specialist_return", mode=request["mode"])
    await events.emit(db, desk.live, EventType.SPECIALIST_RETURNED, conv_id, agent=staff["_id"], mode=request["mode"], to=to,
                      team=request.get("from_team") or conv.get("team"), channel=conv["channel"])
    return {"conversation_id": conv_id, "to": to, "state": (await db.conversations.find_one({"_id": conv_id}, {"state": 1}))["state"]}


async def _back_to_asker(desk: Desk, conv: dict[str, Any], staff: dict[str, Any], request: dict[str, Any],
                         done: dict[str, Any]) -> str | None:
    db, conv_id, asker = desk.db, conv["_id"], request["by"]
    if await agents.reserve_at(db, asker, conv_id) is not None:
        now = utcnow()
        moved = await db.conversations.find_one_and_update(
            {"_id": conv_id, "state": State.AGENT.value, "assignee": staff["_id"]},
            {"$set": {**done, "assignee": asker, "assigned_at": now},
             "$push": {"assignments": {"agent": asker, "at": now, "how": "specialist_return", "by": staff["_id"]}}},
        )
        if moved is not None:
            await events.emit(db, desk.live, EventType.REASSIGNED, conv_id, agent=asker, team=conv.get("team"), how="specialist_return")
            return asker
        await agents.release(db, asker, conv_id)
    await db.conversations.update_one({"_id": conv_id, "specialist.id": request["id"]}, {"$set": done})
    if not await desk.router.requeue(conv_id, staff["_id"], "specialist_return", team=request.get("from_team")):
        raise await desk.refusal(conv_id, staff)
    return None
