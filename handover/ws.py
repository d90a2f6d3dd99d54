"""Live updates for the agent console over one WebSocket: ``GET /api/v1/handover/ws``.

Server -> console:
* every desk event (``{"type": "queued" | "assigned" | "requeued" | "transferred" | "closed" |
  "handed_back" | "resident_message" | "agent_message" | "presence" | ..., "conversation_id", ...}``),
  ids only; the console fetches what it shows through the JSON API. One exception: an
  ``assigned`` event carries ``conversation`` (the list item of ``GET /queue``, as need-to-know
  lets this staff member see it) to the agent who got it and to supervisors, so the new
  conversation shows in "Mijn gesprekken" at once, without waiting for a reload;
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
from handover.lifecycle import can_see, is_supervisor
from hub.core.bus import LiveBus
from hub.core.http import json_error
from hub.privacy import need_to_know
from hub.staff.auth import current_staff, has_role

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0


def desk_event_for(staff: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """A desk event as it goes to one console: hub-internal keys (``_...``) stay behind."""
    out = {k: v for k, v in event.items() if not k.startswith("_")}
    conv = event.get("_conv")
    if conv is not None and event.get("type") == "assigned" and (event.get("agent") == staff["_id"] or is_supervisor(staff)):
        out["conversation"] = briefing.staff_view(staff, conv)
    return out


async def _forward(live: LiveBus, topic: str, out: asyncio.Queue[dict[str, Any]], wrap: Any = None) -> None:
    async with live.subscribe(topic) as queue:
        while True:
            item = await queue.get()
            out.put_nowait(wrap(item) if wrap else item)


async def console_ws(request: web.Request) -> web.StreamResponse:
    staff = await current_staff(request)
    if not staff:
        return json_error(401, "not_logged_in", "Log eerst in.")
    if not has_role(staff, ("agent", "supervisor")):
        return json_error(403, "forbidden", "U heeft geen toegang tot deze functie.")
    app = request.app
    db, settings, live = app["db"], app["settings"], app["live"]
    agent = await agents.ensure(db, staff, settings)
    ws = web.WebSocketResponse(heartbeat=25)
    await ws.prepare(request)
    out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    tasks: dict[str, asyncio.Task[None]] = {
        "desk": asyncio.create_task(_forward(live, "desk", out, lambda event: desk_event_for(staff, event)))
    }

    async def beat() -> None:
        while True:
            try:
                if await current_staff(request, touch=False) is None:  # session expired, ended or account off
                    await ws.close(code=4401, message=b"session ended")
                    return
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
    await ws.send_json({"type": "hello", "agent": agents.view(agent)})
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
    conv = await app["db"].conversations.find_one({"_id": conv_id})
    if conv is None or not await can_see(app["db"], app["settings"], staff, conv):
        await ws.send_json({"type": "error", "code": "not_yours", "message": "Dit gesprek kunt u niet volgen.", "conversation_id": conv_id})
        return
    if not need_to_know.visible(staff, conv):  # it exists, but its messages are not for this colleague
        await ws.send_json({"type": "error", "code": "need_to_know", "conversation_id": conv_id,
                            "message": "Dit gesprek is vertrouwelijk (sociaal domein). U kunt het niet volgen."})
        return
    _stop(tasks, "watch")
    await briefing.audit_read(app["db"], staff, conv, "handover.live")
    tasks["watch"] = asyncio.create_task(
        _forward(app["live"], conv_id, out, lambda m: {"type": "conversation_message", "conversation_id": conv_id, "message": m})
    )
    await asyncio.sleep(0)  # subscribed before the console loads the conversation
    await ws.send_json({"type": "watching", "conversation_id": conv_id})


def _stop(tasks: dict[str, asyncio.Task[None]], name: str) -> None:
    task = tasks.pop(name, None)
    if task:
        task.cancel()
