"""Twilio's Messages resource (REST API 2010-04-01), as far as the hub uses it.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth
(Account SID, Auth Token) and form parameters ``To``, ``From``, ``Body`` | ``ContentSid``
(+ ``ContentVariables``), ``MediaUrl``, ``StatusCallback``; answers ``201`` with the
message resource, or Twilio's error shape ``{"code", "message", "more_info", "status"}``.
"""

from __future__ import annotations

import base64
import secrets
from email.utils import formatdate

from aiohttp import web

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


class FakeTwilio(FakeProvider):
    def __init__(self, account_sid: str, auth_token: str):
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token

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
            },
        )
        return web.json_response(resource, status=201)
