"""What every fake provider shares: a thread with its own event loop, a request log, failures on demand.

A fake records each request it accepted, keyed by recipient, and can be told to answer
the next requests for one recipient with given HTTP statuses (500 twice, then normal),
so tests running one after another never disturb each other.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import web


class FakeProvider:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self.attempts: dict[str, int] = defaultdict(int)

    # ------------------------------------------------------------------ for the tests
    def fail_for(self, recipient: str, *statuses: int) -> None:
        """Answer the next requests to ``recipient`` with these statuses, in order."""
        with self._lock:
            self._failures[recipient].extend(statuses)

    def sent_to(self, recipient: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._sent[recipient])

    async def wait_for(self, recipient: str, count: int = 1, within_s: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            sent = self.sent_to(recipient)
            if len(sent) >= count:
                return sent
            await asyncio.sleep(0.05)
        raise AssertionError(f"{type(self).__name__}: {len(self.sent_to(recipient))} of {count} messages to {recipient}")

    # ------------------------------------------------------------------ for the fake's handlers
    def take_failure(self, recipient: str) -> int | None:
        with self._lock:
            self.attempts[recipient] += 1
            queue = self._failures.get(recipient)
            return queue.popleft() if queue else None

    def record(self, recipient: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._sent[recipient].append(entry)

    def app(self) -> web.Application:
        raise NotImplementedError


class ServerThread:
    """Serve an aiohttp app on 127.0.0.1:port from a daemon thread (the tests' loops come and go)."""

    def __init__(self, app: web.Application, port: int):
        self.app = app
        self.port = port
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"fake on port {self.port} did not start")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._runner = web.AppRunner(self.app, access_log=None)
        self.loop.run_until_complete(self._runner.setup())
        self.loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._runner.cleanup())
        self.loop.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
