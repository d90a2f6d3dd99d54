"""Pydantic models of the knowledge base: articles (FAQ / VAC), their versions, products, synonyms."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Audience = Literal["resident", "business"]
Status = Literal["draft", "published", "archived"]
View = Literal["resident", "staff"]

# The fields an editor writes; everything else (updated_at, version, ...) the store keeps.
CONTENT_FIELDS = (
    "title",
    "question",
    "answer",
    "keywords",
    "synonyms",
    "audience",
    "department",
    "related_products",
    "publish_from",
    "publish_until",
    "internal_note",
    "review_at",
)
DEFAULT_DEPARTMENT = "KCC"  # the owner of an article nobody claimed (migration and import default)
REVIEW_DAYS = 365  # an article is checked at least once a year: the default review date after publication


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Mongo may hand back naive datetimes (always UTC); make every datetime aware."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _clean_list(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = re.sub(r"\s+", " ", str(value)).strip()
        if value and value.lower() not in {k.lower() for k in seen}:
            seen[value] = None
    return list(seen)


class ArticleContent(BaseModel):
    """What an editor sends to create or change an article (also the import record)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    question: str = Field("", max_length=500)
    answer: str = Field(min_length=1, max_length=20_000)
    keywords: list[str] = Field(default_factory=list, max_length=100)
    synonyms: list[str] = Field(default_factory=list, max_length=100)
    audience: Audience = "resident"
    department: str = Field("", max_length=100)
    related_products: list[str] = Field(default_factory=list, max_length=50)
    publish_from: datetime | None = None
    publish_until: datetime | None = None
    internal_note: str = Field("", max_length=10_000)
    review_at: datetime | None = Field(None, description="the owning department checks the article again by then")

    @field_validator("keywords", "synonyms", "related_products", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [part for part in value.split(",")]
        return value

    @field_validator("keywords", "synonyms", "related_products")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return _clean_list(value)

    @field_validator("question", "department", "internal_note", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("publish_from", "publish_until", "review_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)

    @model_validator(mode="after")
    def _dates_in_order(self) -> ArticleContent:
        if self.publish_from and self.publish_until and self.publish_until <= self.publish_from:
            raise ValueError("publish_until moet na publish_from liggen")
        return self


class NewArticle(ArticleContent):
    """Body of POST /articles and an import record: content plus slug and status."""

    slug: str = Field(min_length=2, max_length=120, pattern=SLUG_RE)
    status: Status = "draft"
    vac_uuid: str | None = None


class ArticleUpdate(ArticleContent):
    """Body of PUT /articles/{slug}; ``version`` (optional) guards against overwriting a newer edit."""

    version: int | None = Field(None, ge=1)


class Article(NewArticle):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = "system"
    version: int = 1

    @field_validator("updated_at")
    @classmethod
    def _utc_updated(cls, value: datetime) -> datetime:
        return as_utc(value)  # type: ignore[return-value]

    def visible_to_residents(self, now: datetime | None = None) -> bool:
        """Published and inside its publication window."""
        now = now or utcnow()
        if self.status != "published":
            return False
        if self.publish_from and now < self.publish_from:
            return False
        return not (self.publish_until and now >= self.publish_until)

    def content(self) -> dict[str, Any]:
        return self.model_dump(include=set(CONTENT_FIELDS))

    def public(self) -> dict[str, Any]:
        """What a resident (or the bot answering one) may see: no internal note, no editor names."""
        return self.model_dump(
            mode="json",
            include={
                "slug",
                "title",
                "question",
                "answer",
                "keywords",
                "audience",
                "department",
                "related_products",
                "updated_at",
            },
        )


class ArticleVersion(BaseModel):
    """One entry of an article's history: who, when, what kind of change, and the full snapshot."""

    slug: str
    version: int
    at: datetime
    by: str
    action: Literal[
        "create", "update", "publish", "archive", "rollback", "import", "draft", "submit", "send_back", "schedule"
    ]
    snapshot: dict[str, Any]
    note: str = ""


class ApplyChannels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    online: str | None = None
    appointment: str | None = None
    at_home: str | None = None


WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
HOURS_RE = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
DAYTIME = ["09:00-12:30", "13:30-16:30"]
EVENING = "17:00-19:30"  # the town hall's Wednesday and Thursday evening opening


def _default_hours() -> dict[str, list[str]]:
    return {
        "maandag": list(DAYTIME), "dinsdag": list(DAYTIME), "woensdag": [*DAYTIME, EVENING],
        "donderdag": [*DAYTIME, EVENING], "vrijdag": list(DAYTIME),
    }


class AppointmentRules(BaseModel):
    """How a product is booked: the calendar it lives in, opening hours, slot length, desks per slot.

    Slots fall only on working days (``hub.core.workdays``); ``hours`` maps a Dutch weekday
    to opening periods ``HH:MM-HH:MM`` (local time), each cut into slots of ``slot_minutes``.
    """

    model_config = ConfigDict(extra="forbid")

    calendar: str = Field("burgerzaken", min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    location: str = Field("Stadhuis, Markt 1, Lindewaard", min_length=1, max_length=200)
    slot_minutes: int = Field(15, ge=5, le=240)
    capacity: int = Field(2, ge=1, le=50, description="residents served at once (desks) per slot")
    hours: dict[str, list[str]] = Field(default_factory=_default_hours)

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, hours: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, periods in hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}: use {', '.join(WEEKDAYS)}")
            for period in periods:
                if not re.match(HOURS_RE, period) or period[:5] >= period[6:]:
                    raise ValueError(f"opening period {period!r} is not HH:MM-HH:MM with start before end")
        return hours


class ProductContent(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    upl_name: str | None = None
    description: str = Field("", max_length=10_000)
    costs: str = Field("", max_length=2_000)
    lead_time: str = Field("", max_length=500)
    conditions: list[str] = Field(default_factory=list)
    bring: list[str] = Field(default_factory=list)
    apply: ApplyChannels = Field(default_factory=ApplyChannels)
    legal_deadline: str | None = None
    department: str = Field("", max_length=100)
    appointment: AppointmentRules | None = Field(None, description="set when the product is booked by appointment")

    @field_validator("conditions", "bring", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("description", "costs", "lead_time", "department", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("apply", mode="before")
    @classmethod
    def _apply(cls, value: Any) -> Any:
        return {} if value is None else value


class NewProduct(ProductContent):
    slug: str = Field(min_length=2, max_length=120, pattern=SLUG_RE)


class ProductUpdate(ProductContent):
    version: int | None = Field(None, ge=1)


class Product(NewProduct):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = "system"
    version: int = 1


class SynonymGroups(BaseModel):
    """Editor-maintained groups of words that mean the same (``[identiteitskaart, id-kaart]``)."""

    model_config = ConfigDict(extra="forbid")

    groups: list[list[str]] = Field(default_factory=list, max_length=5_000)

    @field_validator("groups")
    @classmethod
    def _clean(cls, groups: list[list[str]]) -> list[list[str]]:
        cleaned = []
        for group in groups:
            terms = _clean_list([t.lower() for t in group])
            if len(terms) >= 2:
                cleaned.append(terms)
        return cleaned


class Hit(BaseModel):
    slug: str
    title: str
    score: float
    snippet: str
