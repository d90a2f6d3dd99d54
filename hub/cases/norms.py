"""The KCC's response terms per channel (from the municipal service visions), one home for them.

Every channel belongs to one kind of term:

* ``chat``: the live web chat; an agent picks it up within ``KCC_NORM_CHAT_PICKUP_S`` seconds
  (default 60) after the resident asked for a person;
* ``written``: e-mail and the web form; answered within ``KCC_NORM_EMAIL_WORKING_DAYS`` /
  ``KCC_NORM_WEBFORM_WORKING_DAYS`` working days (default 5);
* ``social``: WhatsApp, SMS, Telegram, Messenger and Instagram; answered within
  ``KCC_NORM_SOCIAL_WORKING_DAYS`` working days (default 1).

A term in working days ends at closing time (17:00, Europe/Amsterdam) of the last working day
(``hub.core.workdays``: weekends and Dutch public holidays skipped). Callback requests keep their own
term (``KCC_CALLBACK_WORKING_DAYS``, ``hub.cases.callbacks``). The statistics count contacts handled
within their term (``hub.stats.norm_facts``); ``handover.interim`` tells a resident when a term is
about to run out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from hub.core import workdays

TermKind = Literal["chat", "written", "social"]
CHAT_CHANNELS = ("webchat",)
WRITTEN_CHANNELS = ("email", "webform")
SOCIAL_CHANNELS = ("whatsapp", "sms", "telegram", "messenger", "instagram")


@dataclass(frozen=True)
class Term:
    kind: TermKind
    seconds: float | None = None  # a chat's pick-up term
    working_days: int | None = None  # a written or social term


def kind_of(channel: str | None) -> TermKind | None:
    if channel in CHAT_CHANNELS:
        return "chat"
    if channel in WRITTEN_CHANNELS:
        return "written"
    if channel in SOCIAL_CHANNELS:
        return "social"
    return None


def term_for(channel: str | None, settings: object) -> Term | None:
    """The response term of a channel under ``settings`` (None for a channel without one)."""
    kind = kind_of(channel)
    if kind == "chat":
        return Term("chat", seconds=float(getattr(settings, "norm_chat_pickup_s", 60.0)))
    if kind == "written":
        days = getattr(settings, "norm_webform_working_days" if channel == "webform" else "norm_email_working_days", 5)
        return Term("written", working_days=int(days))
    if kind == "social":
        return Term("social", working_days=int(getattr(settings, "norm_social_working_days", 1)))
    return None


def working_days_by_channel(settings: object) -> dict[str, int]:
    """The channels whose term is in working days, with that number."""
    out: dict[str, int] = {}
    for channel in (*WRITTEN_CHANNELS, *SOCIAL_CHANNELS):
        term = term_for(channel, settings)
        if term and term.working_days:
            out[channel] = term.working_days
    return out


def due_at(channel: str | None, start: datetime, settings: object) -> datetime | None:
    """When the term of a contact that reached the desk at ``start`` runs out (UTC)."""
    term = term_for(channel, settings)
    if term is None:
        return None
    if term.seconds is not None:
        return start + timedelta(seconds=term.seconds)
    return workdays.from_settings(settings).due_at(start, term.working_days or 0)
