"""The resident knows where they stand: position and expected wait, updated while they wait."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handover.queue import Estimate
from handover.waiting import worth_telling
from hub.core.models import utcnow
from hub.core.settings import Settings
from tests.polling import eventually


async def _wait_texts(d, conv_id):
    return [m["text"] for m in await d.messages(conv_id, author="system") if m["metadata"].get("kind") == "wait_update"]


async def test_position_and_wait_are_told_and_updated_live_on_web_chat(inproc):
    d = await inproc(handover_max_per_agent=1, handover_handle_minutes=6)
    convs = [await d.handed_over(reason="no_bot") for _ in range(3)]  # no bot spoke: the desk tells them
    firsts = [(await eventually(lambda c=c: _wait_texts(d, c), 5))[0] for c in convs]
    assert firsts[0] == "U bent de volgende in de wachtrij. De verwachte wachttijd is ongeveer 6 minuten."
    assert firsts[1] == "U bent nummer 2 in de wachtrij. De verwachte wachttijd is ongeveer 12 minuten."
    assert firsts[2].startswith("U bent nummer 3 in de wachtrij.")
    await d.agent("anna")  # takes the first; everyone moves up
    assert await d.assigned_to(convs[0]) == "anna"
    update = await eventually(lambda: _has(d, convs[1], 2), 5)
    assert update[-1] == "Update: U bent de volgende in de wachtrij. De verwachte wachttijd is ongeveer 6 minuten."
    third = await eventually(lambda: _has(d, convs[2], 2), 5)
    assert third[-1].startswith("Update: U bent nummer 2 in de wachtrij.")
    assert len(await _wait_texts(d, convs[0])) == 1  # with an agent now: no more queue messages


async def _has(d, conv_id, count):
    texts = await _wait_texts(d, conv_id)
    return texts if len(texts) >= count else None


async def test_the_bot_announced_handover_is_not_repeated(inproc):
    d = await inproc()
    conv_id = await d.handed_over(reason="asked_for_person")  # the bot's own message told the position
    conv = await d.conv(conv_id)
    assert conv["wait_notice"]["position"] == 1
    assert await d.notifier.run_once() == 0
    assert await _wait_texts(d, conv_id) == []


async def test_other_channels_hear_only_of_a_big_change(inproc):
    d = await inproc(handover_max_per_agent=2, handover_update_other_s=0, handover_handle_minutes=6)
    ahead = [await d.handed_over(reason="no_bot") for _ in range(2)]
    sms = await d.handed_over(reason="no_bot", channel="sms")
    first = await eventually(lambda: _wait_texts(d, sms), 5)
    assert first == ["U bent nummer 3 in de wachtrij. De verwachte wachttijd is ongeveer 18 minuten."]
    await d.agent("anna")  # room for two: the sms resident is next, 18 -> 3 minutes
    for conv_id in ahead:
        assert await d.assigned_to(conv_id) == "anna"
    texts = await eventually(lambda: _has(d, sms, 2), 5)
    # the router may claim the two one at a time: a notifier round in between sees 18 -> 6 minutes,
    # after which 6 -> 3 is a small step; either way the resident hears the big change once
    assert texts[1].startswith("Update: U bent ") and texts[1].endswith(
        ("De verwachte wachttijd is ongeveer 3 minuten.", "De verwachte wachttijd is ongeveer 6 minuten.")
    )
    await asyncio.sleep(0.5)
    assert len(await _wait_texts(d, sms)) == 2  # a small step after the big change is no news for an sms


def test_what_counts_as_a_big_change():
    settings = Settings(handover_webchat_update_s=20, handover_update_other_s=300)
    now = utcnow()
    last = {"position": 4, "minutes": 12, "at": now - timedelta(minutes=10)}

    def est(position, minutes):
        return Estimate(position, minutes, True, now, now)

    assert worth_telling("webchat", last, est(3, 9), now, settings)
    assert not worth_telling("webchat", {**last, "at": now - timedelta(seconds=5)}, est(3, 9), now, settings)
    assert not worth_telling("sms", last, est(3, 9), now, settings)  # 3 minutes less: not worth an sms
    assert worth_telling("sms", last, est(1, 3), now, settings)
    assert not worth_telling("sms", {**last, "at": now - timedelta(minutes=1)}, est(1, 3), now, settings)
    assert not worth_telling("webchat", last, est(4, 12), now, settings)  # nothing changed
    assert worth_telling("email", None, est(1, 3), now, settings)  # never told yet
