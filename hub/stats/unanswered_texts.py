"""Example texts of the questions the bot could not answer, for the dashboard.

The bot's actions keep each group of unanswered questions in ``unanswered`` (``knowledge.unanswered``:
a group key and recent examples, stored without e-mail addresses, phone numbers, BSNs or postcodes).
The statistics count the groups by key; this reads one example per key and scrubs it once more,
so a text written before the scrubbing existed never reaches the dashboard with personal data.
"""

from __future__ import annotations

from motor.motor_asyncio import AsyncIOMotorDatabase

from knowledge.unanswered import scrub

MAX_KEYS = 200


async def example_texts(db: AsyncIOMotorDatabase, keys: list[str]) -> dict[str, str]:
    """``{key: example text}`` for the keys that have a stored group (intent names and the like have none)."""
    wanted = sorted({k for k in keys if k})[:MAX_KEYS]
    if not wanted:
        return {}
    out: dict[str, str] = {}
    async for doc in db["unanswered"].find({"key": {"$in": wanted}}, {"key": 1, "text": 1, "examples": 1}):
        examples = doc.get("examples") or []
        text = scrub(examples[-1] if examples else doc.get("text") or "")
        if text:
            out[doc["key"]] = text
    return out
