"""The KCC's norms on a known history (norm_history.py), every figure worked out by hand.

Folded by the real ``Rollup`` on the real Mongo-wire server, read "as of" a given moment so that
pending outcomes (a term still running, a follow-up window still open) are known exactly.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hub.stats.figures import Query, Stats
from hub.stats.rollup import Rollup
from tests.stats import norm_history
from tests.stats.conftest import settings
from tests.stats.test_figures import plain

JUNE = {"start": date(2025, 6, 1), "end": date(2025, 6, 30)}


async def folded(db: Any, now: str) -> Rollup:
    await db.events.insert_many(norm_history.build())
    await db["unanswered"].insert_one({"key": norm_history.UNANSWERED_KEY, "text": norm_history.UNANSWERED_TEXT,
                                       "examples": [norm_history.UNANSWERED_TEXT], "count": 1})
    rollup = Rollup(db, settings())
    await rollup.rebuild(now=norm_history.at(now))
    return rollup


async def figures(db: Any, **query: Any) -> dict[str, Any]:
    body = await Stats(db, settings()).summary(Query(**{**JUNE, **query}))
    return plain(body["figures"])


def share_row(label: str, key: Any, met: int, late: int, pending: int, rate: float | None, breach: bool | None) -> dict[str, Any]:
    return {label: key, "within_term": met, "late": late, "pending": pending, "share_within_term": rate, "breach": breach}


async def test_share_of_contacts_handled_within_their_term(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    f = (await figures(fresh_db))["within_term"]
    # met: W1 W4 (picked up in time), B1 B2 B3 (the bot), E1 (Whit Monday skipped), S1 (idem)
    # late: W2 (90 s), W5 (left after 120 s), E2, S2; pending: E3; not counted: W3 (left after 30 s), B4
    assert f["overall"] == {"within_term": 7, "late": 4, "pending": 1, "share_within_term": 0.6364, "breach": True}
    assert f["by_channel"] == [
        share_row("channel", "email", 1, 1, 1, 0.5, True),
        share_row("channel", "webchat", 5, 2, 0, 0.7143, True),
        share_row("channel", "whatsapp", 1, 1, 0, 0.5, True),
    ]
    assert f["by_team"] == [
        share_row("team", None, 3, 0, 0, 1.0, False),
        share_row("team", "kcc", 3, 3, 0, 0.5, True),
        share_row("team", "vergunningen", 1, 1, 1, 0.5, True),
    ]
    assert f["by_topic"] == [
        share_row("topic", None, 0, 0, 0, None, None),  # B4: the bot did not understand, nobody was asked
        share_row("topic", "afval", 4, 1, 0, 0.8, True),
        share_row("topic", "parkeervergunning", 1, 1, 1, 0.5, True),
        share_row("topic", "paspoort", 2, 2, 0, 0.5, True),
    ]
    assert f["norm"] == 0.95
    assert f["terms"] == {"chat_pickup_s": 60.0, "email_working_days": 5, "webform_working_days": 5,
                          "social_working_days": 1, "callback_working_days": 2}


async def test_norms_per_topic_of_one_channel_or_team(fresh_db):
    """Per topic within a channel or team: from the day-and-topic rollups' parts, the same as the facts give."""
    await folded(fresh_db, norm_history.FIRST_LOOK)
    webchat = (await figures(fresh_db, channel="webchat"))["within_term"]["by_topic"]
    assert [(r["topic"], r["within_term"], r["late"], r["share_within_term"]) for r in webchat] == [
        (None, 0, 0, None), ("afval", 3, 0, 1.0), ("paspoort", 2, 2, 0.5),  # B4; B1-B3; W1 W4 vs W2 W5
    ]
    kcc = await figures(fresh_db, team="kcc")
    assert [(r["topic"], r["share_within_term"]) for r in kcc["within_term"]["by_topic"]] == [
        ("afval", 0.5), ("paspoort", 0.5),  # S1 vs S2; W1 W4 vs W2 W5
    ]
    assert [(r["topic"], r["responses"], r["average"]) for r in kcc["satisfaction"]["by_topic"]] == [
        ("afval", 1, "S"), ("paspoort", 3, "S"),  # S1 8; W1 8, W2 6, W4 9
    ]
    one = (await figures(fresh_db, channel="webchat", topic="paspoort"))["within_term"]["by_topic"]
    assert one == [r for r in webchat if r["topic"] == "paspoort"]  # one topic: from the facts, the same


