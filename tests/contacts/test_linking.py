"""Automatic linking: the same phone or e-mail key on different channels is one contact; a signed
identity token from the web chat links to the person or organisation (through the running hub)."""

from __future__ import annotations

import json
import random

import aiohttp
import pytest

from handover.desk import HandoverDesk
from hub.cases import callbacks
from hub.cli import launcher
from hub.contacts import store as contacts
from hub.conversations.bot_client import BotClient
from hub.conversations.pipeline import Pipeline
from hub.core.bus import LiveBus
from hub.core.models import InboundMessage, new_id
from hub.core.settings import ROOT
from tests.contacts.tokens import portal_token
from tests.webchat_client import say

BSN = "999995078"
HUB_LOG = ROOT / "var" / "test-logs" / "hub.log"


@pytest.fixture
async def pipeline(stack, db):
    """The real pipeline on the test database; the bot is down, so conversations go to the queue."""
    async with aiohttp.ClientSession() as session:
        bot = BotClient(f"http://127.0.0.1:{launcher.free_port()}", 1.0, session)
        pipe = Pipeline(db, bot, LiveBus(), HandoverDesk())
        yield pipe
        await pipe.drain()


def test_keys_for_normalise_phone_and_email():
    assert contacts.keys_for("whatsapp", "+31 6 1234 5678") == ["whatsapp:+31 6 1234 5678", "phone:+31612345678"]
    assert contacts.keys_for("sms", "0612345678")[1] == "phone:+31612345678"
    assert contacts.keys_for("email", "Jan.Jansen@Example.NL") == ["email:Jan.Jansen@Example.NL", "email:jan.jansen@example.nl"]
    assert contacts.keys_for("webchat", "s1", ["phone:06-12345678", "email:bad"]) == ["webchat:s1", "phone:+31612345678"]


async def test_same_phone_on_whatsapp_and_sms_is_one_contact(pipeline, db):
    phone = f"+3161{new_id()[:7].translate(str.maketrans('abcdef', '123456'))}"
    first = await pipeline.receive(InboundMessage(channel="whatsapp", address=phone, text="Hoi", metadata={"identity_keys": [f"phone:{phone}"]}))
    second = await pipeline.receive(InboundMessage(channel="sms", address=phone, text="Nog een vraag"))
    assert first.conversation_id != second.conversation_id
    conv1 = await db.conversations.find_one({"_id": first.conversation_id})
    conv2 = await db.conversations.find_one({"_id": second.conversation_id})
    assert conv1["contact_id"] == conv2["contact_id"]
    contact = await db.contacts.find_one({"_id": conv1["contact_id"]})
    assert {f"whatsapp:{phone}", f"sms:{phone}", f"phone:{phone}"} <= set(contact["addresses"])
    history = await contacts.history(db, contact["_id"])
    assert [m["text"] for m in history if m["direction"] == "in"] == ["Hoi", "Nog een vraag"]


async def test_same_email_in_any_case_is_one_contact(pipeline, db):
    user = new_id()[:10]
    first = await pipeline.receive(InboundMessage(channel="email", address=f"{user}@Example.nl", text="Vraag 1"))
    second = await pipeline.receive(InboundMessage(channel="email", address=f"{user.upper()}@example.NL", text="Vraag 2"))
    c1 = (await db.conversations.find_one({"_id": first.conversation_id}))["contact_id"]
    c2 = (await db.conversations.find_one({"_id": second.conversation_id}))["contact_id"]
    assert c1 == c2


async def test_callback_phone_links_a_later_whatsapp_message(pipeline, db):
    # a number in an assigned mobile range (06-1... to 06-5...): hub.core.identifiers refuses unassigned ones
    phone = "+316" + str(random.randint(1, 5)) + new_id()[:7].translate(str.maketrans("abcdef", "123456"))
    callback = await callbacks.create_callback(db, phone=phone, subject="Vraag over parkeren")
    later = await pipeline.receive(InboundMessage(channel="whatsapp", address=phone, text="Ik wacht nog op uw telefoontje"))
    conv = await db.conversations.find_one({"_id": later.conversation_id})
    assert conv["contact_id"] == callback["contact_id"]


