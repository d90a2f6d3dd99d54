"""Queue and routing on the real desk: team, capacity, longest idle, priority, races, requeues."""

from __future__ import annotations

import asyncio

from handover import agents
from handover.routing import DeskError
from hub.core.models import State
from tests.polling import eventually


async def test_a_conversation_goes_to_the_team_of_its_topic(inproc):
    d = await inproc(handover_teams={"paspoort-aanvragen": "burgerzaken", "Belastingen": "belastingen"})
    await d.db.articles.insert_one({"slug": "afvalstoffenheffing", "department": "Belastingen", "title": "Afvalstoffenheffing"})
    await d.agent("kees", team="kcc")
    await d.agent("bea", team="burgerzaken")
    await d.agent("bart", team="belastingen")
    passport = await d.handed_over(topic="paspoort-aanvragen")
    tax = await d.handed_over(topic="afvalstoffenheffing")  # by the article's department
    other = await d.handed_over()
    assert await d.assigned_to(passport) == "bea"
    assert await d.assigned_to(tax) == "bart"
    assert await d.assigned_to(other) == "kees"
    conv = await d.conv(passport)
    assert conv["team"] == "burgerzaken" and conv["topic"] == "paspoort-aanvragen"


async def test_an_agent_never_gets_more_than_the_maximum(inproc):
    d = await inproc(handover_max_per_agent=2)
    await d.agent("anna")
    first, second, third = [await d.handed_over() for _ in range(3)]
    assert await d.assigned_to(first) == "anna"
    assert await d.assigned_to(second) == "anna"
    await asyncio.sleep(0.5)  # several sweeps: still no room
    assert (await d.conv(third))["state"] == State.QUEUED.value
    assert len((await d.db.agents.find_one({"_id": "anna"}))["slots"]) == 2
    await d.desk.close(first, {"_id": "anna", "roles": ["agent"]}, "answered")
    assert await d.assigned_to(third) == "anna"  # the freed slot is used at once


async def test_the_agent_idle_longest_gets_the_next_conversation(inproc):
    d = await inproc()
    await d.agent("early")
    await asyncio.sleep(0.05)
    await d.agent("late")
    first = await d.handed_over()
    assert await d.assigned_to(first) == "early"
    second = await d.handed_over()
    assert await d.assigned_to(second) == "late"  # "early" just got work: "late" is idle longest now
    third = await d.handed_over()
    assert await d.assigned_to(third) == "early"


async def test_higher_priority_is_served_first_and_busy_agents_get_nothing(inproc):
    d = await inproc(handover_priorities={"angry": 2})
    await d.agent("ruud", presence="busy")
    normal = await d.handed_over(reason="asked_for_person")
    await asyncio.sleep(0.01)
    angry = await d.handed_over(reason="angry")
    await asyncio.sleep(0.4)
    assert (await d.conv(normal))["state"] == State.QUEUED.value  # busy: no new conversations
    assert (await d.conv(angry))["priority"] == 2
    await agents.set_presence(d.db, "ruud", "available")
    d.router.kick("kcc")
    assert await d.assigned_to(angry) == "ruud"
    assert (await d.assigned_order())[0] == angry


async def test_two_agents_racing_for_one_conversation_exactly_one_wins(inproc):
    d = await inproc()
    staff = [await d.agent(f"a{i}", presence="busy") for i in range(8)]  # busy: only manual pick-up
    conv_id = await d.handed_over()

    async def attempt(member):
        try:
            await d.router.take(conv_id, member)
            return member["_id"]
        except DeskError as exc:
            assert exc.code == "taken" and exc.status == 409
            return None

    results = await asyncio.gather(*(attempt(s) for s in staff))
    winners = [r for r in results if r]
    assert len(winners) == 1
    conv = await d.conv(conv_id)
    assert conv["assignee"] == winners[0] and len(conv["assignments"]) == 1
    holders = [a["_id"] async for a in d.db.agents.find({"slots": conv_id})]
    assert holders == winners  # the losers gave their slot back


async def test_routing_and_a_manual_pick_up_never_both_get_it(inproc):
    d = await inproc()
    await d.agent("auto")
    picker = await d.agent("picker", presence="busy")
    for _ in range(5):
        conv_id = await d.handed_over()
        try:
            await d.router.take(conv_id, picker)
        except DeskError as exc:
            assert exc.code in ("taken", "not_queued")
        holder = await d.assigned_to(conv_id)
        holders = [a["_id"] async for a in d.db.agents.find({"slots": conv_id})]
        assert holders == [holder]
        await d.desk.close(conv_id, {"_id": holder, "roles": ["agent"]}, "no_answer_needed")


async def test_no_answer_in_time_puts_it_back_at_the_front(inproc):
    d = await inproc(handover_answer_timeout_s=1.5)
    await d.agent("slow")
    waiting = await d.handed_over()  # gets "slow"
    assert await d.assigned_to(waiting) == "slow"
    later = await d.handed_over()  # no room? "slow" has room (3), gets it too
    assert await d.assigned_to(later) == "slow"
    await d.desk.reply(later, {"_id": "slow", "name": "Slow"}, "Ik help u zo.")  # answered: stays
    await d.agent("quick")

    async def moved():
        doc = await d.conv(waiting)
        return doc if doc.get("assignee") == "quick" else None

    doc = await eventually(moved, 5)
    assert doc["front"] == 0 and [a["agent"] for a in doc["assignments"]] == ["slow", "quick"]
    requeue = await d.db.events.find_one({"type": "requeued", "conversation_id": waiting})
    assert requeue["why"] == "answer_timeout"
    assert (await d.db.agents.find_one({"_id": "slow"}))["presence"] == "away"  # no more offers to an empty chair
    assert (await d.conv(later))["assignee"] == "slow"


async def test_a_requeued_conversation_is_served_before_older_ones(inproc):
    d = await inproc(handover_answer_timeout_s=0.5)
    await d.agent("gone")
    held = await d.handed_over()
    assert await d.assigned_to(held) == "gone"
    await agents.set_presence(d.db, "gone", "busy")
    older = [await d.handed_over(reason="angry") for _ in range(2)]  # higher priority, queued before the requeue
    await eventually(lambda: _state_is(d, held, State.QUEUED.value), 5)
    assert (await d.conv(held))["front"] == 1
    await d.agent("next")
    assert await d.assigned_to(held) == "next"
    for conv_id in older:
        assert await d.assigned_to(conv_id) == "next"
    assert (await d.assigned_order("next"))[0] == held  # the front beats both the older and the higher-priority ones


async def _state_is(d, conv_id, state):
    return (await d.conv(conv_id))["state"] == state


async def test_an_agent_going_offline_gives_everything_back(inproc):
    d = await inproc(handover_offline_after_s=0.6)
    await d.agent("leaving")
    convs = [await d.handed_over() for _ in range(2)]
    for conv_id in convs:
        assert await d.assigned_to(conv_id) == "leaving"
    await d.agent("staying")
    d.beating.discard("leaving")  # the console closed: no more heartbeat

    async def all_moved():
        docs = [await d.conv(c) for c in convs]
        return all(doc.get("assignee") == "staying" for doc in docs)

    await eventually(all_moved, 6)
    leaving = await d.db.agents.find_one({"_id": "leaving"})
    assert leaving["presence"] == "offline" and leaving["slots"] == []
    whys = {e["why"] async for e in d.db.events.find({"type": "requeued"})}
    assert whys == {"offline"}

