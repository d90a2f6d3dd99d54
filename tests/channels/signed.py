"""Requests as the providers send them, signed with their algorithms (the SDKs' own code where there is one)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from email.message import EmailMessage
from typing import Any, TypeVar

import aiohttp
import aiosmtplib
from twilio.request_validator import RequestValidator

from tests.channels import stack_env as env
from tests.channels.fakes import twilio_api
from tests.conftest import Stack

T = TypeVar("T")


def twilio_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def twilio_signature(url: str, params: dict[str, str], token: str = env.AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


async def post_twilio(
    http: aiohttp.ClientSession, stack: Stack, params: dict[str, str], signature: str | None = "sign"
) -> tuple[int, str]:
    url = stack.hub_url + "/webhooks/twilio"
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = twilio_signature(url, params)
        if params.get("From", "").startswith("whatsapp:") and "MessageStatus" not in params:
            twilio_api.resident_wrote(params["From"])  # Twilio saw the resident write: the 24-hour window opens
    elif signature:
        headers["X-Twilio-Signature"] = signature
    async with http.post(url, data=params, headers=headers) as resp:
        return resp.status, await resp.text()


def whatsapp_params(phone: str, body: str = "", **extra: str) -> dict[str, str]:
    """An incoming WhatsApp message as Twilio posts it."""
    return {
        "SmsMessageSid": (sid := extra.pop("MessageSid", twilio_sid())),
        "NumMedia": "0",
        "ProfileName": "Jan",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": phone.removeprefix("+"),
        "SmsStatus": "received",
        "Body": body,
        "To": f"whatsapp:{env.WHATSAPP_FROM}",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": env.ACCOUNT_SID,
        "From": f"whatsapp:{phone}",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def sms_params(phone: str, body: str) -> dict[str, str]:
    sid = twilio_sid()
    return {
        "ToCountry": "NL", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
        "Body": body, "FromCountry": "NL", "To": env.SMS_FROM, "ToZip": "", "NumSegments": "1",
        "MessageSid": sid, "AccountSid": env.ACCOUNT_SID, "From": phone, "ApiVersion": "2010-04-01",
    }


async def post_telegram(
    http: aiohttp.ClientSession, stack: Stack, update: Any, secret: str | None = env.TELEGRAM_SECRET
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = update if isinstance(update, (str, bytes)) else json.dumps(update)
    async with http.post(stack.hub_url + "/webhooks/telegram", data=data, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


def meta_signature(raw: bytes, secret: str = env.META_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


async def post_meta(
    http: aiohttp.ClientSession, stack: Stack, body: Any, signature: str | None = "sign"
) -> tuple[int, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = meta_signature(raw)
    elif signature:
        headers["X-Hub-Signature-256"] = signature
    async with http.post(stack.hub_url + "/webhooks/meta", data=raw, headers=headers) as resp:
        return resp.status, await resp.text()


async def send_mail(
    stack: Stack, message: EmailMessage, recipients: list[str] | None = None, sender: str | None = None
) -> None:
    """Deliver to the hub's SMTP listener, as the municipality's mail server would."""
    await aiosmtplib.send(
        message, hostname="127.0.0.1", port=stack.channel_ports["smtp_in"], sender=sender, recipients=recipients, timeout=30
    )
