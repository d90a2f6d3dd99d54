"""Answer a provider only for what is stored: the pipeline reports each inbound message it kept.

A webhook answers its provider within a few seconds while the bot works on in the
background (``Channel.hand_over``). "OK" tells the provider not to send again, so it may
only be said once the messages are stored: while MongoDB is unreachable the answer must be
a retryable error instead. ``hand_over`` counts with an ``Intake``: its ``stored`` is the
``on_stored`` callback handed in with each message, which the pipeline calls right after the
insert (or when it finds the message stored already).
"""

from __future__ import annotations

import asyncio


class Intake:
    """How many of one webhook's messages are stored so far."""

    def __init__(self, expected: int):
        self.expected = expected
        self.count = 0
        self.all_stored = asyncio.Event()
        if expected <= 0:
            self.all_stored.set()

    def stored(self) -> None:
        self.count += 1
        if self.count >= self.expected:
            self.all_stored.set()
