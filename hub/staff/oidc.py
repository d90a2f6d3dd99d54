"""Log-in with the municipality's OpenID Connect provider (optional; on when ``KCC_OIDC_ISSUER`` is set).

Authorization code flow with PKCE (S256), ``state`` and ``nonce``:

1. ``GET /api/v1/auth/oidc/start?next=/console`` stores a one-time flow (state, nonce, code
   verifier) in ``oidc_flows``, binds it to the browser with a short-lived cookie and sends
   the browser to the provider's ``authorization_endpoint`` (from its discovery document).
2. ``GET /api/v1/auth/oidc/callback?code=&state=`` takes the flow (once), exchanges the
   code at the ``token_endpoint`` (client secret + code verifier), and checks the ID token
   with PyJWT: RS256/ES256 signature against the provider's JWKS, ``iss``, ``aud``, ``exp``,
   ``iat`` and the ``nonce`` of this flow.
3. The roles come from the claim ``KCC_OIDC_ROLES_CLAIM`` (``groups``) mapped by
   ``KCC_OIDC_ROLE_MAP``; no mapped role means no access. The staff account is
   ``oidc:<sub>`` (never a local account of the same name), its roles are set from the
   provider at every log-in, and an administrator can still deactivate it here.

Failures send the browser back to ``/login?error=<code>`` (the page says it in Dutch); the
reason is logged, never the token.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import aiohttp
import jwt
from aiohttp import web

from hub.core.appkeys import DB, HTTP, SETTINGS
from hub.core.models import utcnow
from hub.core.settings import Settings
from hub.staff.auth import ROLES, new_session

log = logging.getLogger(__name__)

FLOW_COOKIE = "kcc_oidc_flow"
FLOW_TTL = timedelta(minutes=10)
CACHE_S = 3600.0
ALGORITHMS = ["RS256", "ES256"]
LEEWAY_S = 30


class OidcError(Exception):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code = code


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


class Provider:
    """Discovery document and JWKS of the provider, cached; the JWKS is refetched for an unknown key id."""

    def __init__(self, settings: Settings, http: aiohttp.ClientSession):
        self.settings, self.http = settings, http
        self._meta: tuple[float, dict[str, Any]] | None = None
        self._jwks: tuple[float, jwt.PyJWKSet] | None = None

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                if resp.status != 200:
                    raise OidcError("provider_unavailable", f"{url} answered {resp.status}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise OidcError("provider_unavailable", f"{url}: {type(exc).__name__}") from exc

    async def metadata(self) -> dict[str, Any]:
        if self._meta and time.monotonic() - self._meta[0] < CACHE_S:
            return self._meta[1]
        issuer = str(self.settings.oidc_issuer).rstrip("/")
        meta = await self._get(f"{issuer}/.well-known/openid-configuration")
        if meta.get("issuer", "").rstrip("/") != issuer:  # OIDC Discovery 4.3
            raise OidcError("provider_mismatch", "issuer in the discovery document differs")
        self._meta = (time.monotonic(), meta)
        return meta

    async def key_for(self, kid: str | None) -> Any:
        for fresh in (False, True):
            if fresh or not self._jwks or time.monotonic() - self._jwks[0] > CACHE_S:
                data = await self._get((await self.metadata())["jwks_uri"])
                try:
                    self._jwks = (time.monotonic(), jwt.PyJWKSet.from_dict(data))
                except jwt.PyJWTError as exc:
                    raise OidcError("provider_unavailable", "bad JWKS") from exc
            for key in self._jwks[1].keys:
                if kid is None or key.key_id == kid:
                    return key.key
        raise OidcError("id_token_invalid", "unknown key id")


PROVIDER = web.AppKey("oidc_provider", Provider)  # made at the first log-in through the provider


def _provider(request: web.Request) -> Provider:
    app = request.app
    if PROVIDER not in app:
        app[PROVIDER] = Provider(app[SETTINGS], app[HTTP])
    return app[PROVIDER]


def _redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + "/api/v1/auth/oidc/callback"


def safe_next(value: str | None, default: str = "/console") -> str:
    """A local path to go to after log-in; anything that could lead off this site gives ``default``.

    Browsers read ``\\`` as ``/`` and ignore tabs and newlines in a URL, so ``/\\evil.example``
    and ``/%2F/evil.example`` would be open redirects. Only a path of this site passes: it starts
    with one ``/``, and neither it nor its percent-decoded forms hold a backslash, a second
    leading slash, a scheme or host, or a control character.
    """
    if not value or len(value) > 2000:
        return default
    seen = value
    for _ in range(3):  # decoded up to three times: %252F%252F is %2F%2F is //
        if not seen.startswith("/") or seen.startswith("//") or "\\" in seen:
            return default
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in seen):
            return default
        parts = urlsplit(seen)
        if parts.scheme or parts.netloc:
            return default
        decoded = unquote(seen)
        if decoded == seen:
            return value
        seen = decoded
    return default


def _back_to_login(code: str) -> web.HTTPFound:
    resp = web.HTTPFound(f"/login?error={code}")
    resp.del_cookie(FLOW_COOKIE, path="/api/v1/auth/oidc")
    return resp


async def status(request: web.Request) -> web.Response:
    """``GET /api/v1/auth/oidc``: whether the log-in page shows the button."""
    on = configured(request.app[SETTINGS])
    return web.json_response({"enabled": on, "start_url": "/api/v1/auth/oidc/start" if on else None})


async def start(request: web.Request) -> web.StreamResponse:
    settings: Settings = request.app[SETTINGS]
    if not configured(settings):
        return web.json_response({"error": {"code": "oidc_off", "message": "Inloggen met een gemeente-account staat uit."}}, status=404)
    try:
        meta = await _provider(request).metadata()
    except OidcError as exc:
        log.warning("oidc provider unavailable", extra={"reason": str(exc)})
        raise _back_to_login("provider_unavailable") from None
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    await request.app[DB].oidc_flows.insert_one({
        "_id": state, "nonce": nonce, "verifier": verifier, "next": safe_next(request.query.get("next")),
        "expires_at": utcnow() + FLOW_TTL,
    })
    query = urlencode({
        "response_type": "code", "client_id": settings.oidc_client_id, "redirect_uri": _redirect_uri(settings),
        "scope": settings.oidc_scopes, "state": state, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256",
    })
    resp = web.HTTPFound(f"{meta['authorization_endpoint']}?{query}")
    resp.set_cookie(FLOW_COOKIE, state, httponly=True, samesite="Lax", max_age=int(FLOW_TTL.total_seconds()),
                    path="/api/v1/auth/oidc", secure=settings.cookies_secure)
    raise resp


async def _exchange(request: web.Request, code: str, verifier: str) -> str:
    settings: Settings = request.app[SETTINGS]
    meta = await _provider(request).metadata()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": _redirect_uri(settings),
            "client_id": str(settings.oidc_client_id), "code_verifier": verifier}
    auth = aiohttp.BasicAuth(str(settings.oidc_client_id), settings.oidc_client_secret) if settings.oidc_client_secret else None
    try:
        async with request.app[HTTP].post(meta["token_endpoint"], data=form, auth=auth,
                                            timeout=aiohttp.ClientTimeout(total=10)) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200 or not isinstance(body, dict) or "id_token" not in body:
                raise OidcError("token_refused", f"token endpoint answered {resp.status}")
            return str(body["id_token"])
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise OidcError("provider_unavailable", type(exc).__name__) from exc


async def verify_id_token(provider: Provider, settings: Settings, token: str, nonce: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
        key = await provider.key_for(header.get("kid"))
        claims = jwt.decode(
            token, key, algorithms=ALGORITHMS, audience=settings.oidc_client_id,
            issuer=(await provider.metadata())["issuer"], leeway=LEEWAY_S,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        raise OidcError("id_token_invalid", type(exc).__name__) from exc
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise OidcError("id_token_invalid", "nonce mismatch")
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise OidcError("id_token_invalid", "azp")
    return claims


def roles_from(claims: dict[str, Any], settings: Settings) -> list[str]:
    value = claims.get(settings.oidc_roles_claim) or []
    values = [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []
    return [r for r in ROLES if r in {settings.oidc_role_map.get(v) for v in values}]


async def callback(request: web.Request) -> web.StreamResponse:
    settings: Settings = request.app[SETTINGS]
    db = request.app[DB]
    if not configured(settings):
        raise _back_to_login("oidc_off")
    state = request.query.get("state", "")
    if request.query.get("error"):
        log.info("oidc log-in refused by the provider", extra={"error": request.query.get("error")[:64]})
        await db.oidc_flows.delete_one({"_id": state})
        raise _back_to_login("provider_refused")
    # the flow is used once, by the browser that started it, within its time
    flow = await db.oidc_flows.find_one_and_delete({"_id": state}) if state else None
    if not flow or request.cookies.get(FLOW_COOKIE) != state or flow["expires_at"] < utcnow():
        raise _back_to_login("state_invalid")
    try:
        token = await _exchange(request, request.query.get("code", ""), flow["verifier"])
        claims = await verify_id_token(_provider(request), settings, token, flow["nonce"])
    except OidcError as exc:
        log.warning("oidc log-in failed", extra={"reason": str(exc)})
        raise _back_to_login(exc.code) from None
    roles = roles_from(claims, settings)
    if not roles:
        log.info("oidc log-in without a mapped role", extra={"sub": str(claims["sub"])[:64]})
        raise _back_to_login("no_role")
    username = f"oidc:{claims['sub']}"
    existing = await db.staff.find_one({"_id": username}, {"active": 1})
    if existing and existing.get("active") is False:
        raise _back_to_login("deactivated")
    name = claims.get("name") or claims.get("preferred_username") or username
    await db.staff.update_one(
        {"_id": username},
        {"$set": {"roles": roles, "name": name, "via": "oidc", "email": claims.get("email"), "last_login_at": utcnow()},
         "$setOnInsert": {"active": True, "rights": [], "team": None, "department": None, "created_at": utcnow()}},
        upsert=True,
    )
    user = await db.staff.find_one({"_id": username})
    resp = web.HTTPFound(flow["next"])
    resp.del_cookie(FLOW_COOKIE, path="/api/v1/auth/oidc")
    await new_session(request, resp, user, via="oidc")
    log.info("oidc log-in", extra={"username": username})
    raise resp


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/auth/oidc", status),
        web.get("/api/v1/auth/oidc/start", start),
        web.get("/api/v1/auth/oidc/callback", callback),
    ]
