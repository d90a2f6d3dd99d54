"""Outbound delivery for every channel: retry with exponential backoff, then give up visibly.

A channel wraps each provider request in ``with_retry``; its SDK's errors become a
``DeliveryError`` that says whether trying again can help (429, 5xx, time-outs, lost
connections) or not (any other 4xx). ``deliver`` is what the pipeline calls for every
stored outbound message: it runs the channel's ``send`` one message at a time per
conversation (so replies keep their order, also while one is being retried) and returns
the outcome the pipeline stores on the message (``delivery.status`` sent or failed).

Provider delivery reports (e.g. Twilio's status callback) only move a message forward:
``pending → sent → delivered → read``; ``failed`` wins over everything but ``read``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Literal, TypeVar

from pydantic import BaseModel

from hub.core.models import OutboundMessage
from hub.core.settings import Settings, get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")

DeliveryStatus = Literal["pending", "sent", "delivered", "read", "failed"]
MAX_RETRY_AFTER_S = 300.0
_ORDER: dict[str, int] = {"pending": 0, "sent": 1, "delivered": 2, "read": 3}


class DeliveryError(Exception):
    """A provider request that did not succeed; ``retryable`` says whether another try can help."""

    def __init__(
        self, message: str, *, retryable: bool, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


def retryable_status(status: int | None) -> bool:
    """429 (slow down) and 5xx (provider trouble) are worth another try; other 4xx are not."""
    return status is None or status == 429 or status >= 500


class RetryPolicy(BaseModel):
    max_attempts: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    timeout_s: float = 15.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=max(1, settings.delivery_max_attempts),
            backoff_s=settings.delivery_backoff_s,
            backoff_max_s=settings.delivery_backoff_max_s,
            timeout_s=settings.delivery_timeout_s,
        )

    def wait_s(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before try ``attempt + 1``: doubling from ``backoff_s`` up to ``backoff_max_s``;
        never shorter than the provider's Retry-After (itself capped at five minutes)."""
        wait = min(self.backoff_s * 2 ** (attempt - 1), self.backoff_max_s)
        if retry_after is not None:
            wait = max(wait, min(retry_after, MAX_RETRY_AFTER_S))
        return wait


class Outcome(BaseModel):
    status: Literal["sent", "failed"]
    provider_message_id: str | None = None
    attempts: int = 1
    error: str | None = None


# Tries of the send in progress, counted by ``with_retry`` in the sending task's context.
_attempts: ContextVar[list[int] | None] = ContextVar("delivery_attempts", default=None)
_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


async def with_retry(request: Callable[[], Awaitable[T]], policy: RetryPolicy | None = None) -> T:
    """Run one provider request, retrying retryable failures with backoff; raise the last error."""
    policy = policy or RetryPolicy.from_settings(get_settings())
    counter = _attempts.get()
    attempt = 0
    while True:
        attempt += 1
        if counter is not None:
            counter[0] += 1
        try:
            async with asyncio.timeout(policy.timeout_s):  # not wait_for: on 3.11 it can swallow a cancel
                return await request()
        except TimeoutError:
            error = DeliveryError(f"no answer within {policy.timeout_s:g}s", retryable=True)
        except DeliveryError as exc:
            error = exc
        if not error.retryable or attempt >= policy.max_attempts:
            raise error
        wait = policy.wait_s(attempt, error.retry_after)
        log.info("provider request failed, retrying", extra={"attempt": attempt, "wait_s": wait, "status": error.status})
        await asyncio.sleep(wait)


async def deliver(sender: Callable[[OutboundMessage], Awaitable[str | None]], out: OutboundMessage) -> Outcome:
    """Send one stored outbound message through its channel, in order within its conversation."""
    lock = _locks.get(out.conversation_id)
    if lock is None:
        lock = _locks[out.conversation_id] = asyncio.Lock()
    async with lock:
        counter = [0]
        token = _attempts.set(counter)
        try:
            provider_id = await sender(out)
        except DeliveryError as exc:
            return Outcome(status="failed", attempts=max(counter[0], 1), error=str(exc)[:300])
        except Exception as exc:  # noqa: BLE001 - a bug in a channel fails this message, never the pipeline
            log.exception("channel send raised", extra={"channel": out.channel, "message_id": out.message_id})
            return Outcome(status="failed", attempts=max(counter[0], 1), error=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            _attempts.reset(token)
        return Outcome(status="sent", provider_message_id=provider_id, attempts=max(counter[0], 1))


def report_transition(status: DeliveryStatus) -> list[str]:
    """The stored statuses a provider report of ``status`` may replace (reports arrive out of order)."""
    if status == "failed":
        return ["pending", "sent", "delivered"]
    return [s for s, rank in _ORDER.items() if rank < _ORDER[status]]
