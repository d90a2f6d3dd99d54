"""The web contact form: the formal written channel beside the chat.

``GET /contact`` is a plain HTML form that works without JavaScript (it posts to ``/contact``
and the hub answers with the confirmation or the same form with the errors marked);
``POST /api/v1/contact-form`` takes the same fields as JSON and answers ``201
{"reference", "conversation_id"}`` or ``422 invalid_fields``.

A form is stored first like every message (channel ``webform``, address = the e-mail
address), goes straight to the team queue (no bot; ``bot_answers = False``) with its answer
term (``KCC_WEBFORM_ANSWER_DAYS`` working days, 5 by default) and gets a receipt by e-mail
with its reference and that term. The agent answers from the console; the answer goes out by
e-mail through the SMTP relay, like the e-mail channel's replies (``send`` is that channel's).

A hidden ``submission_id`` (made when the page is shown; optional in the JSON) is the
message's dedup key: a double click or a resent form is stored once and gets the same
reference.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from channels.base import Channel, ChannelContext, HandIn
from channels.webform_page import render_form, render_thanks
from hub.core import workdays
from hub.core.http import error_fields, json_error
from hub.core.identifiers import normalize_email, normalize_phone
from hub.core.models import InboundMessage, OutboundMessage, utcnow
from hub.core.settings import Settings

REFERENCE_ALPHABET = string.ascii_uppercase.translate(str.maketrans("", "", "IO")) + "23456789"
MAX_FORM_BYTES = 64 * 1024


class ContactForm(BaseModel):
    """The fields of the form; every text is trimmed, the e-mail address and phone number normalised."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254)
    phone: str | None = Field(None, max_length=40)
    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=5000)
    page_url: str | None = Field(None, max_length=2000)
    submission_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{8,64}$")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        email = normalize_email(value)
        if not email:
            raise ValueError("not an e-mail address")
        return email

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if not value:
            return None
        phone = normalize_phone(value)
        if not phone:
            raise ValueError("not a phone number")
        return phone


def new_reference(now: datetime, submission_id: str | None = None) -> str:
    """``CF-2026-7K3Q2M``: the year and six characters that cannot be misread (no I, O, 0 or 1).

    A form sent again with the same ``submission_id`` gets the same reference (derived from it).
    """
    if submission_id:
        digest = hashlib.sha256(submission_id.encode()).digest()
        chars = "".join(REFERENCE_ALPHABET[b % len(REFERENCE_ALPHABET)] for b in digest[:6])
    else:
        chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"CF-{now.year}-{chars}"


class WebformChannel(Channel):
    name: ClassVar[str] = "webform"
    bot_answers: ClassVar[bool] = False

    def __init__(
        self,
        hand_in: HandIn,
        ctx: ChannelContext,
        settings: Settings,
        send_mail: Callable[[OutboundMessage], Awaitable[str | None]],
    ):
        super().__init__(hand_in, ctx)
        self.settings = settings
        self.send_mail = send_mail
        self.calendar = workdays.from_settings(settings)

    def missing_settings(self) -> list[str]:
        return []  # the form always takes messages; the receipt and answers need KCC_SMTP_RELAY_HOST

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/contact", self.page),
            web.post("/contact", self.post_page),
            web.post("/api/v1/contact-form", self.post_api),
        ]

    async def send(self, out: OutboundMessage) -> str | None:
        return await self.send_mail(out)

    # ------------------------------------------------------------------ handlers
    async def page(self, request: web.Request) -> web.Response:
        return _html(render_form(self.settings.municipality, {"submission_id": uuid.uuid4().hex}, {}))

    async def post_page(self, request: web.Request) -> web.Response:
        """The form without JavaScript: the confirmation page, or the form again with its errors marked."""
        raw = await request.content.read(MAX_FORM_BYTES + 1)
        if len(raw) > MAX_FORM_BYTES:
            return _html(render_form(self.settings.municipality, {}, {"text": "te_lang"}), status=413)
        fields = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        values = {k: v for k, v in fields.items() if k in ContactForm.model_fields}
        values.setdefault("page_url", request.headers.get("Referer"))
        try:
            form = ContactForm.model_validate({k: (v or None) if k in ("phone", "page_url") else v
                                               for k, v in values.items()})
        except ValidationError as exc:
            errors = {name.split(".")[0]: "ongeldig" for name in error_fields(exc)}
            return _html(render_form(self.settings.municipality, values, errors), status=422)
        reference, _, due = await self.submit(form)
        return _html(render_thanks(self.settings.municipality, reference, form.email, due))

    async def post_api(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return json_error(415, "unsupported_media_type", "Stuur de gegevens als application/json.")
        try:
            form = ContactForm.model_validate_json(await request.content.read(MAX_FORM_BYTES + 1))
        except ValidationError as exc:
            fields = error_fields(exc)
            if fields == ["body"] or any(e["type"] == "json_invalid" for e in exc.errors()):
                return json_error(400, "invalid_json", "De gegevens zijn geen geldige JSON.")
            return json_error(422, "invalid_fields", "Een of meer velden kloppen niet.", fields=fields)
        reference, conversation_id, due = await self.submit(form)
        return web.json_response(
            {"reference": reference, "conversation_id": conversation_id, "answer_due": due.isoformat()}, status=201
        )

    # ------------------------------------------------------------------ the one way in
    async def submit(self, form: ContactForm) -> tuple[str, str, datetime]:
        """Store the form (once per ``submission_id``), queue it with its term; the reference, conversation and term."""
        now = utcnow()
        due = self.calendar.due_at(now, self.settings.webform_answer_days)
        reference = new_reference(now, form.submission_id)
        metadata: dict[str, Any] = {
            "form": {"name": form.name, "subject": form.subject, "reference": reference, "phone": form.phone},
            # the e-mail channel's composer threads replies on this subject
            "email": {"subject": f"{form.subject} [{reference}]"},
            "desk": {"reason": "contact_form", "due_at": due.isoformat(), "reference": reference,
                     "subject": form.subject, "receipt": receipt_text(reference, due)},
            "identity_keys": [f"phone:{form.phone}"] if form.phone else [],
        }
        if form.page_url:
            metadata["page_url"] = form.page_url
        msg = InboundMessage(
            channel=self.name,
            address=form.email,
            channel_message_id=form.submission_id,
            text=f"{form.subject}\n\n{form.text}",
            metadata=metadata,
            received_at=now,
        )
        result = await self.hand_in(msg)
        if result.duplicate:  # the same submission again (same reference): the term told the first time
            stored = ((await self.ctx.last_inbound(result.conversation_id) or {}).get("metadata") or {}).get("desk") or {}
            if stored.get("reference") == reference and stored.get("due_at"):
                due = datetime.fromisoformat(stored["due_at"])
        return reference, result.conversation_id, due


def receipt_text(reference: str, due: datetime) -> str:
    day = workdays.dutch_date(due)
    return (
        f"Bedankt voor uw bericht. Wij hebben het goed ontvangen. Uw kenmerk is {reference}.\n\n"
        f"U krijgt uiterlijk {day} een antwoord van ons. Wilt u nog iets aanvullen? "
        f"Beantwoord dan deze e-mail en noem uw kenmerk."
    )


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")

