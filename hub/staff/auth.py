"""Staff accounts, password log-in (argon2), server-side sessions, roles, rights and CSRF.

Roles: ``agent``, ``editor``, ``supervisor``, ``specialist``, ``admin`` (admin passes every role check).
A ``specialist`` works in a backoffice team (the account's ``team``, e.g. ``belastingen``): the
KCC consults them or transfers a live conversation to them (``handover.specialists``); they see
only what was asked of them or their team.
Rights (``sociaal_domein``, ``privacy``, ``knowledge.publish``) are granted by name on the account or held through
a role (``RIGHTS_BY_ROLE``; an admin holds every right). ``has_role`` and ``has_right`` are
the one rights check of the hub; ``require_role`` guards a handler with ``has_role``.
A session is a random token in an HttpOnly cookie; unsafe methods must echo the
session's CSRF token in the ``X-CSRF-Token`` header. A session ends
``KCC_SESSION_TTL_HOURS`` after log-in, or after ``KCC_SESSION_IDLE_MINUTES`` without a
request. After ``KCC_LOGIN_MAX_FAILURES`` wrong passwords for one username, log-in answers
429 (with Retry-After) for ``KCC_LOGIN_LOCKOUT_S`` seconds, whether or not the user exists.
The demo accounts are made only when ``KCC_DEMO`` is on.
"""

from __future__ import annotations

import json
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

from hub.core.appkeys import DB, SETTINGS
from hub.core.http import json_error
from hub.core.models import utcnow

log = logging.getLogger(__name__)

ROLES = ("agent", "editor", "supervisor", "specialist", "admin")
SOCIAL_DOMAIN = "sociaal_domein"  # need-to-know: what social-domain and confidential conversations and cases are about
PRIVACY = "privacy"  # the resident's rights: export and erasure of a contact (the privacy officer)
PUBLISH_KNOWLEDGE = "knowledge.publish"  # make an article's draft live (others submit it for review)
# Rights a role brings without being granted by name (an admin holds every right).
RIGHTS_BY_ROLE: dict[str, frozenset[str]] = {"supervisor": frozenset({SOCIAL_DOMAIN})}
COOKIE = "kcc_session"
SEEN_EVERY = timedelta(seconds=30)  # an active session's idle clock is written at most this often
MIN_PASSWORD = 12
_hasher = PasswordHasher()

DEMO_ACCOUNTS = [
    # username, password, roles, display name, team
    ("agent", "agent-demo", ["agent"], "Demo KCC-medewerker", "kcc"),
    ("editor", "editor-demo", ["editor"], "Demo redacteur", None),
    ("supervisor", "supervisor-demo", ["supervisor", "agent"], "Demo teamleider", "kcc"),
    ("specialist", "specialist-demo", ["specialist"], "Demo specialist", "belastingen"),
    ("admin", "admin-demo", ["admin"], "Demo beheerder", None),
]
# username -> department: what a resident sees in "who has looked at my data" (never a name)
# username -> rights granted by name (the demo editor is the final editor: publishes and reviews)
DEMO_RIGHTS = {"editor": [PUBLISH_KNOWLEDGE]}
DEMO_DEPARTMENTS = {
    "agent": "KCC", "editor": "Communicatie", "supervisor": "KCC", "specialist": "Belastingen", "admin": "Informatievoorziening",
}

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
    department: str | None = None,
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
                "department": department,
                "active": True,
            },
            "$setOnInsert": {"created_at": utcnow()},
        },
        upsert=True,
    )


async def ensure_demo_accounts(db: AsyncIOMotorDatabase) -> None:
    for username, password, roles, name, team in DEMO_ACCOUNTS:
        if not await db.staff.find_one({"_id": username}, {"_id": 1}):
            await create_staff(db, username, password, roles, name=name, team=team, department=DEMO_DEPARTMENTS.get(username),
                               rights=DEMO_RIGHTS.get(username))


