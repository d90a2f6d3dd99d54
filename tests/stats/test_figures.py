"""Every figure of the known April 2025 history, worked out by hand (tests/stats/history.py).

The figures are computed by the real aggregation pipelines on the real Mongo-wire server.
"S" below stands for ``{"value": null, "suppressed": true}``: since the small-group rule applies only
where a figure could point at a person (README, "Statistics"), that is satisfaction figures of fewer
than five answers and the occupancy of a team with fewer than three agents; counts, shares and
durations of contacts are always shown. The norms (within term, pick-up, first-contact resolution,
the grade) are checked on a history of their own in test_norm_figures.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hub.stats.figures import Query, Stats
from hub.stats.rollup import Rollup
from tests.stats import history
from tests.stats.conftest import insert_history, settings

APRIL = {"start": date(2025, 4, 1), "end": date(2025, 4, 30)}


def plain(value: Any) -> Any:
    """Metrics as bare values ("S" when suppressed), the rest as is."""
    if isinstance(value, dict) and "suppressed" in value and set(value) <= {"value", "suppressed"}:
        return "S" if value["suppressed"] else value["value"]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def figures(db: Any, min_group: int = 5, min_agents: int = 3, **query: Any) -> dict[str, Any]:
    stats = Stats(db, settings(stats_min_group=min_group, stats_min_agents=min_agents))
    body = await stats.summary(Query(**{**APRIL, **query}))
    return plain(body["figures"])


async def test_contacts_containment_and_handover(known):
    f = await figures(known)
    assert f["contacts"]["total"] == 22
    assert f["contacts"]["by_channel"] == [
        {"channel": "whatsapp", "contacts": 10},
        {"channel": "webchat", "contacts": 9},
        {"channel": "email", "contacts": 3},
    ]
    assert f["contacts"]["series"] == [
        {"bucket": "2025-04-01", "channel": "webchat", "contacts": 3},
        {"bucket": "2025-04-02", "channel": "webchat", "contacts": 5},
        {"bucket": "2025-04-03", "channel": "whatsapp", "contacts": 6},  # including the one from 23:50
        {"bucket": "2025-04-07", "channel": "webchat", "contacts": 1},
        {"bucket": "2025-04-07", "channel": "whatsapp", "contacts": 4},
        {"bucket": "2025-04-08", "channel": "email", "contacts": 3},
    ]
    containment = dict(f["containment"])
    rows = {k: containment.pop(k) for k in ("by_channel", "by_team", "by_topic")}
    assert containment == {
        "contacts": 22, "answered_by_bot": 6, "contained": 6, "handed_over": 14,
        "containment": 0.2727, "handover_rate": 0.6364, "norm": 0.6, "breach": True,
    }
    # per channel, team and topic: A (6 web chats) is all the bot answered alone
    assert rows["by_channel"] == [
        {"channel": "email", "contacts": 3, "contained": 0, "containment": 0.0, "breach": True},
        {"channel": "webchat", "contacts": 9, "contained": 6, "containment": 0.6667, "breach": False},
        {"channel": "whatsapp", "contacts": 10, "contained": 0, "containment": 0.0, "breach": True},
    ]
    assert rows["by_team"] == [
        {"team": None, "contacts": 8, "contained": 6, "containment": 0.75, "breach": False},
        {"team": "kcc", "contacts": 11, "contained": 0, "containment": 0.0, "breach": True},
        {"team": "vergunningen", "contacts": 3, "contained": 0, "containment": 0.0, "breach": True},
    ]
    assert rows["by_topic"] == [
        {"topic": None, "contacts": 2, "contained": 0, "containment": 0.0, "breach": True},
        {"topic": "afval", "contacts": 11, "contained": 0, "containment": 0.0, "breach": True},
        {"topic": "parkeervergunning", "contacts": 3, "contained": 0, "containment": 0.0, "breach": True},
        {"topic": "paspoort", "contacts": 6, "contained": 6, "containment": 1.0, "breach": False},
    ]


async def test_queue_wait_first_reply_and_handling_time(known):
    f = await figures(known)
    # waits 30 60 90 120 300 600 (whatsapp) and 1000 2000 3000 (e-mail); nearest rank: p50 = 5th, p90 = 9th
    assert f["wait"] == {"n": 9, "avg_s": 800.0, "p50_s": 300.0, "p90_s": 3000.0, "max_s": 3000.0,
                         "norm_p90_s": 120.0, "breach": True}
    assert f["first_reply"] == {"n": 9, "avg_s": 846.7, "p50_s": 320.0, "p90_s": 3100.0, "max_s": 3100.0}
    # handling 240..540 and 600 900 1200; the conversation over midnight counts 540 s, not a day
    assert f["handling"] == {"n": 9, "avg_s": 560.0, "p50_s": 480.0, "p90_s": 1200.0, "max_s": 1200.0}


async def test_abandoned_chats(known):
    f = await figures(known)
    # 5 left before an agent came; the one who left after the agent answered is not counted
    assert f["abandoned"] == {"queued": 14, "abandoned": 5, "rate": 0.3571, "norm": 0.1, "breach": True}


async def test_callbacks_within_two_working_days_and_answers_within_five(known):
    f = await figures(known)
    callbacks = dict(f["callbacks"])
    rows = {k: callbacks.pop(k) for k in ("by_channel", "by_team", "by_topic")}
    assert callbacks == {"working_days": 2, "created": 9, "on_time": 6, "late": 3, "pending": 0,
                         "share_on_time": 0.6667, "norm": 0.9, "breach": True}
    # cb8 came from WhatsApp chat C1 (team kcc, topic afval); the others from no conversation
    alone = {"created": 8, "on_time": 5, "late": 3, "pending": 0, "share_on_time": 0.625, "breach": True}
    c1 = {"created": 1, "on_time": 1, "late": 0, "pending": 0, "share_on_time": 1.0, "breach": False}
    assert rows == {
        "by_channel": [{"channel": None, **alone}, {"channel": "whatsapp", **c1}],
        "by_team": [{"team": None, **alone}, {"team": "kcc", **c1}],
        "by_topic": [{"topic": None, **alone}, {"topic": "afval", **c1}],
    }
    assert f["answers"] == {"working_days": 5, "created": 8, "on_time": 5, "late": 2, "pending": 0,
                            "share_on_time": 0.7143, "norm": 0.9, "breach": True, "withdrawn": 1}
    assert f["cases"] == {"total": 8, "rows": [
        {"case_type": "melding-openbare-ruimte", "cases": 5},
        {"case_type": "vraag", "cases": 2},
        {"case_type": "klacht", "cases": 1},
    ]}


async def test_deadlines_skip_weekends_and_holidays(known):
    items = {d["_id"]: d async for d in known.stats_items.find({})}
    local = history.at

    def check(key: str, due: str, on_time: bool, late: bool) -> None:
        doc = items[key]
        assert doc["due_at"] == local(due), key
        assert (doc["on_time"], doc["late"]) == (on_time, late), key

    # Thursday 17 April: Friday (Good Friday works), the weekend and Easter Monday skipped -> Tuesday 22 April
    check("callback:t8-cb1", "2025-04-22 17:00", True, False)
    check("callback:t8-cb2", "2025-04-03 17:00", True, False)
    check("callback:t8-cb3", "2025-04-03 17:00", False, True)  # done the day after
    check("callback:t8-cb4", "2025-04-07 17:00", True, False)  # the deadline written in the event wins
    check("callback:t8-cb5", "2025-04-30 17:00", False, True)  # never called back
    check("callback:t8-cb6", "2025-05-02 17:00", False, True)
    check("callback:t8-cb7", "2025-04-14 17:00", True, False)  # done on the second attempt
    # five working days from Thursday 17 April: 18, 22, 23, 24, 25 April
    check("case:T8-2025-case2", "2025-04-25 17:00", True, False)
    # from Wednesday 23 April: 24, 25, (King's Day is a Saturday) 28, 29, 30 April; answered 2 May
    check("case:T8-2025-case3", "2025-04-30 17:00", False, True)
    check("case:T8-2025-case6", "2025-04-22 17:00", False, True)
    assert items["case:T8-2025-case5"]["withdrawn"] is True


async def test_topics_and_top_unanswered_questions(known):
    f = await figures(known)
    assert f["topics"] == {"rows": [
        {"topic": "afval", "contacts": 11, "containment": 0.0, "handover_rate": 1.0},
        {"topic": "paspoort", "contacts": 6, "containment": 1.0, "handover_rate": 0.0},
        {"topic": "parkeervergunning", "contacts": 3, "containment": 0.0, "handover_rate": 1.0},
    ], "without_topic": 2}
    # grouped by the conversation's topic; these keys have no stored example text (test_norm_figures has one)
    kalender = {"key": "afval_kalender", "question": None, "count": 6}
    milieustraat = {"key": "openingstijden milieustraat", "question": None, "count": 2}
    honden = {"key": "hondenbelasting kwijtschelding", "question": None, "count": 5}
    assert f["unanswered"] == {
        "rows": [{"topic": "afval", **kalender}, {"topic": None, **honden}, {"topic": "afval", **milieustraat}],
        "by_topic": [{"topic": "afval", "count": 8, "questions": [kalender, milieustraat]},
                     {"topic": None, "count": 5, "questions": [honden]}],
        "total": 13,
    }


async def test_former_satisfaction_scores_are_shown_apart(known):
    """The history's scores are on the former 1-5 scale (no scale in the event): apart, never in the grade."""
    f = await figures(known)
    whatsapp = {"responses": 6, "average": 3.83, "distribution": {"1": 0, "2": 1, "3": 1, "4": 2, "5": 2}}
    small = {"responses": 2, "average": "S", "distribution": {str(i): "S" for i in range(1, 6)}}  # two answers
    assert f["satisfaction"]["former_scale"] == {
        "scale": 5,
        "overall": {"responses": 8, "average": 4.0, "distribution": {"1": 0, "2": 1, "3": 1, "4": 3, "5": 3}},
        "by_channel": [{"channel": "webchat", **small}, {"channel": "whatsapp", **whatsapp}],
        "by_team": [{"team": None, **small}, {"team": "kcc", **whatsapp}],
    }
    nothing = {str(i): None for i in range(1, 11)}
    assert {k: v for k, v in f["satisfaction"].items() if k != "former_scale"} == {
        "overall": {"responses": 0, "average": None, "distribution": nothing, "breach": None},
        "by_channel": [], "by_team": [], "by_topic": [], "scale": 10, "norm": 7.5,
    }


