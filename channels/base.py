"""The small interface every channel implements, and what the hub gives a channel to work with.

A channel turns a provider's request into an ``InboundMessage`` and gives it to the one
callable it was made with, ``hand_in`` (the pipeline's ``receive``, like Rasa's
``InputChannel.blueprint(on_new_message)``); it sends an ``OutboundMessage`` with ``send``.
Besides handing in, a channel may only ask what ``ChannelContext`` names: reads (messages
after a number, the state, live messages, offered buttons, the last inbound message) and
the few records a channel keeps (presence, attachments, delivery reports). It knows nothing
of the pipeline behind them (ARCHITECTURE.md: arrows point one way).

Helpers every provider channel shares live here: the fast webhook answer (store, then
answer the provider while the bot works on) and the JSON 404 of a channel whose secrets
are not configured. Identity keys (phone numbers, e-mail addresses) come from
``hub.core.identifiers``.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any, ClassVar, Protocol

from aiohttp import web

from channels import intake
from hub.core.http import json_error
from hub.core.loops import Tasks
from hub.core.models import Button, InboundMessage, OutboundMessage, PipelineResult, State, utcnow

# Provider webhooks may batch many events (Meta); far above what one resident's message needs.
PROVIDER_MAX_BYTES = 1024 * 1024


class HandIn(Protocol):
    """The one way a channel hands a resident's message in (``Pipeline.receive``).

    ``on_stored`` is called as soon as the message is stored (or found stored before): a
    webhook may answer its provider "OK" from then on, before the bot has answered.
    """

    async def __call__(self, msg: InboundMessage, on_stored: Callable[[], None] | None = None) -> PipelineResult: ...


class ChannelContext(Protocol):
    """What a channel may ask of the hub besides handing a message in."""

    async def messages_after(self, conversation_id: str, after: int) -> list[dict[str, Any]] | None: ...

    async def conversation_state(self, conversation_id: str) -> State | None: ...

    def subscribe(self, topic: str) -> AbstractAsyncContextManager[Any]: ...

    async def queue_place(self, conversation_id: str) -> dict[str, Any] | None:
        """Position and expected wait of a queued conversation (None when it is not queued)."""
        ...

    async def offered_buttons(self, channel: str, address: str) -> list[Button]:
        """The buttons of the latest reply in the open conversation at this address (for numbered choices)."""
        ...

    async def last_inbound(self, conversation_id: str) -> dict[str, Any] | None:
        """The latest stored inbound message of a conversation (``created_at``, ``metadata``)."""
        ...

    async def delivery_status(self, provider_message_id: str, status: str, error: str | None) -> bool:
        """Record a provider's delivery report on the outbound message with that provider id."""
        ...

    async def store_attachment(self, content: bytes, content_type: str, filename: str | None) -> str:
        """Keep a file the resident sent (e-mail attachments); returns its ``stored_id``."""
        ...

    async def resident_present(self, conversation_id: str) -> None:
        """The resident's chat page is open (web chat): they have not left the queue."""
        ...

    async def resident_left(self, conversation_id: str) -> str | None:
        """The resident ended the conversation; returns what became of it (None: unknown or closed)."""
        ...


