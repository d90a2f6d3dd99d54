"""Rate limits on the public endpoints: per client IP and per web chat session.

Public means what anyone on the internet can reach without logging in: the web chat API
(``/api/v1/webchat/...``) and the channel webhooks (``/webhooks/...``). Two limits apply:

* **per client IP** (``KCC_RATE_LIMIT_PER_IP_PER_MINUTE``, default 600): every request to a
  public path counts, checked by ``rate_limit_middleware`` before any handler runs;
* **per web chat session** (``KCC_WEBCHAT_RATE_PER_MINUTE``, default 30): each message a
  session posts counts, checked by the web chat channel after the body is read and before the
  message is stored.

Over a limit the answer is ``429`` with ``Retry-After`` (whole seconds) and the usual JSON
error. The message is *not* stored: a 429 is a retryable status, so nothing is lost silently
(the widget and the providers try again). ``KCC_RATE_LIMITS_ENABLED=false`` switches both
off (load benches); a limit of 0 switches that one off.

The counting is a *sliding window counter*: per key, the count of the current minute and of
the previous one, weighted by how much of the previous minute still falls inside the last 60
seconds. That is O(1) memory per key (a token bucket would be too; a log of timestamps would
hold up to 600 floats per IP) and close to an exact "at most N in any 60 seconds". Requests
that are refused do not count, so a client that keeps hammering still gets through at the
allowed rate.

**Each hub process counts on its own**, in memory. With several hub replicas behind a load
balancer a client can reach up to (replicas x limit) in the worst case. That is deliberate:
the limits are there to stop floods and runaway scripts, not to bill exact quotas, and a
shared counter (MongoDB or Redis) would add a network round trip to every public request
and make the public endpoints fail when that store is slow. Set the limits per replica
accordingly, or put a shared limit in the reverse proxy in front of the hub.

Behind a reverse proxy every request seems to come from the proxy. ``KCC_TRUSTED_PROXY_HOPS``
says how many proxies of our own stand in front of the hub; only then is ``X-Forwarded-For``
read, from the right (the entries our proxies appended), so a client cannot pick its own IP
by sending the header itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from hub.core.appkeys import SETTINGS
from hub.core.http import json_error
from hub.core.settings import Settings

WINDOW_S = 60.0
PUBLIC_PREFIXES = ("/api/v1/webchat/", "/webhooks/")
TOO_MANY_NL = "U stuurt te veel berichten achter elkaar. Wacht {seconds} seconden en probeer het dan opnieuw."


@dataclass
class _Window:
    start: float  # start of the current window
    current: int = 0
    previous: int = 0


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window_s`` seconds (sliding window counter)."""

    def __init__(self, limit: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._keys: dict[str, _Window] = {}
        self._last_sweep = clock()

    def __len__(self) -> int:
        return len(self._keys)

    def hit(self, key: str) -> float | None:
        """Count one hit for ``key``; None when allowed, else the seconds to wait before trying again."""
        if self.limit <= 0:
            return None
        now = self.clock()
        self._sweep(now)
        w = self._keys.get(key)
        if w is None:
            w = self._keys[key] = _Window(start=now)
        self._roll(w, now)
        elapsed = now - w.start
        weight = 1.0 - elapsed / self.window_s
        if w.previous * weight + w.current + 1 <= self.limit:
            w.current += 1
            return None
        return self._retry_after(w, elapsed)

    def _roll(self, w: _Window, now: float) -> None:
        passed = int((now - w.start) // self.window_s)
        if passed >= 1:
            w.previous = w.current if passed == 1 else 0
            w.current = 0
            w.start += passed * self.window_s

    def _retry_after(self, w: _Window, elapsed: float) -> float:
        """Seconds until one more hit fits (no other hits assumed meanwhile)."""
        room = self.limit - 1 - w.current  # what the previous window's share must shrink to
        if room >= 0 and w.previous > 0:
            # previous * (1 - e/W) <= room  =>  e >= W * (1 - room/previous)
            wait = self.window_s * (1 - room / w.previous) - elapsed
        else:
            # the current window alone is full: wait for it to become the previous one and shrink
            nxt = w.current
            wait = self.window_s - elapsed + self.window_s * (1 - (self.limit - 1) / nxt) if nxt else 0.0
        return max(wait, 0.001)

    def _sweep(self, now: float) -> None:
        """Forget keys not seen for two windows (they count nothing any more)."""
        if now - self._last_sweep < self.window_s:
            return
        self._last_sweep = now
        stale = [k for k, w in self._keys.items() if now - w.start >= 2 * self.window_s]
        for key in stale:
            del self._keys[key]


def retry_seconds(wait: float) -> int:
    """``Retry-After`` is whole seconds; never 0 (that would invite an immediate retry)."""
    return max(1, math.ceil(wait))


def too_many(wait: float) -> web.Response:
    seconds = retry_seconds(wait)
    resp = json_error(429, "too_many_requests", TOO_MANY_NL.format(seconds=seconds), retry_after=seconds)
    resp.headers["Retry-After"] = str(seconds)
    return resp


def client_ip(request: web.Request, trusted_hops: int) -> str:
    """The client's IP: the peer address, or with ``trusted_hops`` proxies the matching
    ``X-Forwarded-For`` entry counted from the right (entries further left are client-supplied)."""
    peer = request.remote or "unknown"
    if trusted_hops <= 0:
        return peer
    forwarded = [p.strip() for h in request.headers.getall("X-Forwarded-For", []) for p in h.split(",") if p.strip()]
    if len(forwarded) < trusted_hops:
        return forwarded[0] if forwarded else peer
    return forwarded[-trusted_hops]


class PublicLimits:
    """The hub's limiters, built from the settings (one set per hub process)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic):
        on = settings.rate_limits_enabled
        self.trusted_hops = settings.trusted_proxy_hops
        self.per_ip = SlidingWindowLimiter(settings.rate_limit_per_ip_per_minute if on else 0, clock=clock)
        self.per_session = SlidingWindowLimiter(settings.webchat_rate_per_minute if on else 0, clock=clock)

    def session_gate(self, session_id: str) -> web.Response | None:
        """For the web chat channel: None when this session may post one more message now, else the 429."""
        wait = self.per_session.hit(session_id)
        return None if wait is None else too_many(wait)


RATE_LIMITS = web.AppKey("rate_limits", PublicLimits)


def setup_rate_limits(app: web.Application) -> PublicLimits:
    limits = PublicLimits(app[SETTINGS])
    app[RATE_LIMITS] = limits
    app.middlewares.append(rate_limit_middleware)
    return limits


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith(PUBLIC_PREFIXES):
        limits = request.app[RATE_LIMITS]
        wait = limits.per_ip.hit(client_ip(request, limits.trusted_hops))
        if wait is not None:
            return too_many(wait)
    return await handler(request)
