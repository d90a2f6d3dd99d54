"""The partner directory: organisations the bot and agents refer residents to.

Editors maintain it (``/api/v1/partners``, editor role); an empty directory is filled from
``knowledge/content/partners.yaml`` at start-up. A partner has a name, the topics it handles,
keywords that point to it, ``assets`` (things in public space it owns: a melding about them
goes to the partner's own form, not into a municipal case), and its contact details.

``match`` finds the partner of a question by its keywords (whole words, or a phrase); the
most specific hit wins. ``referral_text`` is the one-line answer: "Dit regelt het
waterschap ...", with the partner's phone, form or website.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field

from hub.core.models import utcnow

SEED = Path(__file__).parent / "content" / "partners.yaml"


class Partner(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name: str = Field(min_length=2, max_length=120)
    short: str = Field(min_length=2, max_length=80, description="how a sentence names it: 'het waterschap'")
    handles: str = Field(min_length=2, max_length=400, description="what it handles, in plain Dutch")
    keywords: list[str] = Field(default_factory=list, max_length=60)
    assets: list[str] = Field(default_factory=list, max_length=30)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    url: str | None = Field(None, max_length=300)
    form_url: str | None = Field(None, max_length=300, description="its own form for reports about its assets")


def seed_partners() -> list[Partner]:
    return [Partner.model_validate(item) for item in yaml.safe_load(SEED.read_text(encoding="utf-8"))]


async def ensure_seeded(db: AsyncIOMotorDatabase) -> None:
    if await db.partners.count_documents({}, limit=1):
        return
    now = utcnow()
    for partner in seed_partners():
        await db.partners.update_one(
            {"_id": partner.id}, {"$setOnInsert": {**partner.model_dump(exclude={"id"}), "updated_at": now, "updated_by": "seed"}},
            upsert=True,
        )


def from_doc(doc: dict[str, Any]) -> Partner:
    return Partner.model_validate({**{k: v for k, v in doc.items() if k not in ("_id", "updated_at", "updated_by")}, "id": doc["_id"]})


async def all_partners(db: AsyncIOMotorDatabase) -> list[Partner]:
    return [from_doc(d) async for d in db.partners.find().sort("_id", 1)]


async def save(db: AsyncIOMotorDatabase, partner: Partner, by: str) -> Partner:
    await db.partners.replace_one(
        {"_id": partner.id}, {**partner.model_dump(exclude={"id"}), "updated_at": utcnow(), "updated_by": by}, upsert=True
    )
    return partner


def _hits(text: str, words: list[str]) -> list[str]:
    low = " " + re.sub(r"[^\w\s-]", " ", text.lower()) + " "
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w.lower())}", low)]


def match(partners: list[Partner], text: str, assets_only: bool = False) -> Partner | None:
    """The partner whose keywords (or assets) the text names most specifically; None when none does."""
    best, score = None, 0
    for partner in partners:
        found = _hits(text, partner.assets if assets_only else partner.keywords + partner.assets)
        points = sum(len(w) for w in found)
        if points > score:
            best, score = partner, points
    return best


def contact_line(partner: Partner, melding: bool = False) -> str:
    parts = []
    if melding and partner.form_url:
        parts.append(f"meld het via {partner.form_url}")
    if partner.phone:
        parts.append(f"bel {partner.phone}")
    if not melding and partner.url:
        parts.append(f"kijk op {partner.url}")
    return " of ".join(parts) if parts else partner.name


def referral_text(partner: Partner, melding: bool = False) -> str:
    """One line why, and how to reach them (B1)."""
    if melding:
        return (f"Dit regelt {partner.short} ({partner.name}), niet de gemeente. Zij gaan over {partner.handles}. "
                f"Wilt u dit melden? {contact_line(partner, melding=True).capitalize()}.")
    return (f"Dit regelt {partner.short} ({partner.name}), niet de gemeente. Zij gaan over {partner.handles}. "
            f"{contact_line(partner).capitalize()}.")
