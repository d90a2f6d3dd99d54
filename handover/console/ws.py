"""Live updates for the agent console over one WebSocket: ``GET /api/v1/handover/ws``.

Server -> console:
* the desk's events (``{"type": "queued" | "assigned" | "requeued" | "transferred" | "closed" |
  "handed_back" | "resident_message" | "agent_message" | "presence" | ..., "conversation_id", ...}``),
  ids only; the console fetches what it shows through the JSON API. The socket listens to the
  typed events of the bus (``CONSOLE_EVENTS``) and turns each into this JSON here, at the edge:
  the console's names (``queued`` for a handover, ``agent_message`` for an agent's reply) and
  keys stay as they are whatever the event vocabulary calls them. With several hubs
  (``KCC_BUS=mongo``) it hears the events of every hub, not only of the one it is connected
  to. One exception to "ids only": an ``assigned`` event carries ``conversation`` (the list
  item of ``GET /queue``, as need-to-know lets this staff member see it) to the agent who got
  it and to supervisors, so the new conversation shows in "Mijn gesprekken" at once, without
  waiting for a reload;
* ``{"type": "conversation_message", "conversation_id", "message"}`` for the conversation
  the console watches (messages as ``hub.conversations.pipeline.message_view`` gives them).

Console -> server: ``{"action": "watch", "conversation_id"}`` (allowed for the agent's own
conversations, their team's queue and, for supervisors, any conversation; audited),
``{"action": "unwatch"}``, ``{"action": "ping"}``.

While the socket is open the agent's heartbeat is kept fresh; when it closes, the agent
goes offline after ``KCC_HANDOVER_OFFLINE_AFTER_S`` (a page reload is quicker than that).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from handover import agents, briefing
from handover.lifecycle import can_see
from hub.core.appkeys import BUS, DB, SETTINGS
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.events import Event
from hub.core.http import json_error
from hub.privacy import need_to_know
from hub.staff.auth import current_staff, has_role

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0
_ASSIGNED = ("conversation_id", "agent", "team", "how")
# The events a console hears: the type the console knows and the keys it gets besides "type"
# (a key the event does not have is left out, as it always was).
CONSOLE_EVENTS: dict[EventType, tuple[str, tuple[str, ...]]] = {
    EventType.MESSAGE_IN: ("message", ("conversation_id",)),
    EventType.HANDOVER: ("queued", ("conversation_id", "team", "priority")),
    EventType.ASSIGNED: ("assigned", _ASSIGNED),
    EventType.REASSIGNED: ("assigned", _ASSIGNED),
    EventType.REQUEUED: ("requeued", ("conversation_id", "team", "agent", "why")),
    EventType.TRANSFERRED: ("transferred", ("conversation_id", "agent", "to_agent", "team")),
    EventType.HANDED_BACK: ("handed_back", ("conversation_id", "agent", "team")),
    EventType.CLOSED: ("closed", ("conversation_id", "agent", "team", "outcome")),
    EventType.RESIDENT_MESSAGE: ("resident_message", ("conversation_id", "message_id", "agent", "state")),
    EventType.AGENT_REPLY: ("agent_message", ("conversation_id", "message_id", "via", "agent")),
    EventType.RESIDENT_LEFT: ("resident_left", ("conversation_id", "team", "text")),
    EventType.NOTE: ("note", ("conversation_id",)),
    EventType.SPECIALIST_ASKED: ("specialist", ("conversation_id", "mode", "to_agent", "to_team")),
    EventType.SPECIALIST_ACCEPTED: ("specialist", ("conversation_id", "mode", "agent")),
    EventType.SPECIALIST_RETURNED: ("specialist", ("conversation_id", "mode", "agent", "to")),
    EventType.MARKED: ("marked", ("conversation_id", "team")),
    EventType.CALLBACK_REQUEST: ("callback_request", ("conversation_id", "team")),
    EventType.CONTACT_MOMENT: ("contact_moment", ("conversation_id",)),
    EventType.DELIVERY_FAILED: ("delivery_failed", ("conversation_id", "message_id")),
    EventType.PRESENCE: ("presence", ("agent", "presence", "teams")),
    EventType.CALLBACK_OVERDUE: ("callback_overdue", ("callback_id", "due_at", "department")),
    EventType.CASE_OVERDUE: ("case_overdue", ("case_number", "due_at", "department")),
}


def desk_event_for(staff: dict[str, Any], event: Event) -> dict[str, Any]:
    """An event as it goes to one console: the console's type name and keys, nothing hub-internal."""
    name, keys = CONSOLE_EVENTS[event.type]
    out: dict[str, Any] = {"type": name}
    for key in keys:
        if key == "conversation_id":
            out[key] = event.conversation_id
        elif event.has(key):
            out[key] = event.get(key)
    conv = event.context.get("conversation")
    if conv is not None and name == "assigned" and (event.get("agent") == staff["_id"] or has_role(staff, "supervisor")):
        out["conversation"] = briefing.staff_view(staff, conv)
    return out


