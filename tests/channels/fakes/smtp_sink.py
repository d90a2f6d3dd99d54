"""The outbound relay: a real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.channels.fakes.base import FakeProvider

REPLIES = {451: "451 4.3.0 Try again later", 550: "550 5.1.1 Mailbox unavailable", 421: "421 4.4.2 Busy"}


class SmtpSink(FakeProvider):
    """Recipients are e-mail addresses; a failure answers RCPT TO with that SMTP code."""

    def __init__(self, port: int):
        super().__init__()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:  # noqa: N802
        failure = self.take_failure(address.lower())
        if failure:
            return REPLIES.get(failure, f"{failure} failure")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        for rcpt in envelope.rcpt_tos:
            self.record(rcpt.lower(), {"mail_from": envelope.mail_from, "message": message})
        return "250 2.0.0 Queued"