async def verify(db: AsyncIOMotorDatabase, username: str, password: str) -> dict[str, Any] | None:
    user = await db.staff.find_one({"_id": username, "active": True})
    if not user:
        _hasher.hash(password)  # same work whether or not the user exists
        return None
    try:
        _hasher.verify(user.get("password_hash") or "", password)  # accounts of the OIDC provider have none
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


class PasswordBody(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_PASSWORD, max_length=256)


async def _locked_for(db: AsyncIOMotorDatabase, username: str) -> int:
    """Seconds until ``username`` may try again (0 = now)."""
    doc = await db.login_failures.find_one({"_id": username.lower()}, {"locked_until": 1})
    until = (doc or {}).get("locked_until")
    return max(0, int((until - utcnow()).total_seconds()) + 1) if until and until > utcnow() else 0


async def _failed(db: AsyncIOMotorDatabase, username: str, settings: Any) -> None:
    await db.login_failures.update_one({"_id": username.lower()}, {"$inc": {"count": 1}, "$set": {"last_at": utcnow()}}, upsert=True)
    doc = await db.login_failures.find_one({"_id": username.lower()})
    if doc is not None and doc.get("count", 0) >= settings.login_max_failures:
        await db.login_failures.update_one(
            {"_id": username.lower()},
            {"$set": {"count": 0, "locked_until": utcnow() + timedelta(seconds=settings.login_lockout_s)}},
        )


async def new_session(request: web.Request, resp: web.StreamResponse, user: dict[str, Any], via: str = "password") -> str:
    """Start a session for ``user``: stored, its cookie set on ``resp``; returns the CSRF token.

    The cookie is ``SameSite=Strict``; after a log-in at the municipality's provider it is
    ``Lax`` (the browser arrives from the provider's site; unsafe requests still need the token).
    """
    db: AsyncIOMotorDatabase = request.app[DB]
    ttl = timedelta(hours=request.app[SETTINGS].session_ttl_hours)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = utcnow()
    await db.sessions.insert_one(
        {"_id": token, "username": user["_id"], "csrf": csrf, "created_at": now, "last_seen_at": now,
         "expires_at": now + ttl, "via": via}
    )
    resp.set_cookie(COOKIE, token, httponly=True, samesite="Lax" if via == "oidc" else "Strict",
                    max_age=int(ttl.total_seconds()), path="/", secure=request.app[SETTINGS].cookies_secure)
    return csrf


async def login(request: web.Request) -> web.Response:
    db: AsyncIOMotorDatabase = request.app[DB]
    settings = request.app[SETTINGS]
    try:
        body = LoginBody.model_validate(await request.json())
    except (ValueError, ValidationError):
        return json_error(400, "invalid_login", "Vul gebruikersnaam en wachtwoord in.")
    wait = await _locked_for(db, body.username)
    if wait:
        return json_error(429, "too_many_attempts", f"Te vaak een verkeerd wachtwoord. Probeer het over {wait} seconden opnieuw.",
                      headers={"Retry-After": str(wait)})
    user = await verify(db, body.username, body.password)
    if not user:
        log.info("login failed")
        await _failed(db, body.username, settings)
        return json_error(401, "bad_credentials", "Gebruikersnaam of wachtwoord klopt niet.")
    await db.login_failures.delete_one({"_id": body.username.lower()})
    resp = web.json_response({"username": user["_id"], "name": user.get("name"), "roles": user["roles"]})
    csrf = await new_session(request, resp, user)
    resp.text = json.dumps({"username": user["_id"], "name": user.get("name"), "roles": user["roles"], "csrf_token": csrf})
    return resp


async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(COOKIE)
    if token:
        session = await request.app[DB].sessions.find_one({"_id": token}, {"csrf": 1})
        if session and request.headers.get("X-CSRF-Token") != session["csrf"]:
            return json_error(403, "csrf", "Sessie verlopen. Laad de pagina opnieuw.")
        await request.app[DB].sessions.delete_one({"_id": token})
    resp = web.json_response({"ok": True})
    resp.del_cookie(COOKIE)
    return resp


async def set_password(db: AsyncIOMotorDatabase, username: str, password: str) -> None:
    await db.staff.update_one({"_id": username}, {"$set": {"password_hash": _hasher.hash(password), "password_changed_at": utcnow()}})


