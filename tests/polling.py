"""One home for waiting in tests: poll a check until it answers something truthy.

Tests that wait for background work (an outbox push, a notice sent, a queue update) use
``eventually`` instead of a private copy, so the interval and the failure message are the same
everywhere.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], within_s: float = 30.0, every_s: float = 0.05) -> T:
    """The first truthy result of ``check``; fails with the last value after ``within_s``."""
    deadline = time.monotonic() + within_s
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within_s}s (last value: {value!r})")
        await asyncio.sleep(every_s)