async def test_occupancy_per_team(known):
    f = await figures(known)
    # kcc: 4 + 5 + 3 hours online (one shift over midnight), 2340 s handling; vergunningen: one agent
    assert f["occupancy"] == {"rows": [
        {"team": "kcc", "online_h": 12.0, "handling_h": 0.65, "occupancy": 0.0542},
        {"team": "vergunningen", "online_h": "S", "handling_h": 0.75, "occupancy": "S"},
    ]}
    assert (await figures(known, channel="whatsapp"))["occupancy"]["rows"] == []


async def test_daily_figures_mark_breaches(known):
    rows = {r["day"]: r for r in (await figures(known))["daily"]["rows"]}
    assert rows["2025-04-03"] == {
        "day": "2025-04-03", "contacts": 6, "containment": 0.0, "wait_p90_s": 600.0, "abandoned": 0.0,
        "satisfaction": None, "callback_on_time": None, "answer_5_days": None,
        # WhatsApp: one working day; all six answered within it (the one from 23:50 past midnight too).
        # No chat was picked up by an agent; no contact is known in this history, so no follow-up is.
        "within_term": 1.0, "pickup": None, "first_contact": None,
        "breaches": ["containment", "wait_p90_s"],
    }
    assert rows["2025-04-02"]["containment"] == 0.6 and rows["2025-04-02"]["breaches"] == []  # exactly the norm
    assert rows["2025-04-07"]["abandoned"] == 1.0 and "abandoned" in rows["2025-04-07"]["breaches"]
    assert "2025-04-04" not in rows  # the conversation over midnight belongs to the 3rd