async def test_a_first_message_finds_the_contact_its_address_already_has(pipeline, db):
    """A first message on a new channel links to the contact that already owns its phone number."""
    phone = f"+3161{new_id()[:7].translate(str.maketrans('abcdef', '123456'))}"
    known = await contacts.link(db, [f"phone:{phone}"])
    result = await pipeline.receive(InboundMessage(channel="whatsapp", address=phone, text="Hallo"))
    conv = await db.conversations.find_one({"_id": result.conversation_id})
    assert conv["contact_id"] == known
    contact = await db.contacts.find_one({"_id": known})
    assert f"whatsapp:{phone}" in contact["addresses"]  # the channel's own key was added to the contact


async def test_identity_token_links_webchat_sessions_to_one_person(stack, http, db, session_id):
    token = portal_token(bsn=BSN)
    first = await say(http, stack, session_id, "Ik ben ingelogd", identity_token=token)
    second = await say(http, stack, f"{session_id}-tablet", "Nog een vraag", identity_token=token)
    c1 = (await db.conversations.find_one({"_id": first["conversation_id"]}))["contact_id"]
    c2 = (await db.conversations.find_one({"_id": second["conversation_id"]}))["contact_id"]
    assert c1 == c2
    person = await db.contacts.find_one({"_id": c1})
    assert person["kind"] == "person" and person["bsn"] == BSN
    assert {f"webchat:{session_id}", f"webchat:{session_id}-tablet"} <= set(person["addresses"])
    stored = await db.messages.find_one({"conversation_id": first["conversation_id"], "direction": "in"})
    assert "identity_token" not in stored["metadata"] and stored["metadata"]["identity_token_presented"] is True


async def test_logging_in_mid_conversation_merges_the_anonymous_contact(stack, http, db, session_id):
    bsn = "999991723"
    before = await say(http, stack, session_id, "Vraag zonder inlog")
    anonymous = (await db.conversations.find_one({"_id": before["conversation_id"]}))["contact_id"]
    other_device = await say(http, stack, f"{session_id}-phone", "Al eerder ingelogd", identity_token=portal_token(bsn=bsn))
    person = (await db.conversations.find_one({"_id": other_device["conversation_id"]}))["contact_id"]
    assert person != anonymous
    after = await say(http, stack, session_id, "Nu ingelogd", identity_token=portal_token(bsn=bsn))
    assert after["conversation_id"] == before["conversation_id"]
    conv = await db.conversations.find_one({"_id": before["conversation_id"]})
    assert conv["contact_id"] == person
    assert (await db.contacts.find_one({"_id": anonymous}))["merged_into"] == person
    assert {m["contact_id"] async for m in db.messages.find({"conversation_id": before["conversation_id"]})} == {person}


async def test_organisation_token(stack, http, db, session_id):
    reply = await say(http, stack, session_id, "Vraag namens de bakkerij", identity_token=portal_token(kvk="69599084"))
    contact = await db.contacts.find_one({"_id": (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"]})
    assert contact["kind"] == "organisation" and contact["kvk"] == "69599084"


@pytest.mark.parametrize("bad", ["expired", "forged"])
async def test_expired_or_forged_token_means_anonymous(stack, http, db, session_id, bad):
    bsn = "999992223"
    token = portal_token(bsn=bsn, expires_in=-300) if bad == "expired" else portal_token(key="not-the-portal-key-0123456789abcdef", bsn=bsn)
    reply = await say(http, stack, session_id, "Hallo", identity_token=token)
    contact = await db.contacts.find_one({"_id": (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"]})
    assert contact["kind"] == "anonymous" and "bsn" not in contact
    assert await db.contacts.count_documents({"bsn": bsn}) == 0
    reason = "expired" if bad == "expired" else "bad_signature"
    lines = [json.loads(line) for line in HUB_LOG.read_text(errors="replace").splitlines() if "identity token rejected" in line]
    assert any(entry.get("reason") == reason for entry in lines)
    assert bsn not in HUB_LOG.read_text(errors="replace")
