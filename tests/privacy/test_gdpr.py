"""Rights of residents (AVG/GDPR): export of everything held about a contact, erasure on request.

Against the real test hub and its Mongo-wire server: the resident's messages come in through
the web chat API (the real pipeline), cases, callback requests and contact moments are made
by the hub's own modules, staff call the real API with real sessions. The statistics test
folds the event log with the real ``Rollup`` before and after an erasure.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from handover.contact_moments import ContactMoment
from handover.contact_moments import register as register_moment
from handover.desk import HandoverDesk
from hub.cases import callbacks
from hub.cases import store as cases
from hub.contacts import store as contacts
from hub.conversations import satisfaction
from hub.conversations.bot_client import BotClient
from hub.conversations.pipeline import Pipeline
from hub.core.bus import LiveBus
from hub.core.db import ensure_indexes
from hub.core.models import InboundMessage, utcnow
from hub.core.settings import ROOT, Settings
from hub.gdpr import rights as privacy
from hub.gdpr.bot_memory import TRACKER_COLLECTION, BotMemory
from hub.stats.figures import Query, Stats
from hub.stats.period import as_local_day
from hub.stats.rollup import Rollup
from knowledge import unanswered
from tests.conftest import Stack
from tests.privacy.conftest import random_bsn
from tests.webchat_client import say

FIRST_TEXT = "Mijn naam is Jan de Vries, bel me op 06 12345678 over mijn stoep"
ERASE = {"reason": "verzoek verwijdering (AVG art. 17)"}


async def resident(http: aiohttp.ClientSession, stack: Stack, db: AsyncIOMotorDatabase) -> dict[str, Any]:
    """A resident with a bit of everything: chat messages, a file, a case, a callback, a contact moment."""
    session_id = f"gdpr-{uuid.uuid4().hex[:10]}"
    digits = str(random.randint(10_000_000, 59_999_999))  # a phone number of this resident only (06-1… to 06-5…)
    first_text = FIRST_TEXT.replace("12345678", digits)
    await say(http, stack, session_id, first_text)
    await say(http, stack, session_id, "Het gaat om de Dorpsstraat 12")
    conv = await db.conversations.find_one({"channel": "webchat", "address": session_id})
    cid, conv_id = conv["contact_id"], conv["_id"]
    bsn = random_bsn()
    await db.contacts.update_one({"_id": cid}, {"$set": {"kind": "person", "bsn": bsn, "name": "Jan de Vries"}})
    await contacts.add_addresses(db, cid, [f"phone:+316{digits}", f"email:jan-{session_id}@example.nl"])
    stored_id = f"test-file-{uuid.uuid4().hex}"
    await db.attachments.insert_one({"_id": stored_id, "content_type": "image/jpeg", "filename": "stoep.jpg", "size": 4,
                                     "content": b"\xff\xd8\xff\xe0", "created_at": utcnow()})
    await db.messages.update_one(
        {"conversation_id": conv_id, "direction": "in", "seq": 1},
        {"$set": {"attachments": [{"stored_id": stored_id, "content_type": "image/jpeg", "filename": "stoep.jpg", "size": 4}]}},
    )
    case = await cases.create_case(
        db, "melding-openbare-ruimte", "Losse stoeptegel voor Dorpsstraat 12", location={"address": "Dorpsstraat 12"},
        contact_id=cid, conversation_id=conv_id, created_by="test", reporter_contact=f"06 {digits}",
    )
    callback = await callbacks.create_callback(db, f"06{digits}", "Vraag over de stoep", contact_id=cid, conversation_id=conv_id)
    moment = await register_moment(
        db, ContactMoment(channel="phone", subject="Belde over zijn paspoort", outcome="answered",
                          notes="Woont sinds kort op Dorpsstraat 12", contact_id=cid),
        {"_id": "gdpr-test-agent", "name": "Test"},
    )
    await satisfaction.record_score(db, moment["conversation_id"], 4)
    await unanswered.record(db, first_text)
    return {"session_id": session_id, "contact_id": cid, "conversation_id": conv_id, "bsn": bsn, "stored_id": stored_id,
            "first_text": first_text, "phone": f"+316{digits}", "local": f"06{digits}",
            "case": case, "callback": callback, "moment": moment}


async def test_export_holds_everything_and_is_audited(stack, db, http, staff_login):
    r = await resident(http, stack, db)
    agent = await staff_login(["agent"])
    status, _ = await agent.call("GET", f"/api/v1/contacts/{r['contact_id']}")  # an audited read to find back
    assert status == 200
    admin = await staff_login(["admin"])
    status, body = await admin.call("GET", f"/api/v1/contacts/{r['contact_id']}/export")
    assert status == 200, body
    assert body["contact"]["bsn"] == r["bsn"] and body["contact"]["name"] == "Jan de Vries"
    assert f"phone:{r['phone']}" in body["contact"]["addresses"]
    conv_ids = {c["_id"] for c in body["conversations"]}
    assert {r["conversation_id"], r["moment"]["conversation_id"]} <= conv_ids
    texts = [m["text"] for m in body["messages"]]
    assert r["first_text"] in texts and "Het gaat om de Dorpsstraat 12" in texts
    assert [a["_id"] for a in body["attachments"]] == [r["stored_id"]]
    assert "content" not in body["attachments"][0] and body["attachments"][0]["filename"] == "stoep.jpg"
    assert [c["number"] for c in body["cases"]] == [r["case"]["number"]]
    assert body["cases"][0]["description"] == "Losse stoeptegel voor Dorpsstraat 12"
    assert [c["phone"] for c in body["callbacks"]] == [r["callback"]["phone"]]
    assert body["contact_moments"][0]["subject"] == "Belde over zijn paspoort"
    assert body["contact_moments"][0]["notes"] == "Woont sinds kort op Dorpsstraat 12"
    assert body["satisfaction"][0]["score"] == 4
    assert any(e["action"] == "contact.read" and e["actor"] == agent.username for e in body["audit"])
    assert body["earlier_erasures"] == []
    # the export itself is in the audit log
    entry = await db.audit.find_one({"contact_id": r["contact_id"], "action": "contact.export"})
    assert entry["actor"] == admin.username and entry["reason"] == "verzoek inzage (AVG art. 15)"


async def test_who_may_export_and_erase(stack, db, http, staff_login):
    r = await resident(http, stack, db)
    path = f"/api/v1/contacts/{r['contact_id']}"
    for roles in (["agent"], ["supervisor"], ["editor"]):
        someone = await staff_login(roles)
        status, body = await someone.call("GET", f"{path}/export")
        assert status == 403 and body["error"]["code"] == "forbidden", (roles, body)
        status, body = await someone.call("POST", f"{path}/erase", json=ERASE)
        assert status == 403, (roles, body)
    officer = await staff_login(["agent"], rights=["privacy"])  # the privacy officer need not be an admin
    status, body = await officer.call("GET", f"{path}/export?reason=verzoek%20van%20inwoner")
    assert status == 200 and body["contact"]["_id"] == r["contact_id"]
    assert await db.audit.find_one({"contact_id": r["contact_id"], "action": "contact.export", "reason": "verzoek van inwoner"})
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{stack.hub_url}{path}/export") as resp:
            assert resp.status == 401
    status, body = await officer.call("GET", "/api/v1/contacts/does-not-exist/export")
    assert status == 404 and body["error"]["code"] == "unknown_contact"
    # a bad body loses nothing and says what is wrong
    status, body = await officer.call("POST", f"{path}/erase", json={"reason": ""})
    assert status == 422 and body["error"]["fields"] == ["reason"]
    status, body = await officer.call("POST", f"{path}/erase", data="geen json", headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"]["code"] == "invalid_json"
    assert await db.messages.count_documents({"contact_id": r["contact_id"]}) >= 2


async def test_erasure_removes_personal_data_and_keeps_a_tombstone(bot_stack, db, http, staff_login):
    stack = bot_stack  # with the bot: what Rasa remembers of the resident is erased too
    r = await resident(http, stack, db)
    cid = r["contact_id"]
    admin = await staff_login(["admin"])
    # (the desk may still add a notice to the queued chat meanwhile: counts only grow)
    before = await db.messages.count_documents({"contact_id": cid})
    status, dry = await admin.call("POST", f"/api/v1/contacts/{cid}/erase", json={**ERASE, "dry_run": True})
    assert status == 200, dry
    assert dry["dry_run"] is True and dry["messages"] >= before >= 4 and dry["conversations"] == 2
    assert dry["cases"] == 1 and dry["open_cases"] == 1 and dry["callbacks"] == 1 and dry["open_callbacks"] == 1
    assert await db.messages.count_documents({"contact_id": cid}) >= before  # a dry run changes nothing
    assert (await db.contacts.find_one({"_id": cid}))["bsn"] == r["bsn"]

    tracker_url = f"http://127.0.0.1:{stack.rasa_port}/conversations/{r['conversation_id']}/tracker"
    async with http.get(tracker_url) as resp:  # the bot remembers the resident's words until the erasure
        assert r["first_text"] in json.dumps(await resp.json())

    # an agent has the chat open: erasing it gives the agent's slot back
    desk_agent = f"gdpr-desk-{uuid.uuid4().hex[:6]}"
    await db.agents.update_one({"_id": desk_agent}, {"$set": {"slots": [r["conversation_id"]], "presence": "offline", "teams": []}},
                               upsert=True)
    await db.conversations.update_one({"_id": r["conversation_id"]}, {"$set": {"state": "agent", "assignee": desk_agent}})
    status, done = await admin.call("POST", f"/api/v1/contacts/{cid}/erase", json=ERASE)
    assert status == 200, done
    assert (await db.agents.find_one({"_id": desk_agent}))["slots"] == []
    assert done["messages"] >= before and done["attachments"] == 1 and done["erasure_id"]
    # messages and the file are gone
    conv_ids = [r["conversation_id"], r["moment"]["conversation_id"]]
    assert await db.messages.count_documents({"$or": [{"contact_id": cid}, {"conversation_id": {"$in": conv_ids}}]}) == 0
    assert await db.attachments.find_one({"_id": r["stored_id"]}) is None
    # so does the bot's memory of the conversation
    assert done["bot_trackers_cleared"] == 2 and done["bot_trackers_deleted"] == 0  # no MongoDB tracker store here
    async with http.get(tracker_url) as resp:
        tracker = json.dumps(await resp.json())
    assert r["first_text"] not in tracker and "Dorpsstraat 12" not in tracker
    # the contact is a tombstone without identifiers
    tomb = await db.contacts.find_one({"_id": cid})
    assert tomb["kind"] == "erased" and tomb["addresses"] == [] and tomb["erasure_id"] == done["erasure_id"]
    assert not {"bsn", "name", "kvk", "org_key"} & set(tomb)
    # conversations keep only what the statistics need
    conv = await db.conversations.find_one({"_id": r["conversation_id"]})
    assert conv["address"] is None and conv["contact_id"] is None and conv["state"] == "closed"
    assert conv["open_key"] == f"closed:{conv['_id']}" and conv["channel"] == "webchat"
    assert (await db.conversations.find_one({"_id": r["moment"]["conversation_id"]}))["satisfaction"]["score"] == 4
    # the case keeps its number and status, not its content; the callback loses the phone number
    case = await db.cases.find_one({"_id": r["case"]["_id"]})
    assert case["number"] == r["case"]["number"] and case["status"] == "ontvangen"
    assert case["description"] == privacy.ERASED and case["location"] is None and case["reporter_contact"] is None
    assert case["contact_id"] is None
    cb = await db.callbacks.find_one({"_id": r["callback"]["_id"]})
    assert cb["phone"] is None and cb["subject"] == privacy.ERASED and cb["contact_id"] is None
    assert cb["status"] == "not_reached"  # nobody can call back without a number
    # no event names the contact, the bot's unanswered list lost the resident's words
    assert await db.events.count_documents({"$or": [{f: cid} for f in privacy.CONTACT_EVENT_FIELDS]}) == 0
    assert await db.unanswered.count_documents({"examples": unanswered.scrub(r["first_text"])}) == 0
    # nothing of the resident is left anywhere in the database
    related = {
        "contacts": {"_id": cid}, "conversations": {"_id": {"$in": conv_ids}}, "cases": {"_id": r["case"]["_id"]},
        "callbacks": {"_id": r["callback"]["_id"]}, "events": {"conversation_id": {"$in": conv_ids}},
        "erasures": {"_id": done["erasure_id"]}, "audit": {"contact_id": cid},
    }
    blob = "".join([json.dumps([d async for d in db[coll].find(query)], default=str) for coll, query in related.items()])
    for secret in (r["bsn"], "Jan de Vries", r["phone"], r["session_id"], "Dorpsstraat 12", r["local"]):
        assert secret not in blob, secret
    # audited, and a second erasure is refused
    entry = await db.audit.find_one({"contact_id": cid, "action": "contact.erase"})
    assert entry["actor"] == admin.username and entry["reason"] == ERASE["reason"]
    assert entry["detail"]["messages"] == done["messages"]
    status, body = await admin.call("POST", f"/api/v1/contacts/{cid}/erase", json=ERASE)
    assert status == 409 and body["error"]["code"] == "already_erased"

    # the resident comes back: a new, empty contact, and staff see that an earlier history was erased
    await say(http, stack, r["session_id"], "Hallo, ik ben het weer")
    new_conv = await db.conversations.find_one({"channel": "webchat", "address": r["session_id"]})
    assert new_conv["_id"] != r["conversation_id"] and new_conv["contact_id"] != cid
    status, export = await admin.call("GET", f"/api/v1/contacts/{new_conv['contact_id']}/export")
    assert status == 200
    assert [m["text"] for m in export["messages"] if m["direction"] == "in"] == ["Hallo, ik ben het weer"]
    assert [e["erasure_id"] for e in export["earlier_erasures"]] == [done["erasure_id"]]


async def test_merged_contacts_are_erased_with_their_target(stack, db, http, staff_login):
    r = await resident(http, stack, db)
    other = f"gdpr-{uuid.uuid4().hex[:10]}"
    await say(http, stack, other, "Ik heb nog een vraag")
    source = (await db.conversations.find_one({"address": other}))["contact_id"]
    record = await contacts.merge(db, r["contact_id"], source, actor="test", reason="zelfde persoon")
    admin = await staff_login(["admin"])
    status, body = await admin.call("POST", f"/api/v1/contacts/{source}/erase", json=ERASE)
    assert status == 409 and body["error"]["merged_into"] == r["contact_id"]
    status, done = await admin.call("POST", f"/api/v1/contacts/{r['contact_id']}/erase", json=ERASE)
    assert status == 200 and done["contacts"] == 2
    assert (await db.contacts.find_one({"_id": source}))["kind"] == "erased"
    merge = await db.contact_merges.find_one({"_id": record["_id"]})
    assert merge["moved_addresses"] == [] and merge["source_identifiers"] == {}
    assert await db.messages.count_documents({"address": other}) == 0


async def test_statistics_are_the_same_after_an_erasure(stack):
    """Six residents chat, are handed over, rate the conversation; one is erased: every figure stays."""
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    name = f"kcc_gdpr_{uuid.uuid4().hex[:8]}"
    db = client[name]
    settings = Settings(_env_file=None, stats_min_group=1, stats_min_agents=1)
    try:
        await ensure_indexes(db)
        async with aiohttp.ClientSession() as session:
            # no Rasa at this address: every conversation goes to the agents' queue (a real handover)
            pipeline = Pipeline(db, BotClient("http://127.0.0.1:9", 1.0, session), LiveBus(), HandoverDesk())
            convs = []
            for i in range(6):
                result = await pipeline.receive(InboundMessage(channel="webchat", address=f"stats-{i}", text=f"Vraag {i} van Piet"))
                convs.append(result.conversation_id)
                await satisfaction.record_score(db, result.conversation_id, 1 + i % 5)
            await pipeline.drain()
        victim_conv = await db.conversations.find_one({"_id": convs[2]})
        await callbacks.create_callback(db, "0612345678", "Terugbellen", contact_id=victim_conv["contact_id"],
                                        conversation_id=convs[2], settings=settings)
        await cases.create_case(db, "vraag", "Vraag van Piet", contact_id=victim_conv["contact_id"], conversation_id=convs[2],
                                channel="webchat", created_by="test", settings=settings)
        rollup, stats = Rollup(db, settings), Stats(db, settings)
        today = as_local_day(utcnow())
        query = Query(start=today - timedelta(days=1), end=today)

        async def figures() -> dict[str, Any]:
            await rollup.rebuild(now=utcnow() + timedelta(seconds=5))
            found = await stats.summary(query)
            return json.loads(json.dumps(found["figures"], default=str))

        before = await figures()
        assert before["contacts"]["total"]["value"] == 6 and before["satisfaction"]["overall"]["responses"]["value"] == 6
        assert before["callbacks"]["created"]["value"] == 1 and before["cases"]["total"]["value"] == 1
        victim = (await db.conversations.find_one({"_id": convs[2]}))["contact_id"]
        await privacy.erase(db, victim, "test", "verzoek verwijdering")
        assert await db.messages.count_documents({"conversation_id": convs[2]}) == 0
        after = await figures()
        assert after == before
    finally:
        await client.drop_database(name)
        client.close()


def kcc(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**stack.env(), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "hub.cli.main", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("dry_run", [True, False])
async def test_cli_export_and_erase(stack, db, http, tmp_path, dry_run):
    r = await resident(http, stack, db)
    out = tmp_path / "export.json"
    done = kcc(stack, "privacy", "export", r["contact_id"], "-o", str(out), "--actor", "privacy-officer")
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text())
    assert exported["contact"]["bsn"] == r["bsn"] and len(exported["messages"]) >= 2
    assert await db.audit.find_one({"contact_id": r["contact_id"], "action": "contact.export", "actor": "privacy-officer"})
    args = ["privacy", "erase", r["contact_id"], "--reason", "verzoek per brief", *(["--dry-run"] if dry_run else [])]
    done = kcc(stack, *args)
    assert done.returncode == 0, done.stderr
    kind = (await db.contacts.find_one({"_id": r["contact_id"]}))["kind"]
    assert kind == ("person" if dry_run else "erased")
    assert ("DRY RUN" in done.stdout) is dry_run
    missing = kcc(stack, "privacy", "erase", "no-such-contact", "--reason", "test")
    assert missing.returncode == 1 and "unknown_contact" in missing.stderr
    assert kcc(stack, "privacy", "erase", r["contact_id"]).returncode == 2  # --reason is required


async def test_erasure_deletes_the_trackers_of_a_mongodb_tracker_store(db):
    """The compose deployment keeps Rasa's trackers in MongoDB: erasure deletes them there (Rasa's own
    replace would only append to a stored tracker), and nobody else's."""
    tracker_db = f"rasa_{uuid.uuid4().hex[:8]}"
    trackers = db.client[tracker_db][TRACKER_COLLECTION]
    try:
        await trackers.insert_many([
            {"sender_id": sender, "events": [{"event": "user", "text": f"woon op Dorpsstraat 12 ({sender})"}]}
            for sender in ("gone-1", "gone-2", "kept")
        ])
        memory = BotMemory(None, db, tracker_db)
        assert await memory.forget(["gone-1", "gone-2"]) == {"bot_trackers_cleared": 0, "bot_trackers_deleted": 2}
        assert [t["sender_id"] async for t in trackers.find({}, {"sender_id": 1})] == ["kept"]
    finally:
        await db.client.drop_database(tracker_db)
