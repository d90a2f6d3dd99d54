""""Who has looked at my data?": the audit log as a resident may see it.

Only for a conversation identified with the signed identity token (DigiD / eHerkenning):
the contact was linked by a verified token in this very conversation
(``metadata.identity_verified`` on one of its messages, set by ``hub.contacts.store``) and is a
person or an organisation. The web chat bot (``bot/actions/privacy.py``) and
``GET /api/v1/webchat/conversations/{id}/data-access`` both use ``for_conversation``.

Each line says when, which role and which department, and what kind of data (B1 Dutch),
newest first; never the name or username of a colleague. Reads by the hub itself
(``system:...``) are left out. Repeated reads by one colleague of the same kind on the same
day are one line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel

from hub.core import workdays
from hub.core.appkeys import DB, SETTINGS
from hub.core.http import json_error
from hub.core.settings import Settings, get_settings
from hub.privacy.audit import READS, SYSTEM_PREFIX

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ROLE_NL = {"admin": "beheerder", "supervisor": "teamleider", "agent": "KCC-medewerker", "editor": "redacteur"}
WHAT_NL = {
    "contact.read": "bekeek uw gegevens",
    "contact.search": "zocht uw gegevens op",
    "conversation.read": "las uw gesprek",
    "case.read": "bekeek uw zaak",
    "case.list": "zag uw zaak in een overzicht",
    "callback.read": "bekeek uw terugbelverzoek",
    "appointment.read": "bekeek uw afspraken",
    "brp.lookup": "bekeek uw gegevens in de BRP",
    "kvk.lookup": "bekeek uw gegevens bij de KvK",
    "contact.export": "maakte een kopie van uw gegevens",
}
SCAN_LIMIT = 2000  # audit entries read for one answer (newest first)

NOT_IDENTIFIED_TEXT = (
    "Dat kan ik alleen laten zien als ik zeker weet wie u bent. "
    "Log daarvoor eerst in met DigiD op de website van de gemeente en open daar de chat. "
    "U kunt het ook vragen aan de functionaris gegevensbescherming van de gemeente. "
    "Gebruik daarvoor het privacyformulier op de website."
)


class AccessLine(BaseModel):
    at: str  # ISO time, UTC
    date: str  # "12 maart 2026 om 14:05" (Amsterdam time)
    role: str
    department: str | None
    what: str
    times: int = 1


class DataAccess(BaseModel):
    identified: bool
    items: list[AccessLine] = []
    total: int = 0
    more: int = 0
    text: str


def dutch_date(at: datetime) -> str:
    return workdays.dutch_datetime(at, weekday=False, year=True)


def role_of(staff: dict[str, Any] | None) -> str:
    roles = (staff or {}).get("roles") or []
    for role in ("admin", "supervisor", "agent", "editor"):
        if role in roles:
            return ROLE_NL[role]
    return "medewerker van de gemeente"


async def identified_contact(db: AsyncIOMotorDatabase, conversation_id: str) -> str | None:
    """The contact of a conversation identified by a verified identity token, else None."""
    conv = await db.conversations.find_one({"_id": conversation_id}, {"contact_id": 1})
    if not conv or not conv.get("contact_id"):
        return None
    verified = await db.messages.find_one(
        {"conversation_id": conversation_id, "metadata.identity_verified": True}, {"_id": 1}
    )
    if verified is None:
        return None
    contact = await db.contacts.find_one({"_id": conv["contact_id"]}, {"kind": 1})
    return conv["contact_id"] if contact and contact.get("kind") in ("person", "organisation") else None


async def lines(db: AsyncIOMotorDatabase, contact_id: str) -> list[AccessLine]:
    """Every staff read of this contact, newest first, repeats of one day folded together."""
    cursor = db.audit.find(
        {"contact_id": contact_id, "action": {"$in": sorted(READS)}}, {"actor": 1, "action": 1, "at": 1}
    ).sort("at", -1).limit(SCAN_LIMIT)
    entries = [e async for e in cursor if not str(e["actor"]).startswith(SYSTEM_PREFIX)]
    actors = {e["actor"] for e in entries}
    staff = {
        s["_id"]: s async for s in db.staff.find({"_id": {"$in": sorted(actors)}}, {"roles": 1, "department": 1})
    }
    out: list[AccessLine] = []
    seen: dict[tuple[str, str, str], AccessLine] = {}
    for entry in entries:
        day = entry["at"].astimezone(AMSTERDAM).date().isoformat()
        key = (entry["actor"], entry["action"], day)
        if key in seen:
            seen[key].times += 1
            continue
        who = staff.get(entry["actor"])
        line = AccessLine(
            at=entry["at"].isoformat(), date=dutch_date(entry["at"]), role=role_of(who),
            department=(who or {}).get("department"), what=WHAT_NL.get(entry["action"], "bekeek uw gegevens"),
        )
        seen[key] = line
        out.append(line)
    return out


def line_text(line: AccessLine) -> str:
    who = f"{line.role}, afdeling {line.department}" if line.department else line.role
    times = f" ({line.times} keer)" if line.times > 1 else ""
    return f"- {line.date}: {who} {line.what}{times}."


def answer_text(items: list[AccessLine], total: int) -> str:
    if not items:
        return (
            "Ik heb gekeken in het logboek van de gemeente. "
            "Er heeft nog geen medewerker uw gegevens bekeken."
        )
    head = (
        "Dit zijn de medewerkers die uw gegevens hebben bekeken. De nieuwste staat bovenaan. "
        "Namen van medewerkers laten wij niet zien."
        if total > 1 else
        "Eén medewerker heeft uw gegevens bekeken. Namen van medewerkers laten wij niet zien."
    )
    body = "\n".join(line_text(line) for line in items)
    rest = total - len(items)
    tail = f"\nDaarvoor nog {rest} keer." if rest > 0 else ""
    ask = "\n\nHeeft u een vraag hierover? Stel die aan de functionaris gegevensbescherming via het privacyformulier op de website."
    return f"{head}\n{body}{tail}{ask}"


async def for_conversation(
    db: AsyncIOMotorDatabase, conversation_id: str, settings: Settings | None = None
) -> DataAccess:
    settings = settings or get_settings()
    contact_id = await identified_contact(db, conversation_id)
    if contact_id is None:
        return DataAccess(identified=False, text=NOT_IDENTIFIED_TEXT)
    found = await lines(db, contact_id)
    shown = found[: settings.data_access_max_items]
    return DataAccess(
        identified=True, items=shown, total=len(found), more=len(found) - len(shown), text=answer_text(shown, len(found))
    )


# ---------------------------------------------------------------------- web chat JSON
async def webchat_data_access(request: web.Request) -> web.Response:
    """``GET /api/v1/webchat/conversations/{id}/data-access``: the same list for the chat page.

    The conversation id is the web chat's capability (a random 128-bit token); session ids
    are chosen by the client, so they are not enough to see this. 403 when the
    conversation was not identified with DigiD / eHerkenning.
    """
    db = request.app[DB]
    conv_id = request.match_info["id"][:64]
    if not await db.conversations.find_one({"_id": conv_id}, {"_id": 1}):
        return json_error(404, "unknown_conversation", "Dit gesprek bestaat niet.")
    answer = await for_conversation(db, conv_id, request.app[SETTINGS])
    if not answer.identified:
        return json_error(403, "not_identified", NOT_IDENTIFIED_TEXT)
    return web.json_response(answer.model_dump(), headers={"Cache-Control": "no-store"})


def routes() -> list[web.RouteDef]:
    return [web.get("/api/v1/webchat/conversations/{id}/data-access", webchat_data_access)]