async def test_a_running_term_and_follow_up_window_become_known_without_new_events(fresh_db):
    rollup = await folded(fresh_db, norm_history.FIRST_LOOK)
    await rollup.refresh(now=norm_history.at(norm_history.SECOND_LOOK))  # no new event: only time passed
    f = await figures(fresh_db)
    assert f["within_term"]["overall"] == {"within_term": 7, "late": 5, "pending": 0, "share_within_term": 0.5833,
                                           "breach": True}  # E3 ran out on Friday 20 June
    assert f["first_contact"]["overall"] == {"resolved": 8, "followed_up": 2, "pending": 0, "share_resolved": 0.8,
                                             "breach": False}  # exactly the norm


async def test_chat_pick_up_against_its_norm(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    f = (await figures(fresh_db))["pickup"]
    # picked up after 30, 90 and 45 s; W5 waited 120 s and left (late), W3 left after 30 s (not counted)
    assert f["overall"] == {"picked_up_in_time": 2, "late": 2, "share_within_norm": 0.5, "breach": True,
                            "n": 3, "avg_s": 55.0, "p50_s": 45.0, "p90_s": 90.0, "max_s": 90.0}
    assert f["by_channel"] == [
        {"channel": "webchat", "picked_up_in_time": 2, "late": 2, "share_within_norm": 0.5, "breach": True},
    ]
    kcc = next(r for r in f["by_team"] if r["team"] == "kcc")
    assert kcc == {"team": "kcc", "picked_up_in_time": 2, "late": 2, "share_within_norm": 0.5, "breach": True}
    assert f["norm_s"] == 60.0 and f["norm"] == 0.95


async def test_callbacks_on_time_per_channel_team_and_topic(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    f = (await figures(fresh_db))["callbacks"]
    # cb1 done in time; cb2 due Wed 11 June (Whit Monday skipped), done the 12th; cb3 never done
    assert (f["created"], f["on_time"], f["late"], f["share_on_time"]) == (3, 1, 2, 0.3333)
    assert f["by_channel"] == [
        {"channel": "webchat", "created": 2, "on_time": 1, "late": 1, "pending": 0, "share_on_time": 0.5, "breach": True},
        {"channel": "whatsapp", "created": 1, "on_time": 0, "late": 1, "pending": 0, "share_on_time": 0.0, "breach": True},
    ]
    assert f["by_team"] == [
        {"team": "kcc", "created": 3, "on_time": 1, "late": 2, "pending": 0, "share_on_time": 0.3333, "breach": True},
    ]
    assert [(r["topic"], r["share_on_time"]) for r in f["by_topic"]] == [("afval", 0.0), ("paspoort", 0.5)]


async def test_first_contact_resolution(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    f = (await figures(fresh_db))["first_contact"]
    # resolved: W2 (its resident came back on another topic), W4, B2, B3; followed up: W1 (W4), B1 (B2);
    # pending (closed less than 7 days before 16 June): E1 E2 S1 S2; not counted: abandoned W3 W5, open E3, B4
    assert f["overall"] == {"resolved": 4, "followed_up": 2, "pending": 4, "share_resolved": 0.6667, "breach": True}
    assert [(r["channel"], r["resolved"], r["followed_up"], r["pending"]) for r in f["by_channel"]] == [
        ("email", 0, 0, 2), ("webchat", 4, 2, 0), ("whatsapp", 0, 0, 2),
    ]
    assert [(r["topic"], r["share_resolved"]) for r in f["by_topic"]] == [
        (None, None), ("afval", 0.6667), ("parkeervergunning", None), ("paspoort", 0.6667),  # B2 B3 vs B1; W2 W4 vs W1
    ]
    assert f["norm"] == 0.8 and f["follow_up_days"] == 7


async def test_the_follow_up_found_when_it_comes_later(fresh_db):
    """Folded step by step: W1 is pending until W4 (same resident, same topic) comes two days later."""
    events = sorted(norm_history.build(), key=lambda e: e["at"])
    cut = norm_history.at("2025-06-03 12:00")
    rollup = Rollup(fresh_db, settings())
    await fresh_db.events.insert_many([e for e in events if e["at"] < cut])
    await rollup.refresh(now=cut)
    w1 = await fresh_db.stats_conversations.find_one({"_id": "n-W1"})
    assert w1["fcr"] == "pending"
    await fresh_db.events.insert_many([e for e in events if e["at"] >= cut])
    await rollup.refresh(now=norm_history.at(norm_history.FIRST_LOOK))
    assert (await fresh_db.stats_conversations.find_one({"_id": "n-W1"}))["fcr"] == "no"
    f = await figures(fresh_db)
    assert f["first_contact"]["overall"]["share_resolved"] == 0.6667
    assert f["within_term"]["overall"]["share_within_term"] == 0.6364


async def test_containment_per_channel_team_and_topic(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    f = (await figures(fresh_db))["containment"]
    assert (f["contacts"], f["contained"], f["containment"]) == (14, 3, 0.2143)
    assert f["by_channel"] == [
        {"channel": "email", "contacts": 3, "contained": 0, "containment": 0.0, "breach": True},
        {"channel": "webchat", "contacts": 9, "contained": 3, "containment": 0.3333, "breach": True},
        {"channel": "whatsapp", "contacts": 2, "contained": 0, "containment": 0.0, "breach": True},
    ]
    assert f["by_team"][0] == {"team": None, "contacts": 4, "contained": 3, "containment": 0.75, "breach": False}
    assert [(r["topic"], r["containment"]) for r in f["by_topic"]] == [
        (None, 0.0), ("afval", 0.6), ("parkeervergunning", 0.0), ("paspoort", 0.0),
    ]


async def test_satisfaction_grades_and_small_groups(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    f = (await figures(fresh_db))["satisfaction"]
    hidden = {str(i): "S" for i in range(1, 11)}
    # 8 6 9 7 10 9 5 8: 62 / 8
    assert f["overall"] == {"responses": 8, "average": 7.75, "breach": False, "distribution": {
        "1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "6": 1, "7": 1, "8": 2, "9": 2, "10": 1}}
    assert f["by_channel"] == [
        {"channel": "email", "responses": 1, "average": "S", "distribution": hidden, "breach": None},
        {"channel": "webchat", "responses": 6, "average": 8.17, "breach": False, "distribution": {
            "1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 1, "7": 1, "8": 1, "9": 2, "10": 1}},
        {"channel": "whatsapp", "responses": 1, "average": "S", "distribution": hidden, "breach": None},
    ]
    # every team and topic has fewer than five grades: the averages could point at its agents
    assert [(r["team"], r["responses"], r["average"]) for r in f["by_team"]] == [
        (None, 3, "S"), ("kcc", 4, "S"), ("vergunningen", 1, "S"),
    ]
    assert [(r["topic"], r["responses"], r["average"]) for r in f["by_topic"]] == [
        ("afval", 4, "S"), ("parkeervergunning", 1, "S"), ("paspoort", 3, "S"),
    ]
    assert f["scale"] == 10 and f["norm"] == 7.5
    # S2's score on the former 1-5 scale stays out of the grade, shown apart
    assert f["former_scale"]["overall"] == {"responses": 1, "average": "S",
                                            "distribution": {str(i): "S" for i in range(1, 6)}}
    with_three = await Stats(fresh_db, settings(stats_min_group=3)).summary(Query(**JUNE), ("satisfaction",))
    kcc = next(r for r in plain(with_three["figures"]["satisfaction"]["by_team"]) if r["team"] == "kcc")
    assert kcc["average"] == 7.75  # 8 6 9 8


async def test_daily_rows_and_their_breaches(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    rows = {r["day"]: r for r in (await figures(fresh_db))["daily"]["rows"]}
    monday = rows["2025-06-02"]  # W1 W2 W3 B1 E1
    assert monday["contacts"] == 5
    assert (monday["within_term"], monday["pickup"], monday["first_contact"], monday["satisfaction"]) == (
        0.75, 0.5, 0.3333, "S")
    assert {"within_term", "pickup", "first_contact"} <= set(monday["breaches"])


async def test_unanswered_questions_by_topic_with_a_scrubbed_example(fresh_db):
    await folded(fresh_db, norm_history.FIRST_LOOK)
    f = (await figures(fresh_db))["unanswered"]
    example = "Wat kost grofvuil ophalen? Mail me op [e-mail] of bel [nummer], mijn bsn is [nummer]"
    assert f["rows"] == [{"topic": None, "key": norm_history.UNANSWERED_KEY, "question": example, "count": 1}]
    assert f["by_topic"] == [{"topic": None, "count": 1, "questions": [
        {"question": example, "key": norm_history.UNANSWERED_KEY, "count": 1}]}]
    assert not re.search(r"\d|@", example)
