"""Twilio's Messages resource (REST API 2010-04-01), as far as the hub uses it.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth
(Account SID, Auth Token) and form parameters ``To``, ``From``, ``Body`` | ``ContentSid``
(+ ``ContentVariables``), ``MediaUrl``, ``StatusCallback``; answers ``201`` with the
message resource, or Twilio's error shape ``{"code", "message", "more_info", "status"}``.

WhatsApp's 24-hour window, as Twilio applies it: a free-form ``Body`` to a WhatsApp user
who has not written to the business in the last 24 hours is accepted (201, queued) and then
fails with error 63016, reported to the ``StatusCallback`` (signed like Twilio signs it);
an approved template (``ContentSid`` + ``ContentVariables``) goes out. The fake learns that a
resident wrote from ``resident_wrote`` (``tests.channels.signed.post_twilio`` calls it for every
signed WhatsApp message it posts); ``age_window`` moves that moment back.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
from email.utils import formatdate

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.channels.fakes.base import FakeProvider

ERRORS = {
    400: (21602, "Message body is required."),
    401: (20003, "Authenticate"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


def _error(status: int, code: int | None = None, message: str | None = None) -> web.Response:
    default_code, default_message = ERRORS.get(status, (20500, "Internal Server Error"))
    code = code or default_code
    body = {
        "code": code,
        "message": message or default_message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)


WINDOW_S = 24 * 3600
OUTSIDE_WINDOW = 63016  # "Failed to send freeform message because you are outside the allowed window"
_last_inbound: dict[str, float] = {}  # "whatsapp:+31..." -> when the resident last wrote (time.time())
_window_lock = threading.Lock()


def resident_wrote(address: str, at: float | None = None) -> None:
    """A WhatsApp user wrote to the business: a 24-hour window opens (``address`` is ``whatsapp:+31...``)."""
    with _window_lock:
        _last_inbound[address] = time.time() if at is None else at


def in_window(address: str) -> bool:
    with _window_lock:
        last = _last_inbound.get(address)
    return last is not None and time.time() - last < WINDOW_S


class FakeTwilio(FakeProvider):
    def __init__(self, account_sid: str, auth_token: str):
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token

    def age_window(self, address: str, hours: float) -> None:
        """Pretend the resident last wrote ``hours`` ago."""
        resident_wrote(address, time.time() - hours * 3600)

    async def _report_failure(self, callback: str, sid: str, code: int) -> None:
        params = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": str(code), "AccountSid": self.account_sid}
        signature = RequestValidator(self.auth_token).compute_signature(callback, params)
        await asyncio.sleep(0.05)  # after the create answer, as Twilio does
        async with aiohttp.ClientSession() as http:
            async with http.post(callback, data=params, headers={"X-Twilio-Signature": signature}) as resp:
                await resp.read()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.create_message)
        return app

    async def create_message(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected or request.match_info["sid"] != self.account_sid:
            return _error(401)
        form = await request.post()
        to = str(form.get("To", ""))
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not form.get("From"):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
            return _error(400)
        if len(str(form.get("Body", ""))) > 1600:
            return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        failure = self.take_failure(to)
        if failure:
            return _error(failure)
        sid = "SM" + secrets.token_hex(16)
        refused = to.startswith("whatsapp:") and not form.get("ContentSid") and not in_window(to)
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form.get("Body"),
            "date_created": formatdate(usegmt=True),
            "date_sent": None,
            "date_updated": formatdate(usegmt=True),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": None,
            "num_media": str(len(form.getall("MediaUrl", []))),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
            "to": to,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        self.record(
            to,
            {
                "sid": sid,
                "from": form.get("From"),
                "body": form.get("Body"),
                "content_sid": form.get("ContentSid"),
                "content_variables": form.get("ContentVariables"),
                "media_url": form.getall("MediaUrl", []),
                "status_callback": form.get("StatusCallback"),
                "error_code": OUTSIDE_WINDOW if refused else None,
            },
        )
        if refused and form.get("StatusCallback"):
            task = asyncio.get_running_loop().create_task(self._report_failure(str(form["StatusCallback"]), sid, OUTSIDE_WINDOW))
            self._reports = getattr(self, "_reports", set()) | {task}
            task.add_done_callback(self._reports.discard)
        return web.json_response(resource, status=201)
