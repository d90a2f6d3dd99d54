"""Slack as an agent desk: a thread per handed-over conversation in the KCC Slack channel.

On by ``KCC_SLACK_BOT_TOKEN`` + ``KCC_SLACK_CHANNEL`` + ``KCC_SLACK_SIGNING_SECRET``.

* A handover opens a thread with the summary and the conversation so far; the thread's
  ``ts`` is kept on the conversation (``slack.ts``).
* The resident's new messages, console agents' replies and what happens to the conversation
  (picked up, back in the queue, closed) appear in the thread.
* An agent's reply in the thread goes to the resident on their channel, under the same rules
  as the console: a queued conversation is picked up first (team and capacity rules); one
  held by a colleague is not answered from Slack. ``!bot`` hands back to the bot, ``!sluiten``
  closes it as answered. Slack users are mapped to staff accounts by ``KCC_SLACK_AGENTS``.
* Slack's requests arrive at ``POST /webhooks/slack``, are verified with the signing secret
  (``slack_sdk.signature.SignatureVerifier``), stored in ``slack_events`` before anything else
  (Slack retries are recognised by ``event_id``) and answered at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import re
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError
from pymongo.errors import DuplicateKeyError
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from channels.base import wrong_content_type
from handover.briefing import REASONS_NL, summary_view
from handover.lifecycle import OUTCOMES_NL, Desk
from handover.routing import DeskError
from hub.core.event_types import EventType
from hub.core.events import Event
from hub.core.http import error_fields, json_error
from hub.core.loops import Loops
from hub.core.models import State, utcnow
from hub.core.settings import Settings
from hub.privacy import need_to_know
from hub.staff.auth import has_role

log = logging.getLogger(__name__)


class SlackEvent(BaseModel):
    """The fields of a Slack Events API event that the desk reads; only these are kept."""

    model_config = ConfigDict(extra="ignore")
    type: str = ""
    subtype: str | None = None
    bot_id: str | None = None
    user: str | None = None
    channel: str | None = None
    text: str = ""
    ts: str | None = None
    thread_ts: str | None = None
CHANNELS_NL = {"webchat": "web chat", "whatsapp": "WhatsApp", "sms": "sms", "telegram": "Telegram",
               "email": "e-mail", "messenger": "Messenger", "instagram": "Instagram"}
TRANSCRIPT_MESSAGES = 12
# What the thread shows: a handover opens it, the others are posted in it.
FOLLOWS = (
    EventType.HANDOVER, EventType.RESIDENT_MESSAGE, EventType.AGENT_REPLY, EventType.ASSIGNED, EventType.REASSIGNED,
    EventType.REQUEUED, EventType.CLOSED, EventType.HANDED_BACK,
)
TRANSCRIPT_DELAY_S = 1.0
LINK_RE = re.compile(r"<(https?://[^|>]+)(?:\|([^>]+))?>")


def configured(settings: Settings) -> bool:
    return bool(settings.slack_bot_token and settings.slack_channel and settings.slack_signing_secret)


def escape(text: str) -> str:
    """Slack's three control characters, so a resident's text is shown, never interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What an agent typed in Slack, as plain text: links as their URL, entities decoded."""
    return html.unescape(LINK_RE.sub(lambda m: m.group(1), text)).strip()


class SlackDesk:
    def __init__(self, desk: Desk, settings: Settings, client: AsyncWebClient | None = None):
        self.desk = desk
        self.db = desk.db
        self.settings = settings
        self.channel = settings.slack_channel
        self.client = client or AsyncWebClient(
            token=settings.slack_bot_token, base_url=settings.slack_api_base, session=aiohttp.ClientSession(), timeout=10
        )
        self.verifier = SignatureVerifier(settings.slack_signing_secret or "")
        self._loops = Loops()

    # ------------------------------------------------------------------ hub -> Slack
    def start(self) -> None:
        self._loops.start(**{"handover-slack": self._follow()})

    async def stop(self) -> None:
        await self._loops.stop()  # the follower ends, transcripts being posted finish
        if self.client.session is not None:
            await self.client.session.close()

    async def _follow(self) -> None:
        async with self.desk.live.listen(*FOLLOWS) as queue:
            while True:
                event = await queue.get()
                try:
                    await self.on_desk_event(event)
                except SlackApiError as exc:
                    log.warning("slack refused a message", extra={"error": exc.response.get("error"), "type": event.type.value})
                except Exception as exc:  # noqa: BLE001 - Slack being away never disturbs the desk
                    log.warning("slack post failed", extra={"error": type(exc).__name__, "type": event.type.value})

    async def on_desk_event(self, event: Event) -> None:
        kind, conv_id = event.type, event.conversation_id
        if not conv_id:
            return
        conv = await self.db.conversations.find_one({"_id": conv_id})
        if conv is None:
            return
        if kind is EventType.HANDOVER and not conv.get("slack"):
            await self.open_thread(conv)
            return
        if not conv.get("slack"):
            return
        if need_to_know.restricted(conv) and kind in (EventType.RESIDENT_MESSAGE, EventType.AGENT_REPLY):
            # A Slack channel is not a need-to-know place: that something happened, not what.
            who = "de inwoner" if kind is EventType.RESIDENT_MESSAGE else "een medewerker"
            await self.post(conv, f"_Nieuw bericht van {who} ({need_to_know.label(conv)}). Lees het in de console._")
        elif kind is EventType.RESIDENT_MESSAGE:
            msg = await self.db.messages.find_one({"_id": event.get("message_id")}, {"text": 1, "attachments": 1})
            if msg:
                files = " ".join(a.get("url") or a.get("filename") or "" for a in msg.get("attachments") or [])
                await self.post(conv, f"*Inwoner:* {escape(msg.get('text') or '')} {escape(files)}".strip())
        elif kind is EventType.AGENT_REPLY and event.get("via") != "slack":
            msg = await self.db.messages.find_one({"_id": event.get("message_id")}, {"text": 1, "metadata": 1})
            if msg:
                who = (msg.get("metadata") or {}).get("agent_name") or event.get("agent")
                await self.post(conv, f"*{escape(str(who))} (console):* {escape(msg.get('text') or '')}")
        elif kind in (EventType.ASSIGNED, EventType.REASSIGNED):
            name = await self._name(event.get("agent"))
            await self.post(conv, f"_Opgepakt door {escape(name)}._")
        elif kind is EventType.REQUEUED:
            why = {"answer_timeout": "geen antwoord op tijd", "offline": "medewerker afgemeld", "transfer": "doorgezet",
                   "signed_off": "medewerker afgemeld"}.get(event.get("why") or "", event.get("why") or "")
            await self.post(conv, f"_Terug in de wachtrij van team {escape(conv.get('team') or '')} ({escape(why)}). Antwoord hier om het op te pakken._")
        elif kind is EventType.CLOSED:
            await self.post(conv, f"_Afgesloten: {OUTCOMES_NL.get(event.get('outcome') or '', '')}._")
        elif kind is EventType.HANDED_BACK:
            await self.post(conv, "_Teruggegeven aan de chatbot._")

    async def open_thread(self, conv: dict[str, Any]) -> None:
        if need_to_know.restricted(conv):
            await self._open_restricted(conv)
            return
        summary = summary_view(conv, {})
        lines = [
            f"*Nieuw gesprek voor team {escape(conv.get('team') or '')}* ({CHANNELS_NL.get(conv['channel'], conv['channel'])})",
            f"Reden: {escape(REASONS_NL.get(summary['reason'] or '', summary['reason'] or 'onbekend'))}",
        ]
        if summary["topic"]:
            lines.append(f"Onderwerp: {escape(summary['topic'])}")
        if summary["question"]:
            lines.append(f"Vraag: {escape(summary['question'])}")
        if summary["slots"]:
            lines.append("Gegevens: " + escape(", ".join(f"{k}: {v}" for k, v in summary["slots"].items())))
        if summary["articles_shown"]:
            lines.append("Getoonde artikelen: " + escape(", ".join(a["slug"] for a in summary["articles_shown"])))
        if conv.get("after_hours"):
            lines.append("_Binnengekomen buiten openingstijden._")
        lines.append("Antwoord in deze thread om het gesprek op te pakken. `!bot` geeft het terug aan de chatbot, `!sluiten` sluit het af.")
        root = await self.client.chat_postMessage(channel=self.channel, text="\n".join(lines), unfurl_links=False)
        ts = root["ts"]
        res = await self.db.conversations.update_one(
            {"_id": conv["_id"], "slack": None}, {"$set": {"slack": {"channel": root.get("channel") or self.channel, "ts": ts}}}
        )
        if not res.modified_count:
            return
        self._loops.spawn(self._transcript(conv, ts))

    async def _open_restricted(self, conv: dict[str, Any]) -> None:
        """Only that it exists: channel, team, time and the label; no summary, topic or transcript."""
        text = (
            f"*Nieuw gesprek voor team {escape(conv.get('team') or '')}* ({CHANNELS_NL.get(conv['channel'], conv['channel'])})\n"
            f"_{need_to_know.label(conv)}_: de inhoud staat alleen in de console, voor collega's met het recht sociaal domein."
        )
        root = await self.client.chat_postMessage(channel=self.channel, text=text, unfurl_links=False)
        await self.db.conversations.update_one(
            {"_id": conv["_id"], "slack": None}, {"$set": {"slack": {"channel": root.get("channel") or self.channel, "ts": root["ts"]}}}
        )

    async def _transcript(self, conv: dict[str, Any], ts: str) -> None:
        """The conversation so far, once the bot's handover reply is stored too (it follows the handover)."""
        await asyncio.sleep(TRANSCRIPT_DELAY_S)
        transcript = [
            f"{'Inwoner' if m['direction'] == 'in' else {'bot': 'Chatbot', 'agent': 'Medewerker'}.get(m['author'], 'Systeem')}: {escape(m.get('text') or '')}"
            async for m in self.db.messages.find({"conversation_id": conv["_id"]}).sort("seq", -1).limit(TRANSCRIPT_MESSAGES)
        ]
        if transcript:
            with contextlib.suppress(Exception):  # Slack away: the thread still has the summary
                await self.client.chat_postMessage(
                    channel=self.channel, thread_ts=ts, text="*Gesprek tot nu toe:*\n" + "\n".join(reversed(transcript))
                )

    async def post(self, conv: dict[str, Any], text: str) -> None:
        await self.client.chat_postMessage(channel=conv["slack"]["channel"], thread_ts=conv["slack"]["ts"], text=text)

    async def _name(self, username: str | None) -> str:
        staff = await self.db.staff.find_one({"_id": username}, {"name": 1}) if username else None
        return (staff or {}).get("name") or username or "een medewerker"

    # ------------------------------------------------------------------ Slack -> hub
    async def webhook(self, request: web.Request) -> web.Response:
        raw = await request.content.read(self.settings.max_body_bytes + 1)
        if len(raw) > self.settings.max_body_bytes:
            return json_error(413, "body_too_large", "Het verzoek is te groot.")
        if not self.verifier.is_valid(
            raw, request.headers.get("X-Slack-Request-Timestamp"), request.headers.get("X-Slack-Signature")
        ):
            log.warning("slack request with a bad signature")
            return json_error(401, "bad_signature", "De handtekening van dit verzoek klopt niet.")
        if (refused := wrong_content_type(request)) is not None:  # the Events API posts JSON
            return refused
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return json_error(400, "invalid_json", "De gegevens zijn geen geldige JSON.")
        if not isinstance(payload, dict):
            return json_error(400, "invalid_json", "Verwacht een JSON-object.")
        if payload.get("type") == "url_verification":
            return web.json_response({"challenge": payload.get("challenge")})
        if payload.get("type") != "event_callback" or not isinstance(payload.get("event"), dict):
            return web.json_response({"ok": True, "ignored": True})
        event_id = str(payload.get("event_id") or "")
        if not event_id:
            return json_error(422, "invalid_fields", "event_id ontbreekt.", fields=["event_id"])
        try:
            event = SlackEvent.model_validate(payload["event"]).model_dump()
        except ValidationError as exc:
            fields = error_fields(exc)
            return json_error(422, "invalid_fields", "Een of meer velden kloppen niet.", fields=fields)
        try:
            await self.db.slack_events.insert_one(
                {"_id": event_id, "received_at": utcnow(), "event": event, "status": "received"}
            )
        except DuplicateKeyError:
            return web.json_response({"ok": True, "duplicate": True})
        outcome = await self.on_slack_event(event)
        await self.db.slack_events.update_one({"_id": event_id}, {"$set": {"status": outcome}})
        return web.json_response({"ok": True, "outcome": outcome})

    async def on_slack_event(self, event: dict[str, Any]) -> str:
        if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
            return "ignored"
        thread = event.get("thread_ts")
        if not thread or thread == event.get("ts") or event.get("channel") != self.channel:
            return "ignored"
        conv = await self.db.conversations.find_one({"slack.ts": thread, "slack.channel": event.get("channel")})
        if conv is None:
            return "unknown_thread"
        username = self.settings.slack_agents.get(str(event.get("user")))
        staff = await self.db.staff.find_one({"_id": username, "active": True}, {"password_hash": 0}) if username else None
        if staff is None or not has_role(staff, "agent"):
            await self.post(conv, "_Niet verstuurd: uw Slack-account is niet gekoppeld aan een KCC-account._")
            return "unknown_agent"
        if not need_to_know.visible(staff, conv):
            await self.post(conv, "_Niet verstuurd: dit gesprek is vertrouwelijk (sociaal domein) en uw account heeft dat recht niet._")
            return "need_to_know"
        text = unescape(str(event.get("text") or ""))
        try:
            if text.lower() == "!bot":
                await self.desk.hand_back(conv["_id"], staff, note="Teruggegeven vanuit Slack")
                return "handed_back"
            if text.lower().startswith("!sluiten"):
                await self.desk.close(conv["_id"], staff, "answered", note=text[len("!sluiten"):].strip() or None)
                return "closed"
            if conv["state"] == State.QUEUED.value:
                await self.desk.router.take(conv["_id"], staff, via="slack")
            if not text:
                return "empty"
            await self.desk.reply(conv["_id"], staff, text, via="slack")
            return "sent"
        except DeskError as exc:
            await self.post(conv, f"_Niet verstuurd: {escape(exc.message)}_")
            return exc.code
