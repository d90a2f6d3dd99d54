"""Buttons on channels that have none: numbered options out, the number mapped back in.

WhatsApp (plain Twilio messages), SMS and e-mail show a reply's buttons as a numbered
list; when the resident answers with a number (or the option's exact words), the
channel looks up the buttons of the latest reply in that conversation and hands the
pipeline that button's payload, as if it had been pressed. Telegram (inline keyboard)
and Meta (quick replies) have real buttons and only need their limits respected.
"""

from __future__ import annotations

import html
import re

from channels.base import ChannelContext
from hub.core.models import Button, InboundMessage

CHOOSE_HINT = "Antwoord met het nummer van uw keuze."
_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def numbered_text(text: str, buttons: list[Button]) -> str:
    """``text`` followed by the options as ``1. …`` lines and a short hint."""
    if not buttons:
        return text
    options = "\n".join(f"{i}. {b.title}" for i, b in enumerate(buttons, start=1))
    return f"{text}\n\n{options}\n\n{CHOOSE_HINT}" if text else f"{options}\n\n{CHOOSE_HINT}"


def numbered_html(buttons: list[Button]) -> str:
    """The same options as an HTML ordered list (e-mail)."""
    if not buttons:
        return ""
    items = "".join(f"<li>{html.escape(b.title)}</li>" for b in buttons)
    return f"<ol>{items}</ol><p>{html.escape(CHOOSE_HINT)}</p>"


def choose(text: str, offered: list[Button]) -> str | None:
    """The payload of the option the resident picked by number or by its exact title."""
    if not offered:
        return None
    match = _CHOICE.match(text)
    if match:
        index = int(match.group(1))
        return offered[index - 1].payload if 1 <= index <= len(offered) else None
    wanted = text.strip().casefold()
    for button in offered:
        if button.title.strip().casefold() == wanted:
            return button.payload
    return None


def might_be_choice(text: str) -> bool:
    """Cheap test before asking for the offered buttons: a short reply without a payload."""
    return 0 < len(text.strip()) <= 80


async def resolve_choice(ctx: ChannelContext, msg: InboundMessage) -> InboundMessage:
    """``msg`` with the payload of the option it picked, when it answers a numbered list."""
    if msg.payload or not might_be_choice(msg.text):
        return msg
    offered = await ctx.offered_buttons(msg.channel, msg.address)
    payload = choose(msg.text, offered)
    return msg.model_copy(update={"payload": payload}) if payload else msg


def short_title(title: str, limit: int) -> str:
    """A button title cut to a provider's limit (Meta quick replies: 20 characters)."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
