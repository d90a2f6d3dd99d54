"""E-mail: an SMTP listener (aiosmtpd) and IMAP polling in, an SMTP relay (aiosmtplib) out.

In: the municipality's mail server forwards mail for ``KCC_EMAIL_ADDRESS`` to the hub's
SMTP listener (``KCC_SMTP_LISTEN_PORT``), or the hub polls a mailbox it may only read
(``KCC_IMAP_*``). A message is answered ``250`` only after it is stored; malformed mail
gets ``550`` (nothing stored), a storage failure ``451`` so the sender retries. The
conversation's address is the sender's e-mail address (identity key ``email:…``);
``Message-ID`` dedupes redeliveries, and the thread (first ``References`` id) is the
conversation's thread key. Automatic mail (``Auto-Submitted``, bounces) is accepted but
not given to the bot, so two robots never answer each other for ever.

Out: an HTML and a plain-text body, ``In-Reply-To``/``References`` pointing at the
resident's last mail and ``Re:`` its subject, so mail programs keep one thread.
"""

from __future__ import annotations

import asyncio
import html
import imaplib
import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any, Literal

import aiosmtplib
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from channels import buttons
from channels.base import Channel, ChannelContext, HandIn
from channels.delivery import DeliveryError, with_retry
from channels.email_parse import EmailParseError, ParsedEmail, parse_email
from hub.core.identifiers import email_key
from hub.core.models import Attachment, InboundMessage, OutboundMessage
from hub.core.settings import Settings

log = logging.getLogger(__name__)
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command, addresses included

Outcome = Literal["stored", "skipped", "rejected", "failed"]
SMTP_REPLY: dict[Outcome, str] = {
    "stored": "250 2.0.0 Message accepted",
    "skipped": "250 2.0.0 Automatic message accepted",
    "rejected": "550 5.6.0 Message cannot be read (no sender or no content)",
    "failed": "451 4.3.0 Temporary failure, please try again later",
}


