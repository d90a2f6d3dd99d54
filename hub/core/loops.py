"""Background loops of one part of the hub: started together, cancelled together.

The router, the wait notifier, the statistics and the bus relay each run a few endless loops
next to the web server. ``Loops`` starts them as named tasks and stops them all on shutdown
(waiting for each to finish, ignoring how it ended). ``Tasks`` is the one home of one-off
work off the request path (the pipeline's deliveries, a channel's webhook work, the loops'
follow-ups): it keeps a reference, so a task is never garbage-collected half-way, logs a
failure, and ``drain`` waits for whatever is still running at shutdown.
``run_with_app`` ties loops to an aiohttp app: started at its start-up, stopped at shutdown.

No loop polls the database in a tight loop: a loop sleeps until one of the hub's own events
says there is work (``woken``; ``on_events`` for a job that only needs "run again"), and
keeps a slow safety sweep for what another replica or a crash may have left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from hub.core.bus import LiveBus
from hub.core.event_types import EventType

log = logging.getLogger(__name__)


class Tasks:
    """One-off background work of one part of the hub, drained at shutdown."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._running: set[asyncio.Future[Any]] = set()

    def spawn(self, work: Awaitable[Any]) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", extra={"owner": self.owner, "error": repr(task.exception())[:300]})

    def __len__(self) -> int:
        return len(self._running)

    async def drain(self) -> None:
        """Wait until no work is left (work may spawn more work)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)


class Loops:
    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Any]] = []
        self._pending = Tasks("loops")

    def start(self, **loops: Coroutine[Any, Any, Any]) -> None:
        self.tasks += [asyncio.create_task(coro, name=name) for name, coro in loops.items()]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._pending.spawn(coro)

    def running(self) -> bool:
        """True while at least one loop was started and none has ended."""
        return bool(self.tasks) and all(not task.done() for task in self.tasks)

    async def stop(self) -> None:
        """Cancel the loops, then let the one-off work finish."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            while not task.done():  # a loop that swallowed the cancel (it can happen) is cancelled again
                await asyncio.wait({task}, timeout=1.0)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
        self.tasks = []
        await self._pending.drain()


def run_with_app(app: Any, **factories: Callable[[Any], Coroutine[Any, Any, Any] | None]) -> None:
    """Run each factory's loop from the app's start-up to its shutdown (a factory may return None: not started)."""
    loops = Loops()

    async def start(app: Any) -> None:
        for name, factory in factories.items():
            coro = factory(app)
            if coro is not None:
                loops.start(**{name: coro})

    async def stop(app: Any) -> None:
        await loops.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


async def woken(wake: asyncio.Event, timeout_s: float) -> bool:
    """Sleep until ``wake`` is set or ``timeout_s`` has passed; True when it was set (it is cleared)."""
    if not wake.is_set():
        try:
            async with asyncio.timeout(max(0.0, timeout_s)):  # not wait_for: on 3.11 it can swallow a cancel
                await wake.wait()
        except TimeoutError:
            return False
    wake.clear()
    return True


async def on_events(
    bus: LiveBus | None,
    types: tuple[EventType, ...],
    work: Callable[[], Awaitable[Any]],
    sweep_s: float,
    settle_s: float = 0.0,
    gap_s: float = 0.0,
    name: str = "loop",
) -> None:
    """Run ``work`` at start, after the hub's events of ``types``, and every ``sweep_s`` without them.

    After an event it waits ``settle_s`` (a burst becomes one run; work that reads a moment
    behind, like the statistics, sees the event), and between two runs at least ``gap_s``:
    events meanwhile make exactly one more run. A failing run is logged; the next one tries again.
    """
    wake = asyncio.Event()

    async def listen() -> None:
        assert bus is not None
        async with bus.listen(*types) as queue:
            while True:
                await queue.get()
                wake.set()

    listener = asyncio.create_task(listen(), name=f"{name}-listen") if bus is not None and types else None
    try:
        while True:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a background job must survive a database hiccup
                log.exception("background run failed", extra={"loop": name})
            if gap_s > 0:
                await asyncio.sleep(gap_s)
            if await woken(wake, sweep_s - gap_s) and settle_s > 0:
                await asyncio.sleep(settle_s)
    finally:
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
