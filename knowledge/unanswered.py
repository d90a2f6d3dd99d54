"""Questions the bot could not answer (fallback or low confidence), grouped so editors see what to write.

The bot's actions call ``record``; the editor page reads ``top``. Questions are grouped on
a key of their index terms (order and inflection ignored: "paspoort aanvragen" and "hoe
vraag ik een paspoort aan" meet), counted, and stored without personal data
(``hub.privacy.scrub``). ``top`` also puts similar keys together (most terms shared, a typo
allowed: "kosten paspoort" and "paspoord kosten") and leaves out noise: greetings, tests
and one-word gibberish ("hallo", "test 123", "asdfgh") are neither stored nor shown.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import DESCENDING

from hub.privacy.scrub import scrub as scrub_personal
from knowledge.models import utcnow
from knowledge.search.analysis import fold, normalise_question

MAX_TEXT = 500
MAX_EXAMPLES = 5
SIMILAR = 0.6  # share of terms two keys must have in common to be one group
NOISE_WORDS = frozenset(
    "hallo hoi hey hi hee hai dag daag goedemorgen goedemiddag goedenavond morgen middag avond doei "
    "bedankt dankjewel dankuwel dank danku thanks ok oke oké prima top ja nee jawel neen "
    "test testen testje testbericht testing tst asdf qwerty bla blabla hmm uh eh".split()
)
_KEYBOARD_RUNS = ("qwer", "wert", "asdf", "sdfg", "zxcv", "hjkl", "uiop", "jkl;")


def is_noise(text: str) -> bool:
    """A greeting, a test or one-word gibberish: nothing an editor can write an article for."""
    words = re.findall(r"[a-z]+", fold(text or ""))
    if not words or all(w in NOISE_WORDS for w in words):
        return True
    if len(words) <= 4 and any(w.startswith("test") for w in words):
        return True  # "dit is een test", "test 123"
    if len(words) == 1:
        word = words[0]
        return (
            len(word) < 3
            or not re.search(r"[aeiouy]", word)
            or re.search(r"(.)\1\1", word) is not None
            or re.search(r"[^aeiouy]{5,}", word) is not None
            or any(run in word for run in _KEYBOARD_RUNS)
        )
    return False


def _close(term: str, other: str) -> bool:
    return term == other or (min(len(term), len(other)) > 4 and SequenceMatcher(None, term, other).ratio() >= 0.85)


def similar(key: str, other: str) -> bool:
    """Two grouping keys that share most of their terms (a typo counts as the same term)."""
    a, b = key.split(), other.split()
    if not a or not b:
        return False
    shared = sum(1 for t in a if any(_close(t, u) for u in b))
    return shared / (len(a) + len(b) - shared) >= SIMILAR


def scrub(text: str) -> str:
    """Remove what may identify a person (``hub.privacy.scrub``): e-mail, BSN/phone-like numbers, addresses."""
    return scrub_personal(text, MAX_TEXT)


async def record(
    db: AsyncIOMotorDatabase, text: str, slugs_offered: list[str] | None = None
) -> str | None:
    """Count one unanswered question; returns its group key (None for an empty question)."""
    clean = scrub(text or "")
    if not clean or is_noise(clean):
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
    """Groups by count (most asked first), then by most recent; similar keys merged, noise left out.

    A merged group keeps the text of its most asked question and lists every key it holds
    (``keys``), so dismissing it dismisses them all.
    """
    cursor = (
        db["unanswered"]
        .find({}, {"_id": 0})
        .sort([("count", DESCENDING), ("last_at", DESCENDING)])
        .limit(limit * 3)
    )
    groups: list[dict[str, Any]] = []
    async for doc in cursor:
        text = doc.get("text", "")
        if is_noise(text):
            continue
        examples = [e for e in dict.fromkeys(doc.get("examples", [])) if not is_noise(e)][::-1]
        home = next((g for g in groups if any(similar(doc["key"], k) for k in g["keys"])), None)
        if home is None:
            groups.append({
                "key": doc["key"],
                "keys": [doc["key"]],
                "text": text,
                "count": doc.get("count", 0),
                "last_at": doc.get("last_at"),
                "first_at": doc.get("first_at"),
                "slugs_offered": list(doc.get("slugs_offered", [])),
                "examples": examples,
            })
            continue
        home["keys"].append(doc["key"])
        home["count"] += doc.get("count", 0)
        home["examples"] = list(dict.fromkeys([*home["examples"], text, *examples]))[:MAX_EXAMPLES * 2]
        home["slugs_offered"] = list(dict.fromkeys([*home["slugs_offered"], *doc.get("slugs_offered", [])]))
        for key, pick in (("last_at", max), ("first_at", min)):
            values = [v for v in (home[key], doc.get(key)) if v is not None]
            home[key] = pick(values) if values else None
    groups.sort(key=lambda g: -g["count"])
    return groups[:limit]


async def dismiss(db: AsyncIOMotorDatabase, key: str) -> bool:
    """An editor handled this group (wrote or improved an article): remove it from the list."""
    result = await db["unanswered"].delete_one({"key": key})
    return result.deleted_count == 1