async def end_sessions(db: AsyncIOMotorDatabase, username: str, keep: str | None = None) -> int:
    """End a staff member's sessions (all but ``keep``)."""
    return (await db.sessions.delete_many({"username": username, "_id": {"$ne": keep}})).deleted_count


async def current_staff(request: web.Request, touch: bool = True) -> dict[str, Any] | None:
    """The logged-in staff member, or None. ``touch=False`` checks without counting as activity
    (an open console socket re-checking its session)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    db: AsyncIOMotorDatabase = request.app[DB]
    session = await db.sessions.find_one({"_id": token})
    if not session:
        return None
    now = utcnow()
    idle = timedelta(minutes=request.app[SETTINGS].session_idle_minutes)
    last = session.get("last_seen_at") or session["created_at"]
    if session["expires_at"] < now or last + idle < now:
        await db.sessions.delete_one({"_id": token})
        return None
    if touch and now - last > SEEN_EVERY:
        await db.sessions.update_one({"_id": token}, {"$set": {"last_seen_at": now}})
    user = await db.staff.find_one({"_id": session["username"], "active": True}, {"password_hash": 0})
    if not user:
        return None
    return {**user, "csrf": session["csrf"]}


async def me(request: web.Request) -> web.Response:
    staff = await current_staff(request)
    if not staff:
        return web.json_response({"error": {"code": "not_logged_in", "message": "Log eerst in."}}, status=401)
    return web.json_response(
        {"username": staff["_id"], "name": staff.get("name"), "roles": staff["roles"], "team": staff.get("team"), "department": staff.get("department"), "csrf_token": staff["csrf"]}
    )


def has_role(staff: dict[str, Any], *roles: str) -> bool:
    """Whether the staff member has one of ``roles`` (an admin passes every role check)."""
    held = set(staff.get("roles") or [])
    return "admin" in held or bool(held & set(roles))


def staff_name(request: web.Request) -> str:
    """The username of the staff member of this request (set by ``require_role``)."""
    return str(request["staff"]["_id"])


def has_right(staff: dict[str, Any], right: str) -> bool:
    """Whether the staff member holds ``right``: granted by name, through a role (``RIGHTS_BY_ROLE``), or as admin."""
    roles = staff.get("roles") or []
    if "admin" in roles or right in (staff.get("rights") or []):
        return True
    return any(right in RIGHTS_BY_ROLE.get(role, ()) for role in roles)


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
            if not has_role(staff, *roles):
                return web.json_response({"error": {"code": "forbidden", "message": "U heeft geen toegang tot deze functie."}}, status=403)
            if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get("X-CSRF-Token") != staff["csrf"]:
                return web.json_response({"error": {"code": "csrf", "message": "Sessie verlopen. Laad de pagina opnieuw."}}, status=403)
            request["staff"] = staff
            return await handler(request)

        return inner

    return wrap


async def change_password(request: web.Request) -> web.Response:
    """``POST /api/v1/auth/password``: the logged-in staff member's own password; other sessions end."""
    staff = request["staff"]
    try:
        body = PasswordBody.model_validate(await request.json())
    except (ValueError, ValidationError):
        return json_error(422, "invalid_password", f"Het nieuwe wachtwoord moet minstens {MIN_PASSWORD} tekens hebben.")
    db: AsyncIOMotorDatabase = request.app[DB]
    if not await verify(db, staff["_id"], body.current_password):
        return json_error(403, "bad_credentials", "Uw huidige wachtwoord klopt niet.")
    await set_password(db, staff["_id"], body.new_password)
    ended = await end_sessions(db, staff["_id"], keep=request.cookies.get(COOKIE))
    return web.json_response({"ok": True, "other_sessions_ended": ended})


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/v1/auth/login", login),
        web.post("/api/v1/auth/logout", logout),
        web.get("/api/v1/auth/me", me),
        web.post("/api/v1/auth/password", require_role(*ROLES)(change_password)),
    ]
