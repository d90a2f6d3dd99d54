"""Questions the bot could not answer (fallback or low confidence), grouped so editors see what to write.

The bot's actions call ``record``; the editor page reads ``top``. Questions are grouped on
a key of their index terms (order and inflection ignored: "paspoort aanvragen" and "hoe
vraag ik een paspoort aan" meet), counted, and stored without personal numbers.
"""

from __future__ import annotations

import re
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import DESCENDING

from knowledge.models import utcnow
from knowledge.search.analysis import normalise_question

MAX_TEXT = 500
MAX_EXAMPLES = 5
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"(?<!\w)(?:\+?\d[\d\s-]{6,}\d)(?!\w)")
_POSTCODE = re.compile(r"\b\d{4}\s?[A-Za-z]{2}\b")


def scrub(text: str) -> str:
    """Remove what may identify a person: e-mail addresses, BSN/phone-like numbers, postcodes."""
    text = _EMAIL.sub("[e-mail]", text)
    text = _LONG_NUMBER.sub("[nummer]", text)
    text = _POSTCODE.sub("[postcode]", text)
    return re.sub(r"\s+", " ", text).strip()[:MAX_TEXT]


async def record(
    db: AsyncIOMotorDatabase, text: str, slugs_offered: list[str] | None = None
) -> str | None:
    """Count one unanswered question; returns its group key (None for an empty question)."""
    clean = scrub(text or "")
    if not clean:
        return None
    key = normalise_question(clean)
    now = utcnow()
    update: dict[str, Any] = {
        "$inc": {"count": 1},
        "$set": {"last_at": now, "text": clean},
        "$setOnInsert": {"first_at": now},
        "$push": {"examples": {"$each": [clean], "$slice": -MAX_EXAMPLES}},
    }
    if slugs_offered:
        update["$addToSet"] = {"slugs_offered": {"$each": list(slugs_offered)}}
    await db["unanswered"].update_one({"key": key}, update, upsert=True)
    return key


async def top(db: AsyncIOMotorDatabase, limit: int = 100) -> list[dict[str, Any]]:
    """Groups by count (most asked first), then by most recent."""
    cursor = (
        db["unanswered"]
        .find({}, {"_id": 0})
        .sort([("count", DESCENDING), ("last_at", DESCENDING)])
        .limit(limit)
    )
    groups = []
    async for doc in cursor:
        groups.append(
            {
                "key": doc["key"],
                "text": doc.get("text", ""),
                "count": doc.get("count", 0),
                "last_at": doc.get("last_at"),
                "first_at": doc.get("first_at"),
                "slugs_offered": doc.get("slugs_offered", []),
                "examples": list(dict.fromkeys(doc.get("examples", [])))[::-1],
            }
        )
    return groups


async def dismiss(db: AsyncIOMotorDatabase, key: str) -> bool:
    """An editor handled this group (wrote or improved an article): remove it from the list."""
    result = await db["unanswered"].delete_one({"key": key})
    return result.deleted_count == 1