class EmailChannel(Channel):
    name = "email"

    def __init__(self, hand_in: HandIn, ctx: ChannelContext, settings: Settings):
        super().__init__(hand_in, ctx)
        self.settings = settings
        self.address = settings.email_address.strip().lower()
        extra = [a.strip().lower() for a in settings.email_extra_recipients.split(",") if a.strip()]
        self.recipients = {self.address, *extra}
        self._server: asyncio.AbstractServer | None = None
        self._poller: asyncio.Task[None] | None = None

    def missing_settings(self) -> list[str]:
        if self.settings.smtp_listen_port or self.settings.imap_host:
            return []
        return ["smtp_listen_port or imap_host"]

    def routes(self) -> list[web.RouteDef]:
        return []

    async def start(self) -> None:
        s = self.settings
        if s.smtp_listen_port:
            handler = _SmtpHandler(self)
            self._server = await asyncio.get_running_loop().create_server(
                lambda: SMTP(handler, data_size_limit=s.email_max_bytes, hostname=self.address.split("@")[-1]),
                host=s.smtp_listen_host,
                port=s.smtp_listen_port,
            )
            log.info("smtp listener started", extra={"host": s.smtp_listen_host, "port": s.smtp_listen_port})
        if s.imap_host:
            self._poller = asyncio.ensure_future(self._poll_imap())

    async def stop(self) -> None:
        if self._poller:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        await super().stop()

    # ------------------------------------------------------------------ inbound
    async def receive(self, raw: bytes) -> Outcome:
        """Store one e-mail (and its attachments) and hand it to the pipeline."""
        try:
            mail = parse_email(raw)
        except EmailParseError as exc:
            log.warning("e-mail rejected", extra={"reason": str(exc)})
            return "rejected"
        if mail.auto_submitted or mail.from_address in self.recipients:
            log.info("automatic e-mail not answered", extra={"message_id": mail.message_id})
            return "skipped"
        try:
            msg = await self._inbound(mail)
            msg = await buttons.resolve_choice(self.ctx, msg)
        except Exception:  # noqa: BLE001 - storage trouble: the sender must try again
            log.exception("e-mail attachments could not be stored")
            return "failed"
        return "stored" if await self.hand_over([msg], self.settings.webhook_answer_s) else "failed"

    async def _inbound(self, mail: ParsedEmail) -> InboundMessage:
        attachments = [
            Attachment(
                filename=a.filename,
                content_type=a.content_type,
                size=len(a.content),
                stored_id=await self.ctx.store_attachment(a.content, a.content_type, a.filename),
            )
            for a in mail.attachments
        ]
        return InboundMessage(
            channel=self.name,
            address=mail.from_address,
            channel_message_id=mail.message_id,
            text=mail.text or mail.subject,
            attachments=attachments,
            thread_key=mail.thread_root,
            metadata={
                "identity_keys": [k for k in [email_key(mail.from_address)] if k],
                "email": {
                    "message_id": mail.message_id,
                    "in_reply_to": mail.in_reply_to,
                    "references": mail.references,
                    "subject": mail.subject,
                    "from_name": mail.from_name,
                    "full_text": mail.full_text[:100_000],
                },
            },
        )

    async def _poll_imap(self) -> None:
        """Fetch unseen mail every ``imap_poll_s``; mark a mail seen only once it is stored."""
        failing = False
        while True:
            try:
                await self.poll_once()
                if failing:
                    log.info("imap mailbox reachable again")
                failing = False
            except (OSError, imaplib.IMAP4.error) as exc:
                if not failing:
                    log.warning("imap poll failed", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
                failing = True
            await asyncio.sleep(self.settings.imap_poll_s)

    async def poll_once(self) -> int:
        """One pass over the mailbox; returns how many mails were stored."""
        s = self.settings
        imap = await asyncio.to_thread(_imap_connect, s)
        stored = 0
        try:
            uids = await asyncio.to_thread(_imap_unseen, imap)
            for uid in uids:
                raw = await asyncio.to_thread(_imap_fetch, imap, uid)
                outcome = await self.receive(raw)
                if outcome == "failed":
                    continue  # stays unseen: fetched again next time
                flags = r"(\Seen \Flagged)" if outcome == "rejected" else r"(\Seen)"  # flagged for a person
                await asyncio.to_thread(imap.uid, "STORE", uid, "+FLAGS", flags)
                stored += outcome == "stored"
        finally:
            await asyncio.to_thread(_imap_close, imap)
        return stored

    # ------------------------------------------------------------------ outbound
    async def send(self, out: OutboundMessage) -> str | None:
        s = self.settings
        if not s.smtp_relay_host:
            raise DeliveryError("no SMTP relay configured (KCC_SMTP_RELAY_HOST)", retryable=False)
        last = await self.ctx.last_inbound(out.conversation_id)
        message = self.compose(out, ((last or {}).get("metadata") or {}).get("email") or {})

        async def submit() -> None:
            try:
                await aiosmtplib.send(
                    message,
                    hostname=s.smtp_relay_host,
                    port=s.smtp_relay_port,
                    username=s.smtp_relay_username,
                    password=s.smtp_relay_password,
                    use_tls=s.smtp_relay_tls == "tls",
                    start_tls=True if s.smtp_relay_tls == "starttls" else False,
                    timeout=s.delivery_timeout_s,
                )
            except aiosmtplib.SMTPRecipientsRefused as exc:
                codes = [r.code for r in exc.recipients]
                raise DeliveryError(f"relay refused the recipient ({codes})", retryable=all(400 <= c < 500 for c in codes)) from exc
            except aiosmtplib.SMTPResponseException as exc:
                raise DeliveryError(f"relay answered {exc.code}", retryable=400 <= exc.code < 500, status=exc.code) from exc
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise DeliveryError(f"relay unreachable: {type(exc).__name__}", retryable=True) from exc

        await with_retry(submit)
        return str(message["Message-ID"])

    def compose(self, out: OutboundMessage, previous: dict[str, Any]) -> EmailMessage:
        """The reply as a threaded HTML + plain-text e-mail."""
        s = self.settings
        domain = self.address.split("@")[-1]
        display = s.email_display_name or f"Gemeente {s.municipality}"
        msg = EmailMessage()
        msg["From"] = formataddr((display, self.address))
        msg["To"] = out.address
        msg["Subject"] = reply_subject(previous.get("subject"), s.municipality)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = f"<{out.message_id}@{domain}>"  # stable: a retried send keeps its id
        if previous.get("message_id"):
            refs = [*previous.get("references", []), previous["message_id"]]
            msg["In-Reply-To"] = previous["message_id"]
            msg["References"] = " ".join([refs[0], *refs[1:][-9:]])  # the thread's root and the latest ones
        if out.author != "agent":
            msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: out-of-office robots will not answer it
        closing = f"Met vriendelijke groet,\n{display}"
        msg.set_content(f"{buttons.numbered_text(out.text, out.buttons)}\n\n{closing}\n")
        paragraphs = "".join(
            f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in out.text.split("\n\n") if p.strip()
        )
        msg.add_alternative(
            "<!doctype html><html><body style=\"font-family:sans-serif\">"
            f"{paragraphs}{buttons.numbered_html(out.buttons)}"
            f"<p>{html.escape(closing).replace(chr(10), '<br>')}</p></body></html>",
            subtype="html",
        )
        return msg


def reply_subject(subject: str | None, municipality: str) -> str:
    if not subject:
        return f"Uw vraag aan gemeente {municipality}"
    return subject if subject.lower().startswith(("re:", "antw:")) else f"Re: {subject}"


class _SmtpHandler:
    """aiosmtpd hooks: accept mail for our own addresses only, store it before saying 250."""

    def __init__(self, channel: EmailChannel):
        self.channel = channel

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.strip().lower() not in self.channel.recipients:
            return "550 5.1.1 Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw or "").encode()
        return SMTP_REPLY[await self.channel.receive(raw)]


# ---------------------------------------------------------------------- IMAP (blocking; run in a thread)
def _imap_connect(s: Settings) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if s.imap_tls else imaplib.IMAP4
    imap = cls(s.imap_host or "", s.imap_port, timeout=s.delivery_timeout_s)
    imap.login(s.imap_username or "", s.imap_password or "")
    imap.select(s.imap_mailbox)
    return imap


def _imap_unseen(imap: imaplib.IMAP4) -> list[str]:
    status, data = imap.uid("SEARCH", None, "UNSEEN")
    if status != "OK":
        raise imaplib.IMAP4.error(f"search answered {status}")
    return [uid.decode() for uid in (data[0] or b"").split()]


def _imap_fetch(imap: imaplib.IMAP4, uid: str) -> bytes:
    status, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        raise imaplib.IMAP4.error(f"fetch answered {status}")
    for item in data:
        if isinstance(item, tuple):
            return bytes(item[1])
    raise imaplib.IMAP4.error("fetch returned no message")


def _imap_close(imap: imaplib.IMAP4) -> None:
    try:
        imap.logout()
    except (OSError, imaplib.IMAP4.error):
        pass
