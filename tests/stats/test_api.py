"""The statistics API of the running hub: JSON, CSV, roles, bad input, the live queue, the score."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import timedelta

from hub.core import events
from hub.core.event_types import EventType
from hub.core.models import utcnow
from hub.stats.api import FRESH
from hub.stats.period import as_local_day
from hub.stats.rollup import LAG
from tests.contacts.staff import logged_in
from tests.stats.history import PERIOD
from tests.webchat_client import say

APRIL = {"from": PERIOD[0], "to": PERIOD[1]}


async def get_csv(boss, path: str, **params: str) -> tuple[int, str, list[dict[str, str]]]:
    async with boss.session.get(boss.base + path, params=params) as resp:
        raw = await resp.read()
        text = raw.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text))) if resp.status == 200 else []
        return resp.status, resp.headers.get("Content-Type", ""), rows


async def test_summary_gives_the_known_figures(hub_history, db):
    async with logged_in(hub_history, db, ["supervisor"]) as boss:
        status, body = await boss.get("/api/v1/stats/summary", **APRIL)
    assert status == 200, body
    f = body["figures"]
    assert body["period"] == {"from": "2025-04-01", "to": "2025-04-30", "timezone": "Europe/Amsterdam",
                              "label": "1 april 2025 tot en met 30 april 2025"}
    assert body["day_labels"]["2025-04-01"] == "1 apr" and len(body["day_labels"]) == 30
    assert f["contacts"]["total"] == {"value": 22, "suppressed": False}
    assert f["wait"]["p90_s"] == {"value": 3000.0, "suppressed": False} and f["wait"]["breach"] is True
    assert f["containment"]["containment"]["value"] == 0.2727
    assert f["callbacks"]["share_on_time"]["value"] == 0.6667
    assert f["answers"]["share_on_time"]["value"] == 0.7143
    assert f["contacts"]["by_channel"][2] == {"channel": "email", "contacts": {"value": 3, "suppressed": False}}
    assert f["satisfaction"]["former_scale"]["by_team"][0]["average"] == {"value": None, "suppressed": True}
    assert body["norms"]["wait_p90_s"] == 120.0 and body["min_group"] == 5
    assert body["refreshed_until"]


async def test_one_figure_and_its_filters(hub_history, db):
    async with logged_in(hub_history, db, ["supervisor"]) as boss:
        status, body = await boss.get("/api/v1/stats/wait", **APRIL, channel="whatsapp")
        assert status == 200, body
        assert body["wait"]["avg_s"]["value"] == 200.0 and body["filters"]["channel"] == "whatsapp"
        assert "figures" not in body
        status, body = await boss.get("/api/v1/stats/first-reply", **APRIL, topic="afval")
        assert body["first_reply"]["p50_s"]["value"] == 110.0
        status, body = await boss.get("/api/v1/stats/contacts", **APRIL, granularity="week")
        assert [r["bucket"] for r in body["contacts"]["series"]][:2] == ["2025-W14", "2025-W14"]


async def test_csv_export_of_a_table_and_of_everything(hub_history, db):
    async with logged_in(hub_history, db, ["supervisor"]) as boss:
        status, ctype, rows = await get_csv(boss, "/api/v1/stats/contacts", **APRIL, format="csv", table="by_channel")
        assert status == 200 and ctype.startswith("text/csv")
        assert rows == [
            {"channel": "whatsapp", "contacts": "10", "suppressed": ""},
            {"channel": "webchat", "contacts": "9", "suppressed": ""},
            {"channel": "email", "contacts": "3", "suppressed": ""},
        ]
        status, _, rows = await get_csv(boss, "/api/v1/stats/wait", **APRIL, format="csv")
        assert rows[0]["p90_s"] == "3000.0" and rows[0]["breach"] == "True"
        status, _, rows = await get_csv(boss, "/api/v1/stats/summary", **APRIL, format="csv")
        assert status == 200
        found = {(r["figure"], r["table"], r["key"], r["measure"]): (r["value"], r["suppressed"]) for r in rows}
        assert found[("wait", "wait", "", "p90_s")] == ("3000.0", "false")
        assert found[("cases", "rows", "klacht", "cases")] == ("1", "false")
        assert found[("satisfaction", "satisfaction", "", "former_scale_overall_average")] == ("4.0", "false")
        assert {r["figure"] for r in rows} >= {"contacts", "wait", "callbacks", "answers", "occupancy", "daily"}
        status, _, _ = await get_csv(boss, "/api/v1/stats/contacts", **APRIL, format="csv", table="nope")
        assert status == 404


async def test_only_supervisors_see_statistics(hub_history, db, http):
    async with http.get(f"{hub_history.hub_url}/api/v1/stats/summary", params=APRIL) as resp:
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "not_logged_in"
    async with http.get(f"{hub_history.hub_url}/dashboard", allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"] == "/login?next=/dashboard"
    async with logged_in(hub_history, db, ["agent"]) as agent:
        for path in ("/api/v1/stats/summary", "/api/v1/stats/wait", "/api/v1/stats/live"):
            status, body = await agent.get(path, **APRIL)
            assert (status, body["error"]["code"]) == (403, "forbidden"), path
        status, body = await agent.post("/api/v1/stats/rebuild", {})
        assert status == 403
        async with agent.session.get(f"{hub_history.hub_url}/dashboard") as resp:
            assert resp.status == 403
    async with logged_in(hub_history, db, ["supervisor"]) as boss:
        async with boss.session.get(f"{hub_history.hub_url}/dashboard") as resp:
            assert resp.status == 200 and "Dashboard klantcontact" in await resp.text()
        async with boss.session.post(f"{hub_history.hub_url}/api/v1/stats/rebuild", json={}) as resp:
            assert resp.status == 403 and (await resp.json())["error"]["code"] == "csrf"


async def test_bad_requests_get_a_clear_error(hub_history, db):
    async with logged_in(hub_history, db, ["supervisor"]) as boss:
        cases = [
            ({"from": "2025-13-01"}, 400, "invalid_date"),
            ({"from": "1-4-2025"}, 400, "invalid_date"),
            ({"from": "2025-04-30", "to": "2025-04-01"}, 400, "invalid_period"),
            ({"from": "2024-01-01", "to": "2025-04-01"}, 400, "invalid_period"),
            ({**APRIL, "channel": "web chat; drop"}, 422, "invalid_fields"),
            ({**APRIL, "granularity": "month"}, 422, "invalid_fields"),
            ({**APRIL, "limit": "0"}, 422, "invalid_fields"),
        ]
        for params, code, error in cases:
            status, body = await boss.get("/api/v1/stats/summary", **params)
            assert (status, body["error"]["code"]) == (code, error), params
            assert body["error"]["message"]
        status, body = await boss.get("/api/v1/stats/nonsense", **APRIL)
        assert (status, body["error"]["code"]) == (404, "unknown_figure")
        status, body = await boss.post("/api/v1/stats/rebuild", {"since": "gisteren"})
        assert (status, body["error"]["code"]) == (422, "invalid_fields")


async def test_the_event_vocabulary_is_published(hub_history, db):
    async with logged_in(hub_history, db, ["supervisor"]) as boss:
        status, body = await boss.get("/api/v1/stats/events")
    types = {e["type"]: e for e in body["events"]}
    assert status == 200
    assert {"message_in", "queued", "first_agent_reply", "abandoned", "satisfaction", "agent_presence"} <= set(types)
    assert "score" in types["satisfaction"]["fields"]


async def test_live_view_of_todays_queue(stack, db):
    team = f"t8-live-{uuid.uuid4().hex[:6]}"
    now = utcnow()
    ids = [f"t8-live-{uuid.uuid4().hex}" for _ in range(2)]
    for conv_id, waited in zip(ids, (300, 60), strict=True):
        await db.conversations.insert_one({
            "_id": conv_id, "channel": "webchat", "address": conv_id, "open_key": f"webchat:{conv_id}",
            "state": "queued", "team": team, "queued_at": now - timedelta(seconds=waited), "queue_key": now, "seq": 1,
            "resident_seen_at": now,  # the page is open: the hub's abandon sweep leaves them be
        })
    try:
        async with logged_in(stack, db, ["supervisor"]) as boss:
            status, body = await boss.get("/api/v1/stats/live", team=team)
        assert status == 200, body
        assert len(body["teams"]) == 1
        row = body["teams"][0]
        assert (row["team"], row["waiting"], row["agents_available"]) == (team, 2, 0)
        assert 300 <= row["longest_wait_s"] <= 330
    finally:
        await db.conversations.delete_many({"_id": {"$in": ids}})


async def test_the_resident_may_give_one_score(stack, db, http, session_id):
    reply = await say(http, stack, session_id, "Hoe vraag ik een paspoort aan?")
    conv_id = reply["conversation_id"]
    url = f"{stack.hub_url}/api/v1/webchat/conversations/{conv_id}/satisfaction"

    async def post(body: object, **kw: object) -> tuple[int, dict]:
        async with http.post(url, **({"json": body} if body is not None else {}), **kw) as resp:
            return resp.status, await resp.json()

    for body, code, error in [({"score": 0}, 422, "invalid_score"), ({"score": 11}, 422, "invalid_score"),
                              ({"score": "4"}, 422, "invalid_score"), ({}, 422, "invalid_score")]:
        status, answer = await post(body)
        assert (status, answer["error"]["code"]) == (code, error), body
    status, answer = await post(None, data=b"{kapot", headers={"Content-Type": "application/json"})
    assert (status, answer["error"]["code"]) == (400, "invalid_json")
    status, answer = await post(None, data=b"score=4", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415
    assert await db.events.count_documents({"type": "satisfaction", "conversation_id": conv_id}) == 0

    status, answer = await post({"score": 9})
    assert status == 201 and answer["score"] == 9 and answer["scale"] == 10 and answer["message"]
    event = await db.events.find_one({"type": "satisfaction", "conversation_id": conv_id})
    assert event["score"] == 9 and event["scale"] == 10 and event["channel"] == "webchat"
    status, answer = await post({"score": 2})
    assert (status, answer["error"]["code"]) == (409, "already_rated")
    assert await db.events.count_documents({"type": "satisfaction", "conversation_id": conv_id}) == 1
    assert (await db.conversations.find_one({"_id": conv_id}))["satisfaction"]["score"] == 9

    async with http.post(f"{stack.hub_url}/api/v1/webchat/conversations/{'0' * 32}/satisfaction", json={"score": 3}) as resp:
        assert resp.status == 404 and (await resp.json())["error"]["code"] == "unknown_conversation"


async def test_new_events_reach_the_figures_without_a_rebuild(stack, db):
    """What the pipeline writes now is in today's figures within seconds (no rebuild needed)."""
    conv_ids = [f"t8-now-{uuid.uuid4().hex}" for _ in range(5)]
    today = as_local_day(utcnow()).isoformat()
    params = {"from": today, "to": today, "channel": "t8now"}

    async def total_becomes(boss, expected: dict) -> None:
        deadline = asyncio.get_running_loop().time() + FRESH.total_seconds() + LAG.total_seconds() + 10
        while True:
            _, body = await boss.get("/api/v1/stats/contacts", **params)
            if body["contacts"]["total"] == expected or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
        assert body["contacts"]["total"] == expected

    async with logged_in(stack, db, ["supervisor"]) as boss:
        await events.emit(db, None, EventType.CONVERSATION_OPENED, conv_ids[0], channel="t8now")
        await total_becomes(boss, {"value": 1, "suppressed": False})  # a count identifies nobody: shown
        for conv_id in conv_ids[1:]:
            await events.emit(db, None, EventType.CONVERSATION_OPENED, conv_id, channel="t8now")
        await total_becomes(boss, {"value": 5, "suppressed": False})