class Channel(ABC):
    name: ClassVar[str]
    #: the ``InboundMessage.channel`` values this channel produces and sends for (one provider, several channels)
    channel_names: ClassVar[tuple[str, ...]] = ()
    #: replies reach the resident from the store itself (the web chat reads them): the hub sends nothing
    in_band: ClassVar[bool] = False
    #: False: the bot never answers; a message goes to the desk with ``metadata["desk"]`` (reason, summary,
    #: ``receipt``: the text the resident gets back at once) - the web contact form
    bot_answers: ClassVar[bool] = True

    def __init__(self, hand_in: HandIn, ctx: ChannelContext):
        self.hand_in = hand_in
        self.ctx = ctx
        self._tasks = Tasks(f"channel {self.name}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return cls.channel_names or (cls.name,)

    def missing_settings(self) -> list[str]:
        """Names of the settings this channel still needs (never their values)."""
        return []

    def configured(self) -> bool:
        """False when the channel's secrets are missing: its routes then answer 404."""
        return not self.missing_settings()

    @abstractmethod
    def routes(self) -> list[web.RouteDef]: ...

    @abstractmethod
    async def send(self, out: OutboundMessage) -> str | None:
        """Deliver to the provider; returns the provider's message id. Raises ``delivery.DeliveryError``."""

    async def start(self) -> None:
        """Open listeners and clients (called once at app start-up, in the app's event loop)."""
        return None

    async def stop(self) -> None:
        """Close what ``start`` opened and finish webhook work still running."""
        await self.drain()

    # ------------------------------------------------------------------ shared helpers
    async def hand_over(self, msgs: list[InboundMessage], answer_within_s: float) -> bool:
        """Hand messages in, in order, and wait at most ``answer_within_s``.

        The pipeline stores each message first, then asks the bot; a provider is answered
        as soon as that finished or the time is up (the work goes on in the background).
        False when handing in failed within the wait: answer the provider with a 5xx so it
        retries (the retry is deduplicated on the provider's message id).
        """
        if not msgs:
            return True
        progress = intake.Intake(len(msgs))
        task = self.spawn(self._hand_in_order(msgs, progress))
        done, _ = await asyncio.wait({task}, timeout=answer_within_s)
        if task not in done:  # time is up, but "OK" only for what is stored (MongoDB may be away)
            stored = asyncio.ensure_future(progress.all_stored.wait())
            done, _ = await asyncio.wait({task, stored}, return_when=asyncio.FIRST_COMPLETED)
            stored.cancel()
        return not (task in done and task.exception() is not None)

    async def _hand_in_order(self, msgs: list[InboundMessage], progress: intake.Intake) -> None:
        for msg in msgs:
            await self.hand_in(msg, on_stored=progress.stored)

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Future[Any]:
        """Run ``coro`` in the background (kept until done, drained at shutdown, failures logged)."""
        return self._tasks.spawn(coro)

    async def drain(self) -> None:
        await self._tasks.drain()


def not_stored(retry_after_s: int) -> web.Response:
    """503 + Retry-After for a webhook whose messages could not be stored: the provider sends again."""
    resp = json_error(503, "not_stored", "Het bericht kon niet worden opgeslagen. Probeer het opnieuw.")
    resp.headers["Retry-After"] = str(retry_after_s)
    return resp


def unconfigured_routes(channel: Channel) -> list[web.RouteDef]:
    """The channel's paths, each answering a JSON 404 (its secrets are not configured)."""

    async def not_configured(request: web.Request) -> web.Response:
        return json_error(404, "channel_not_configured", "Dit kanaal is niet ingesteld.")

    seen: set[tuple[str, str]] = set()
    routes: list[web.RouteDef] = []
    for route in channel.routes():
        if (route.method, route.path) not in seen:
            seen.add((route.method, route.path))
            routes.append(web.route(route.method, route.path, not_configured))
    return routes


def wrong_content_type(request: web.Request, expected: str = "application/json") -> web.Response | None:
    """A 415 JSON error when the request's Content-Type is not ``expected``; None when it is."""
    if request.content_type == expected:
        return None
    return json_error(415, "unsupported_media_type", f"Stuur de gegevens als {expected}.", expected=expected)


async def read_body(request: web.Request, limit: int) -> bytes | web.Response:
    """The raw body, or a 413 JSON error when it is larger than ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return json_error(413, "body_too_large", "Het bericht is te groot.")
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        return json_error(413, "body_too_large", "Het bericht is te groot.")
    return raw


def split_text(text: str, limit: int) -> list[str]:
    """Text in pieces of at most ``limit`` characters, cut at paragraph, line or word ends."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*pieces, rest] if rest or not pieces else pieces


async def in_window(ctx: ChannelContext, conversation_id: str, hours: float) -> bool:
    """Whether the resident wrote in this conversation in the last ``hours`` (WhatsApp, Meta: 24 h)."""
    last = await ctx.last_inbound(conversation_id)
    return bool(last) and utcnow() - last["created_at"] < timedelta(hours=hours)