async def test_per_hour_and_per_week(known):
    hours = (await figures(known, min_group=1, granularity="hour"))["contacts"]["series"]
    on_the_3rd = {r["bucket"]: r["contacts"] for r in hours if r["bucket"].startswith("2025-04-03")}
    assert on_the_3rd == {"2025-04-03 09:00": 2, "2025-04-03 10:00": 1, "2025-04-03 11:00": 1,
                          "2025-04-03 14:00": 1, "2025-04-03 23:00": 1}
    assert not [r for r in hours if r["bucket"].startswith("2025-04-04")]
    weeks = (await figures(known, granularity="week"))["contacts"]["series"]
    assert weeks == [
        {"bucket": "2025-W14", "channel": "webchat", "contacts": 8},
        {"bucket": "2025-W14", "channel": "whatsapp", "contacts": 6},
        {"bucket": "2025-W15", "channel": "email", "contacts": 3},
        {"bucket": "2025-W15", "channel": "webchat", "contacts": 1},
        {"bucket": "2025-W15", "channel": "whatsapp", "contacts": 4},
    ]


async def test_filters_by_channel_team_and_topic(known):
    whatsapp = await figures(known, channel="whatsapp")
    assert whatsapp["contacts"]["total"] == 10
    assert whatsapp["wait"] == {"n": 6, "avg_s": 200.0, "p50_s": 90.0, "p90_s": 600.0, "max_s": 600.0,
                                "norm_p90_s": 120.0, "breach": True}
    assert whatsapp["callbacks"]["created"] == 1  # one callback came from a WhatsApp chat
    # one topic is read from the conversation facts, not the daily rollups: same numbers
    afval = await figures(known, topic="afval")
    assert afval["contacts"]["total"] == 11
    assert afval["wait"] == whatsapp["wait"]
    assert afval["abandoned"] == {"queued": 11, "abandoned": 5, "rate": 0.4545, "norm": 0.1, "breach": True}
    assert afval["satisfaction"]["former_scale"]["overall"]["average"] == 3.83
    # a team of three e-mails: counts and durations identify nobody, so they are shown
    small = await figures(known, team="vergunningen")
    assert small["contacts"]["total"] == 3
    assert small["wait"]["avg_s"] == 2000.0 and small["wait"]["p90_s"] == 3000.0
    assert small["handling"] == {"n": 3, "avg_s": 900.0, "p50_s": 900.0, "p90_s": 1200.0, "max_s": 1200.0}
    bot_only = await figures(known, team="-")
    assert bot_only["contacts"]["total"] == 8  # A and B never reached a team
    assert bot_only["topics"]["rows"] == [{"topic": "paspoort", "contacts": 6, "containment": 1.0, "handover_rate": 0.0}]
    # top topics of one channel; one topic of one channel or team (read from the facts)
    assert whatsapp["topics"] == {"rows": [{"topic": "afval", "contacts": 10, "containment": 0.0, "handover_rate": 1.0}],
                                  "without_topic": 0}
    afval_whatsapp = await figures(known, topic="afval", channel="whatsapp")
    assert afval_whatsapp["contacts"]["total"] == 10 and afval_whatsapp["wait"] == whatsapp["wait"]
    assert afval_whatsapp["topics"]["rows"][0]["contacts"] == 10
    assert (await figures(known, topic="afval", team="kcc"))["contacts"]["total"] == 11


