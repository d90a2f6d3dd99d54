"""Staff management: the admin API (/api/v1/admin/staff) and ``kcc staff add/list/deactivate``."""

from __future__ import annotations

import subprocess
import sys
import uuid

import aiohttp

from hub.core.settings import ROOT
from tests.contacts.staff import logged_in

PASSWORD = "nieuw-account-wachtwoord"


async def login(stack, username: str, password: str = PASSWORD) -> tuple[int, dict, aiohttp.ClientSession]:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.post(f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": password}) as resp:
        return resp.status, await resp.json(), http


async def test_admin_manages_staff(stack, db):
    username = f"new-{uuid.uuid4().hex[:6]}"
    async with logged_in(stack, db, ["admin"]) as admin:
        status, body = await admin.post("/api/v1/admin/staff", {
            "username": username, "password": PASSWORD, "roles": ["agent"], "name": "Nieuwe Collega",
            "team": "kcc", "department": "KCC", "rights": ["sociaal_domein"],
        })
        assert status == 201, body
        assert body == {**body, "username": username, "roles": ["agent"], "rights": ["sociaal_domein"], "active": True}
        assert "password_hash" not in body
        status, body = await admin.post("/api/v1/admin/staff", {"username": username, "password": PASSWORD, "roles": ["agent"]})
        assert status == 409 and body["error"]["code"] == "username_taken"
        status, body = await admin.post("/api/v1/admin/staff", {"username": "x" + username, "password": PASSWORD, "roles": ["baas"]})
        assert status == 422 and body["error"]["fields"] == ["roles"]
        status, body = await admin.post("/api/v1/admin/staff", {"username": "y" + username, "password": "kort", "roles": ["agent"]})
        assert status == 422 and body["error"]["fields"] == ["password"]
        status, body = await admin.get("/api/v1/admin/staff")
        mine = next(s for s in body["staff"] if s["username"] == username)
        assert mine["department"] == "KCC" and all("password_hash" not in s for s in body["staff"])

        status, me, http = await login(stack, username)
        assert status == 200 and me["roles"] == ["agent"]
        # new roles: the running session ends so the new rights apply at once
        async with admin.session.patch(f"{stack.hub_url}/api/v1/admin/staff/{username}", json={"roles": ["agent", "editor"], "team": "burgerzaken"},
                                       headers={"X-CSRF-Token": admin.csrf}) as resp:
            body = await resp.json()
            assert resp.status == 200 and body["roles"] == ["agent", "editor"] and body["team"] == "burgerzaken"
        async with http.get(f"{stack.hub_url}/api/v1/auth/me") as resp:
            assert resp.status == 401
        await http.close()
        # deactivated: no log-in any more; the account stays (the audit log names it)
        async with admin.session.patch(f"{stack.hub_url}/api/v1/admin/staff/{username}", json={"active": False},
                                       headers={"X-CSRF-Token": admin.csrf}) as resp:
            assert resp.status == 200 and (await resp.json())["active"] is False
        status, body, http = await login(stack, username)
        await http.close()
        assert status == 401
        assert await db.staff.find_one({"_id": username})
        async with admin.session.patch(f"{stack.hub_url}/api/v1/admin/staff/nobody-{username}", json={"active": True},
                                       headers={"X-CSRF-Token": admin.csrf}) as resp:
            assert resp.status == 404
        async with admin.session.patch(f"{stack.hub_url}/api/v1/admin/staff/{admin.username}", json={"active": False},
                                       headers={"X-CSRF-Token": admin.csrf}) as resp:
            assert resp.status == 409 and (await resp.json())["error"]["code"] == "own_account"
    async with logged_in(stack, db, ["supervisor"]) as boss:
        status, body = await boss.get("/api/v1/admin/staff")
        assert status == 403
        status, body = await boss.post("/api/v1/admin/staff", {"username": "z" + username, "password": PASSWORD, "roles": ["admin"]})
        assert status == 403


def kcc(stack, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub.cli.main", *args], cwd=ROOT, env={**stack.env(), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, input=stdin, timeout=120, check=False)


async def test_staff_cli(stack, db):
    username = f"cli-{uuid.uuid4().hex[:6]}"
    for cmd in (["staff", "--help"], ["staff", "add", "--help"], ["privacy", "--help"], ["privacy", "erase", "--help"]):
        done = kcc(stack, *cmd)
        assert done.returncode == 0 and "usage: kcc" in done.stdout, cmd
    done = kcc(stack, "staff", "add", username, "--role", "agent", "--role", "supervisor", "--team", "kcc",
               "--department", "KCC", "--right", "privacy", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    doc = await db.staff.find_one({"_id": username})
    assert doc["roles"] == ["agent", "supervisor"] and doc["rights"] == ["privacy"] and doc["department"] == "KCC"
    status, body, http = await login(stack, username)
    await http.close()
    assert status == 200
    done = kcc(stack, "staff", "list")
    line = next(line for line in done.stdout.splitlines() if line.startswith(username))
    assert "agent,supervisor" in line and "active" in line
    assert kcc(stack, "staff", "add", "x" + username, "--role", "baas", "--password-stdin", stdin=PASSWORD + "\n").returncode == 2
    assert kcc(stack, "staff", "add", "y" + username, "--role", "agent", "--password-stdin", stdin="kort\n").returncode == 2
    done = kcc(stack, "staff", "deactivate", username)
    assert done.returncode == 0, done.stderr
    status, body, http = await login(stack, username)
    await http.close()
    assert status == 401
    assert kcc(stack, "staff", "deactivate", "nobody-" + username).returncode == 1
