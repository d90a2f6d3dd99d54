"""The building blocks of every figure: the query, the privacy rule, shares, norms and durations.

The small-group rule (README, "Statistics"): a figure is hidden only where it could point at a
person. Counts, shares and durations of contacts identify nobody and are always shown
(``Privacy.count``, ``Privacy.about``). Residents' grades and figures about the work of a few
agents could: a satisfaction average or distribution of fewer than ``KCC_STATS_MIN_GROUP``
answers (``Privacy.opinion``) and a team's occupancy with fewer than ``KCC_STATS_MIN_AGENTS``
agents are shown as ``{"value": null, "suppressed": true}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

Granularity = Literal["hour", "day", "week"]
MAX_DAYS = 366
NAME = r"^[\w.:@-]{1,64}$"
NO_TEAM = "-"  # filter value for conversations that never reached a team (the bot alone)


# ---------------------------------------------------------------------- query
class Query(BaseModel):
    """What the caller asks for: a period of local days (``end`` included) and filters."""

    start: date
    end: date
    channel: str | None = Field(None, pattern=NAME)
    team: str | None = Field(None, pattern=NAME)
    topic: str | None = Field(None, pattern=NAME)
    granularity: Granularity = "day"
    limit: int = Field(10, ge=1, le=100)

    @model_validator(mode="after")
    def _period(self) -> Query:
        if self.end < self.start:
            raise ValueError("end before start")
        if (self.end - self.start).days >= MAX_DAYS:
            raise ValueError(f"period longer than {MAX_DAYS} days")
        return self

    def days(self) -> dict[str, str]:
        return {"$gte": self.start.isoformat(), "$lte": self.end.isoformat()}

    def dims(self, team_field: str = "team") -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.channel:
            found["channel"] = self.channel
        if self.team:
            found[team_field] = None if self.team == NO_TEAM else self.team
        return found

    def filters(self) -> dict[str, str | None]:
        return {"channel": self.channel, "team": self.team, "topic": self.topic}


# ---------------------------------------------------------------------- privacy and numbers
@dataclass(frozen=True)
class Privacy:
    min_group: int
    min_agents: int

    def count(self, value: int | float | None) -> dict[str, Any]:
        """A number of contacts (or callbacks, cases): identifies nobody, always shown."""
        return {"value": value or 0, "suppressed": False}

    def about(self, value: float | None, group: int, digits: int = 1) -> dict[str, Any]:
        """A share or duration about ``group`` contacts: identifies nobody, shown when there is one."""
        return {"value": None if value is None or not group else round(value, digits), "suppressed": False}

    def opinion(self, value: float | None, group: int, digits: int = 2) -> dict[str, Any]:
        """A figure about residents' grades (``group`` answers): hidden below ``min_group`` answers,
        because a team's few grades point at its agents."""
        if group < self.min_group:
            return {"value": None, "suppressed": group > 0}
        return {"value": None if value is None else round(value, digits), "suppressed": False}


def share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def breach(metric: dict[str, Any], norm: float, higher_is_better: bool) -> bool | None:
    value = metric.get("value")
    if value is None:
        return None
    return value < norm if higher_is_better else value > norm


# ---------------------------------------------------------------------- pipeline pieces
def _sum(*fields: str) -> dict[str, Any]:
    return {f: {"$sum": f"${f}"} for f in fields}


def nearest_rank(values: str, percent: int) -> dict[str, Any]:
    """The ``percent``-th percentile (nearest rank) of a sorted array, in integer arithmetic."""
    size = {"$size": values}
    rank = {"$floor": {"$divide": [{"$add": [{"$multiply": [percent, size]}, 99]}, 100]}}
    return {"$arrayElemAt": [values, {"$subtract": [rank, 1]}]}


def durations(list_field: str, by: Any = None) -> list[dict[str, Any]]:
    """n, average, p50, p90 and maximum of a duration list (seconds), per ``by`` (or overall)."""
    return [
        {"$project": {"_by": by, "x": f"${list_field}"}},
        {"$unwind": "$x"},
        {"$group": {"_id": "$_by", "v": {"$push": "$x"}, "sum": {"$sum": "$x"}}},
        {"$set": {"v": {"$sortArray": {"input": "$v", "sortBy": 1}}}},
        {"$project": {
            "n": {"$size": "$v"},
            "avg": {"$divide": ["$sum", {"$size": "$v"}]},
            "p50": nearest_rank("$v", 50),
            "p90": nearest_rank("$v", 90),
            "max": {"$arrayElemAt": ["$v", -1]},
        }},
        {"$sort": {"_id": 1}},
    ]
