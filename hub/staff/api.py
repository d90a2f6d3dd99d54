"""Staff management for administrators: ``/api/v1/admin/staff``.

``GET`` lists accounts, ``POST`` creates one (``username``, ``password``, ``roles``, ``name``,
``team``, ``department``, ``rights``), ``PATCH /api/v1/admin/staff/{username}`` changes roles,
rights, team, department, name, a new password or ``active`` (false deactivates: the
account cannot log in and its sessions end at once). Accounts are never deleted: audit
entries name them. ``kcc staff add/list/deactivate`` does the same from the command line.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, field_validator

from hub.core.appkeys import DB
from hub.core.http import BodyError, json_error, parse
from hub.staff import auth

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


def _check_roles(roles: list[str] | None) -> list[str] | None:
    if roles is not None:
        unknown = sorted(set(roles) - set(auth.ROLES))
        if unknown:
            raise ValueError(f"unknown roles: {unknown}; allowed: {list(auth.ROLES)}")
    return roles


class NewStaff(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=auth.MIN_PASSWORD, max_length=256)
    roles: list[str] = Field(min_length=1)
    name: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=64)
    department: str | None = Field(None, max_length=100)
    rights: list[str] = Field([], max_length=20)

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        value = value.strip().lower()
        if not USERNAME.match(value):
            raise ValueError("use lowercase letters, digits and . _ @ -")
        return value

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str] | None) -> list[str] | None:
        return _check_roles(value)


class StaffChange(BaseModel):
    roles: list[str] | None = None
    name: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=64)
    department: str | None = Field(None, max_length=100)
    rights: list[str] | None = Field(None, max_length=20)
    active: bool | None = None
    password: str | None = Field(None, min_length=auth.MIN_PASSWORD, max_length=256)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str] | None) -> list[str] | None:
        return _check_roles(value)


def view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": doc["_id"], "name": doc.get("name"), "roles": doc.get("roles", []), "rights": doc.get("rights", []),
        "team": doc.get("team"), "department": doc.get("department"), "active": doc.get("active", True),
        "via": doc.get("via", "password"),
        "created_at": doc["created_at"].isoformat() if doc.get("created_at") else None,
    }


async def list_staff(db: AsyncIOMotorDatabase) -> list[dict[str, Any]]:
    return [view(d) async for d in db.staff.find({}, {"password_hash": 0}).sort("_id", 1)]


async def change(db: AsyncIOMotorDatabase, username: str, body: StaffChange) -> dict[str, Any] | None:
    fields = body.model_dump(exclude_unset=True, exclude={"password"})
    if fields:
        res = await db.staff.update_one({"_id": username}, {"$set": fields})
        if not res.matched_count:
            return None
    if body.password:
        await auth.set_password(db, username, body.password)
    if body.active is False or body.password or body.roles is not None:
        await auth.end_sessions(db, username)  # new rights or a lost account take effect at once
    doc = await db.staff.find_one({"_id": username}, {"password_hash": 0})
    return view(doc) if doc else None


@auth.require_role("admin")
async def get_staff(request: web.Request) -> web.Response:
    return web.json_response({"staff": await list_staff(request.app[DB])})


@auth.require_role("admin")
async def create(request: web.Request) -> web.Response:
    try:
        body = await parse(request, NewStaff)
    except BodyError as exc:
        return exc.response
    db = request.app[DB]
    if await db.staff.find_one({"_id": body.username}, {"_id": 1}):
        return json_error(409, "username_taken", "Deze gebruikersnaam bestaat al.")
    await auth.create_staff(db, body.username, body.password, body.roles, name=body.name, team=body.team,
                            rights=body.rights, department=body.department)
    return web.json_response(view(await db.staff.find_one({"_id": body.username})), status=201)


@auth.require_role("admin")
async def update(request: web.Request) -> web.Response:
    try:
        body = await parse(request, StaffChange)
    except BodyError as exc:
        return exc.response
    username = request.match_info["username"]
    if username == request["staff"]["_id"] and (body.active is False or (body.roles is not None and "admin" not in body.roles)):
        return json_error(409, "own_account", "U kunt uw eigen beheerrechten niet afnemen. Vraag een andere beheerder.")
    found = await change(request.app[DB], username, body)
    if found is None:
        return json_error(404, "unknown_staff", "Deze medewerker bestaat niet.")
    return web.json_response(found)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/admin/staff", get_staff),
        web.post("/api/v1/admin/staff", create),
        web.patch("/api/v1/admin/staff/{username}", update),
    ]