async def test_a_day_without_contacts_and_the_night_shift(known):
    night = await figures(known, min_group=1, min_agents=1, start=date(2025, 4, 4), end=date(2025, 4, 4))
    assert night["contacts"]["total"] == 0
    assert night["wait"]["n"] == 0 and night["wait"]["avg_s"] is None
    assert night["occupancy"]["rows"] == [{"team": "kcc", "online_h": 1.0, "handling_h": 0.0, "occupancy": 0.0}]


async def test_taking_in_events_as_they_come_gives_the_same_figures(fresh_db, known):
    """Fold in two steps, the second also re-reading the overlap, and compare with the full rebuild."""
    events = sorted(history.build(), key=lambda e: e["at"])
    cut = history.at("2025-04-03 23:00")  # night shift running, one conversation still to come
    rollup = Rollup(fresh_db, settings())
    await fresh_db.events.insert_many([e for e in events if e["at"] < cut])
    await rollup.refresh(now=cut)
    await fresh_db.events.insert_many([e for e in events if e["at"] >= cut])
    await rollup.refresh(now=datetime.now(cut.tzinfo))
    await rollup.refresh()  # nothing new: changes nothing
    assert await figures(fresh_db) == await figures(known)
    await rollup.rebuild(since=history.at("2025-04-01 00:00"))  # re-reading everything changes nothing either
    assert await figures(fresh_db) == await figures(known)


async def test_a_late_event_is_taken_in_by_a_rebuild_of_its_period(fresh_db):
    await insert_history(fresh_db)
    rollup = Rollup(fresh_db, settings())
    await rollup.refresh()
    before = await figures(fresh_db)
    assert before["abandoned"]["abandoned"] == 5
    late = {"_id": "late-1", "type": "abandoned", "conversation_id": "t8-E0", "at": history.at("2025-04-08 10:00:30"),
            "team": "vergunningen"}
    await fresh_db.events.insert_one(late)  # written long after it happened: not seen by the next refresh
    await rollup.refresh()
    assert (await figures(fresh_db))["abandoned"]["abandoned"] == 5
    await rollup.rebuild(since=history.at("2025-04-08 00:00"))
    after = await figures(fresh_db)
    assert after["abandoned"] == {"queued": 14, "abandoned": 6, "rate": 0.4286, "norm": 0.1, "breach": True}
    assert after["contacts"] == before["contacts"]