async def _forward_events(live: LiveBus, out: asyncio.Queue[dict[str, Any]], staff: dict[str, Any]) -> None:
    async with live.listen(*CONSOLE_EVENTS, other_hubs=True) as queue:  # a console shows every hub's desk
        while True:
            out.put_nowait(desk_event_for(staff, await queue.get()))


async def _forward(live: LiveBus, topic: str, out: asyncio.Queue[dict[str, Any]], wrap: Any = None) -> None:
    async with live.subscribe(topic) as queue:
        while True:
            item = await queue.get()
            out.put_nowait(wrap(item) if wrap else item)


async def console_ws(request: web.Request) -> web.StreamResponse:
    staff = await current_staff(request)
    if not staff:
        return json_error(401, "not_logged_in", "Log eerst in.")
    if not has_role(staff, "agent", "supervisor", "specialist"):
        return json_error(403, "forbidden", "U heeft geen toegang tot deze functie.")
    app = request.app
    db, settings, live = app[DB], app[SETTINGS], app[BUS]
    desk_staff = has_role(staff, "agent", "supervisor")  # a specialist has no presence and no agents document
    agent = await agents.ensure(db, staff, settings) if desk_staff else None
    ws = web.WebSocketResponse(heartbeat=25)
    await ws.prepare(request)
    out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    tasks: dict[str, asyncio.Task[None]] = {
        "desk": asyncio.create_task(_forward_events(live, out, staff))
    }

    async def beat() -> None:
        while True:
            try:
                if await current_staff(request, touch=False) is None:  # session expired, ended or account off
                    await ws.close(code=4401, message=b"session ended")
                    return
                if desk_staff:
                    await agents.heartbeat(db, staff["_id"])
            except Exception:  # noqa: BLE001 - storage away a moment: the next beat counts
                log.warning("console heartbeat failed", extra={"agent": staff["_id"]})
            await asyncio.sleep(HEARTBEAT_S)

    async def send() -> None:
        with contextlib.suppress(ConnectionResetError, RuntimeError):  # the console went away
            while not ws.closed:
                await ws.send_json(await out.get())

    tasks["beat"] = asyncio.create_task(beat())
    tasks["send"] = asyncio.create_task(send())
    await asyncio.sleep(0)  # subscribed before the console hears "hello" and loads the queue
    await ws.send_json({"type": "hello", "agent": agents.view(agent) if agent else {"username": staff["_id"], "name": staff.get("name")}})
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                if msg.type == WSMsgType.ERROR:
                    break
                continue
            try:
                command = json.loads(msg.data)
            except ValueError:
                await ws.send_json({"type": "error", "code": "invalid_json", "message": "Ongeldig bericht."})
                continue
            if not isinstance(command, dict):
                continue
            action = command.get("action")
            if action == "watch":
                await _watch(ws, command, tasks, out, staff, app)
            elif action == "unwatch":
                _stop(tasks, "watch")
            elif action == "ping":
                await agents.heartbeat(db, staff["_id"])
                await ws.send_json({"type": "pong"})
    finally:
        for name in list(tasks):
            _stop(tasks, name)
    return ws


async def _watch(
    ws: web.WebSocketResponse, command: dict[str, Any], tasks: dict[str, asyncio.Task[None]],
    out: asyncio.Queue[dict[str, Any]], staff: dict[str, Any], app: web.Application,
) -> None:
    conv_id = str(command.get("conversation_id") or "")[:64]
    conv = await app[DB].conversations.find_one({"_id": conv_id})
    if conv is None or not await can_see(app[DB], app[SETTINGS], staff, conv):
        await ws.send_json({"type": "error", "code": "not_yours", "message": "Dit gesprek kunt u niet volgen.", "conversation_id": conv_id})
        return
    if not need_to_know.visible(staff, conv):  # it exists, but its messages are not for this colleague
        await ws.send_json({"type": "error", "code": "need_to_know", "conversation_id": conv_id,
                            "message": "Dit gesprek is vertrouwelijk (sociaal domein). U kunt het niet volgen."})
        return
    _stop(tasks, "watch")
    await briefing.audit_read(app[DB], staff, conv, "handover.live")
    tasks["watch"] = asyncio.create_task(
        _forward(app[BUS], conv_id, out, lambda m: {"type": "conversation_message", "conversation_id": conv_id, "message": m})
    )
    await asyncio.sleep(0)  # subscribed before the console loads the conversation
    await ws.send_json({"type": "watching", "conversation_id": conv_id})


def _stop(tasks: dict[str, asyncio.Task[None]], name: str) -> None:
    task = tasks.pop(name, None)
    if task:
        task.cancel()
