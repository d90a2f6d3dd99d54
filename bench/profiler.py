"""The database server's own profiler, as the benches and the budget tests use it.

``start(db)`` switches profiling of every operation on (level 2) into a fresh capped
``system.profile``; ``stop(db)`` switches it off and returns the operations recorded, each
as ``(collection, kind)`` with its command (``kind`` is the operation, or the command's name).
Both MongoDB and the embedded SecantusDB server keep this profile.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase


async def start(db: AsyncIOMotorDatabase, size_mb: int = 64) -> None:
    await db.command("profile", 0)
    with contextlib.suppress(Exception):
        await db.drop_collection("system.profile")
    await db.create_collection("system.profile", capped=True, size=size_mb * 1024 * 1024)
    await db.command("profile", 2)


def kind_of(op: dict[str, Any]) -> tuple[str, str]:
    kind = op.get("op", "?")
    if kind == "command":
        kind = next(iter(op.get("command") or {"command": 1}))
    return op.get("ns", "?").split(".", 1)[-1], kind


async def stop(db: AsyncIOMotorDatabase) -> list[dict[str, Any]]:
    """Switch profiling off; the operations recorded since ``start``."""
    await db.command("profile", 0)
    return [op async for op in db["system.profile"].find({}, {"ns": 1, "op": 1, "command": 1})]


def count(ops: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Operations per (collection, kind)."""
    return Counter(kind_of(op) for op in ops)
