"""Staff accounts, password log-in (argon2), server-side sessions, roles and CSRF.

Roles: ``agent``, ``editor``, ``supervisor``, ``admin`` (admin passes every role check).
A session is a random token in an HttpOnly cookie; unsafe methods must echo the
session's CSRF token in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, ValidationError

from hub.models import utcnow

log = logging.getLogger(__name__)

ROLES = ("agent", "editor", "supervisor", "admin")
COOKIE = "kcc_session"
SESSION_TTL = timedelta(hours=9)
_hasher = PasswordHasher()

DEMO_ACCOUNTS = [
    # username, password, roles, display name, team
    ("agent", "agent-demo", ["agent"], "Demo KCC-medewerker", "kcc"),
    ("editor", "editor-demo", ["editor"], "Demo redacteur", None),
    ("supervisor", "supervisor-demo", ["supervisor", "agent"], "Demo teamleider", "kcc"),
    ("admin", "admin-demo", ["admin"], "Demo beheerder", None),
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


async def create_staff(
    db: AsyncIOMotorDatabase,
    username: str,
    password: str,
    roles: list[str],
    name: str | None = None,
    team: str | None = None,
    rights: list[str] | None = None,
) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    await db.staff.update_one(
        {"_id": username},
        {
            "$set": {
                "password_hash": _hasher.hash(password),
                "roles": roles,
                "name": name or username,
                "team": team,
                "rights": rights or [],
                "active": True,
            },
            "$setOnInsert": {"created_at": utcnow()},
        },
        upsert=True,
    )


async def ensure_demo_accounts(db: AsyncIOMotorDatabase) -> None:
    for username, password, roles, name, team in DEMO_ACCOUNTS:
        if not await db.staff.find_one({"_id": username}, {"_id": 1}):
            await create_staff(db, username, password, roles, name=name, team=team)


async def verify(db: AsyncIOMotorDatabase, username: str, password: str) -> dict[str, Any] | None:
    user = await db.staff.find_one({"_id": username, "active": True})
    if not user:
        _hasher.hash(password)  # same work whether or not the user exists
        return None
    try:
        _hasher.verify(user["password_hash"], password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


async def login(request: web.Request) -> web.Response:
    db: AsyncIOMotorDatabase = request.app["db"]
    try:
        body = LoginBody.model_validate(await request.json())
    except (ValueError, ValidationError):
        return web.json_response({"error": {"code": "invalid_login", "message": "Vul gebruikersnaam en wachtwoord in."}}, status=400)
    user = await verify(db, body.username, body.password)
    if not user:
        log.info("login failed")
        return web.json_response({"error": {"code": "bad_credentials", "message": "Gebruikersnaam of wachtwoord klopt niet."}}, status=401)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = utcnow()
    await db.sessions.insert_one(
        {"_id": token, "username": user["_id"], "csrf": csrf, "created_at": now, "expires_at": now + SESSION_TTL}
    )
    resp = web.json_response(
        {"username": user["_id"], "name": user.get("name"), "roles": user["roles"], "csrf_token": csrf}
    )
    resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict", max_age=int(SESSION_TTL.total_seconds()))
    return resp


async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(COOKIE)
    if token:
        await request.app["db"].sessions.delete_one({"_id": token})
    resp = web.json_response({"ok": True})
    resp.del_cookie(COOKIE)
    return resp


async def current_staff(request: web.Request) -> dict[str, Any] | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    db: AsyncIOMotorDatabase = request.app["db"]
    session = await db.sessions.find_one({"_id": token})
    if not session or session["expires_at"] < utcnow():
        return None
    user = await db.staff.find_one({"_id": session["username"], "active": True}, {"password_hash": 0})
    if not user:
        return None
    return {**user, "csrf": session["csrf"]}


async def me(request: web.Request) -> web.Response:
    staff = await current_staff(request)
    if not staff:
        return web.json_response({"error": {"code": "not_logged_in", "message": "Log eerst in."}}, status=401)
    return web.json_response(
        {"username": staff["_id"], "name": staff.get("name"), "roles": staff["roles"], "team": staff.get("team"), "csrf_token": staff["csrf"]}
    )


def has_role(staff: dict[str, Any], roles: tuple[str, ...]) -> bool:
    return "admin" in staff["roles"] or bool(set(staff["roles"]) & set(roles))


def require_role(*roles: str, page: bool = False) -> Callable[[Handler], Handler]:
    """Decorator for handlers: 401 when not logged in, 403 without the role, 403 on a bad CSRF token.

    With ``page=True`` an anonymous visitor is redirected to the log-in page instead.
    The staff member is put in ``request["staff"]``.
    """

    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def inner(request: web.Request) -> web.StreamResponse:
            staff = await current_staff(request)
            if not staff:
                if page:
                    raise web.HTTPFound(f"/login?next={request.path}")
                return web.json_response({"error": {"code": "not_logged_in", "message": "Log eerst in."}}, status=401)
            if not has_role(staff, roles):
                return web.json_response({"error": {"code": "forbidden", "message": "U heeft geen toegang tot deze functie."}}, status=403)
            if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get("X-CSRF-Token") != staff["csrf"]:
                return web.json_response({"error": {"code": "csrf", "message": "Sessie verlopen. Laad de pagina opnieuw."}}, status=403)
            request["staff"] = staff
            return await handler(request)

        return inner

    return wrap


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/v1/auth/login", login),
        web.post("/api/v1/auth/logout", logout),
        web.get("/api/v1/auth/me", me),
    ]
