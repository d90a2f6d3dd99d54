"""Referrals in figures: how often the bot and agents sent residents to each partner.

``GET /api/v1/stats/referrals?start=YYYY-MM-DD&end=YYYY-MM-DD`` (supervisor) counts the
``referral`` events of the period (local days, end included) per partner and per who
referred (bot or agent), from the event log's ``type, at`` index.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.core import workdays
from hub.core.appkeys import DB
from hub.core.event_types import EventType
from hub.core.http import json_error
from hub.staff.auth import require_role


class Period(BaseModel):
    start: date
    end: date


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time(0), tzinfo=workdays.TZ)
    end = datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=workdays.TZ)
    return start, end


@require_role("supervisor")
async def referral_figures(request: web.Request) -> web.Response:
    today = datetime.now(workdays.TZ).date()
    try:
        period = Period(start=request.query.get("start", str(today - timedelta(days=30))), end=request.query.get("end", str(today)))
    except ValidationError:
        return json_error(400, "invalid_period", "Geef start en end als JJJJ-MM-DD.")
    start, end = _bounds(period)
    rows = await request.app[DB].events.aggregate([
        {"$match": {"type": EventType.REFERRAL.value, "at": {"$gte": start, "$lt": end}}},
        {"$group": {"_id": {"partner": "$partner", "by": "$by"}, "count": {"$sum": 1}}},
    ]).to_list(None)
    per_partner: dict[str, dict[str, int]] = {}
    for row in rows:
        who = "bot" if row["_id"].get("by") == "bot" else "agent"
        counts = per_partner.setdefault(row["_id"].get("partner") or "?", {"bot": 0, "agent": 0})
        counts[who] += row["count"]
    total = sum(sum(c.values()) for c in per_partner.values())
    return web.json_response({"start": str(period.start), "end": str(period.end), "total": total,
                              "partners": [{"partner": p, **c} for p, c in sorted(per_partner.items())]})


def routes() -> list[web.RouteDef]:
    return [web.get("/api/v1/stats/referrals", referral_figures)]
