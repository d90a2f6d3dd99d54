"""A local OpenID Connect provider for tests: the municipality's log-in (Keycloak, Entra ID, ...).

Follows OpenID Connect Core 1.0 and Discovery 1.0 for the authorization code flow with PKCE
(RFC 7636): ``/.well-known/openid-configuration``, ``/authorize`` (the user of
``provider.user`` is logged in at once and sent back with a one-time code), ``/token``
(client authentication ``client_secret_basic`` or ``client_secret_post``, code verifier
checked against the S256 challenge, redirect URI must match) and ``/jwks``; ID tokens are
RS256-signed with a key id.

``provider.tamper`` makes the next ID tokens wrong on purpose, to show the hub refuses them:
``nonce`` (another nonce), ``signature`` (signed with a key that is not in the JWKS, same
key id), ``expired`` (exp in the past), ``audience`` (another client), ``issuer``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "kcc-hub-test"
CLIENT_SECRET = "test-oidc-client-secret"
KEY_ID = "test-key-1"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Provider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    user: dict[str, Any] = field(default_factory=lambda: {
        "sub": "u-1001", "name": "Petra de Gemeente", "preferred_username": "p.gemeente",
        "email": "p.gemeente@lindewaard.nl", "groups": ["kcc-medewerkers"],
    })
    tamper: str | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            **self.user, "iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "auth_time": now,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        key = _KEY
        if self.tamper == "nonce":
            claims["nonce"] = "not-the-nonce-of-this-flow"
        elif self.tamper == "signature":
            key = _OTHER_KEY
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 600
        elif self.tamper == "audience":
            claims["aud"] = "another-client"
        elif self.tamper == "issuer":
            claims["iss"] = "https://evil.example"
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


def _error(status: int, code: str, description: str) -> web.Response:
    return web.json_response({"error": code, "error_description": description}, status=status)


def create_app(provider: Provider) -> web.Application:
    app = web.Application()

    async def discovery(request: web.Request) -> web.Response:
        base = provider.issuer
        return web.json_response({
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
        })

    async def jwks(request: web.Request) -> web.Response:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(_KEY.public_key(), as_dict=True)
        return web.json_response({"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]})

    async def authorize(request: web.Request) -> web.StreamResponse:
        q = request.query
        if q.get("client_id") != provider.client_id or not q.get("redirect_uri"):
            return _error(400, "invalid_request", "unknown client or no redirect_uri")  # never redirect then
        redirect = q["redirect_uri"]

        def back(**params: str) -> web.HTTPFound:
            return web.HTTPFound(f"{redirect}?{urlencode({**params, 'state': q.get('state', '')})}")

        if q.get("response_type") != "code" or "openid" not in q.get("scope", "").split():
            raise back(error="invalid_request")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            raise back(error="invalid_request", error_description="PKCE S256 required")
        code = secrets.token_urlsafe(24)
        provider.codes[code] = {"redirect_uri": redirect, "challenge": q["code_challenge"], "nonce": q.get("nonce"),
                                "at": time.monotonic()}
        raise back(code=code)

    async def token(request: web.Request) -> web.Response:
        form = dict(await request.post())
        provider.token_requests.append({k: v for k, v in form.items() if isinstance(v, str)})
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        if client_id != provider.client_id or secret != provider.client_secret:
            return _error(401, "invalid_client", "client authentication failed")
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "authorization_code only")
        grant = provider.codes.pop(str(form.get("code", "")), None)  # a code works once
        if grant is None or time.monotonic() - grant["at"] > 60:
            return _error(400, "invalid_grant", "unknown, used or expired code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _error(400, "invalid_grant", "redirect_uri differs")
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return _error(400, "invalid_grant", "PKCE verification failed")
        return web.json_response({
            "access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
            "id_token": provider.id_token(grant["nonce"]),
        }, headers={"Cache-Control": "no-store"})

    app.router.add_get("/.well-known/openid-configuration", discovery)
    app.router.add_get("/jwks", jwks)
    app.router.add_get("/authorize", authorize)
    app.router.add_post("/token", token)
    return app
