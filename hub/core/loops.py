"""Background loops of one part of the hub: started together, cancelled together.

The router, the wait notifier and the knowledge service each run a few endless loops next
to the web server. ``Loops`` starts them as named tasks and stops them all on shutdown
(waiting for each to finish, ignoring how it ended); ``spawn`` runs one-off work off the
request path and keeps a reference, so a task is never garbage-collected half-way.
``run_with_app`` ties loops to an aiohttp app: started at its start-up, stopped at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any


class Loops:
    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Any]] = []
        self._pending: set[asyncio.Future[Any]] = set()

    def start(self, **loops: Coroutine[Any, Any, Any]) -> None:
        self.tasks += [asyncio.create_task(coro, name=name) for name, coro in loops.items()]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def alive(self) -> bool:
        return all(not t.done() for t in self.tasks)

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
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)


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
