"""The audit log: append-only, and every staff read, export and merge is in it (who, when, what, why)."""

from __future__ import annotations

import re
import typing
import uuid
from pathlib import Path

from hub.core.settings import ROOT
from hub.privacy import audit
from hub.staff.auth import DEMO_ACCOUNTS, create_staff, ensure_demo_accounts
from tests.polling import eventually
from tests.privacy.conftest import random_bsn
from tests.webchat_client import say

CODE_DIRS = ("hub", "handover", "channels", "knowledge", "connectors", "bot", "bench", "scripts")
# Any write or drop on the audit collection: db.audit.<write>, db["audit"], get_collection("audit")
WRITE = re.compile(
    r"\baudit\s*\.\s*(insert|update|delete|replace|find_one_and|bulk_write|drop|rename|remove|save)\w*"
    r"|\[\s*['\"]audit['\"]\s*\]|collection\(\s*['\"]audit['\"]"
)


def test_nothing_but_hub_audit_writes_the_audit_collection():
    offenders = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in WRITE.finditer(text):
                if path != ROOT / "hub" / "privacy" / "audit.py":
                    offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []
    own = Path(ROOT / "hub" / "privacy" / "audit.py").read_text()
    writes = {m.group(1) for m in WRITE.finditer(own) if m.group(1)}
    assert writes == {"insert"}, writes  # hub/privacy/audit.py itself only inserts (insert_one / insert_many)


def test_the_privacy_actions_are_known():
    actions = set(typing.get_args(audit.Action))
    assert {"contact.export", "contact.erase", "retention.run", "conversation.read", "stats.export"} <= actions
    entry = audit.AuditEntry(actor="system:retention", action="retention.run", detail={"dry_run": True})
    assert entry.reason == audit.DEFAULT_REASON


async def test_entries_are_appended_never_changed(stack, http, db, session_id, staff_login):
    """Reads add entries; earlier ones stay exactly as written, also through a merge of contacts."""
    agent = await staff_login()
    body = await say(http, stack, session_id, "hallo")
    conv = await db.conversations.find_one({"_id": body["conversation_id"]})
    source = conv["contact_id"]
    status, _ = await agent.call("GET", f"/api/v1/contacts/{source}", params={"reason": "inwoner belt"})
    assert status == 200
    before = await db.audit.find({"contact_id": source}).to_list(None)
    assert [(e["actor"], e["action"], e["reason"]) for e in before] == [(agent.username, "contact.read", "inwoner belt")]

    status, target = await agent.call("POST", "/api/v1/contacts", json={"bsn": random_bsn(), "name": "Test Persoon"})
    assert status == 201
    status, merged = await agent.call(
        "POST", f"/api/v1/contacts/{target['id']}/merge", json={"source_id": source, "reason": "zelfde persoon"}
    )
    assert status == 200, merged
    after = await db.audit.find({"contact_id": source}).sort("at", 1).to_list(None)
    assert after[0] == before[0]  # unchanged, still naming the contact it was about
    assert [e["action"] for e in after[1:]] == ["contact.merge"]
    merge_entries = await db.audit.find({"action": "contact.merge", "detail.merge_id": merged["merge_id"]}).to_list(None)
    assert {e["contact_id"] for e in merge_entries} == {source, target["id"]}
    assert all(e["actor"] == agent.username and e["reason"] == "zelfde persoon" and e["at"] for e in merge_entries)

    status, _ = await agent.call("GET", f"/api/v1/contacts/{target['id']}")
    status, _ = await agent.call("GET", f"/api/v1/contacts/{target['id']}")
    reads = await db.audit.count_documents({"contact_id": target["id"], "action": "contact.read", "actor": agent.username})
    assert reads == 2  # one entry per read, never folded into one


async def test_console_reads_and_stats_exports_are_audited(bot_stack, http, db, session_id, desk_reset, staff_login):
    agent = await staff_login(presence="available")
    body = await say(http, bot_stack, session_id, "ik wil een medewerker spreken")
    conv_id = body["conversation_id"]
    await eventually(lambda: db.conversations.find_one({"_id": conv_id, "assignee": agent.username}), 10)
    status, brief = await agent.desk("GET", f"/conversations/{conv_id}?reason=ignored")
    assert status == 200
    entries = await db.audit.find({"actor": agent.username, "conversation_id": conv_id}).to_list(None)
    assert {e["action"] for e in entries} == {"conversation.read", "contact.read"}
    assert all(e["contact_id"] == brief["conversation"]["contact_id"] and e["at"] for e in entries)

    boss = await staff_login(roles=["supervisor"])
    status, text = await boss.call("GET", "/api/v1/stats/summary", params={"format": "csv", "reason": "maandrapportage"})
    assert status == 200 and isinstance(text, str)
    entry = await db.audit.find_one({"actor": boss.username, "action": "stats.export"})
    assert entry["reason"] == "maandrapportage" and entry["contact_id"] is None
    assert entry["detail"]["file"].startswith("kcc-cijfers-")


async def test_staff_have_a_department(stack, db, http, staff_login):
    staff = await staff_login(department="Burgerzaken")
    status, me = await staff.call("GET", "/api/v1/auth/me")
    assert status == 200 and me["department"] == "Burgerzaken"
    other = db.client[f"kcc_demo_{uuid.uuid4().hex[:8]}"]
    try:
        await ensure_demo_accounts(other)
        found = {s["_id"]: s.get("department") async for s in other.staff.find({})}
        assert set(found) == {a[0] for a in DEMO_ACCOUNTS} and all(found.values())
        assert found["agent"] == "KCC"
        await create_staff(other, "zonder", "wachtwoord-123", ["agent"])
        assert (await other.staff.find_one({"_id": "zonder"}))["department"] is None
    finally:
        await db.client.drop_database(other.name)
