"""An event history for April 2025 whose figures are worked out by hand (see test_figures.py).

Times are written in local time (Europe/Amsterdam, CEST = UTC+2 in April) and stored in
UTC, as the hub does. April 2025 has Easter Monday (21 April) and King's Day on a Saturday
(26 April); Good Friday (18 April) is a working day with the default settings; 1-2 May lie
after the period, 5 May (Liberation Day) is a day off.

The groups of conversations:

* A  6 web chats on 1-2 April answered by the bot (article ``paspoort``); two give a score (5, 4)
* B  2 web chats on 2 April where the bot did not understand (5 fallbacks, one question key)
* C  6 WhatsApp chats on 3 April handed to team kcc (topic afval), one from 23:50 to past midnight;
     waits 30 60 90 120 300 600 s, first reply 20 s after the wait, handling 240..540 s,
     scores 5 4 4 3 5 2; each asks one unclear question (bot_clarify, intent afval_kalender)
* D  5 chats on 7 April (4 WhatsApp, 1 web chat) that left the queue before an agent came
* E  3 e-mails on 8 April for team vergunningen (topic parkeervergunning); waits 1000 2000 3000 s,
     first reply 100 s after the wait, handling 600 900 1200 s
* callbacks cb1..cb9 and cases case1..case8 with deadlines over weekends and holidays
* agent presence: three agents of kcc (12 hours online, one shift over midnight), one of vergunningen
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")
TAG = "stats-known-history"
PERIOD = ("2025-04-01", "2025-04-30")


def at(text: str) -> datetime:
    """'2025-04-03 23:50[:ss]' in local time -> UTC."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, fmt).replace(tzinfo=LOCAL).astimezone(UTC)


class History:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, conv: str | None, when: datetime, **data: Any) -> None:
        self.events.append({
            "_id": f"{TAG}-{len(self.events):04d}", "type": type_, "conversation_id": conv, "at": when,
            "test_tag": TAG, **data,
        })


def _s(moment: datetime, seconds: float) -> datetime:
    from datetime import timedelta

    return moment + timedelta(seconds=seconds)


def build() -> list[dict[str, Any]]:
    h = History()

    # A: answered by the bot alone
    for i, when in enumerate(["2025-04-01 10:00", "2025-04-01 10:20", "2025-04-01 14:05",
                              "2025-04-02 09:00", "2025-04-02 09:30", "2025-04-02 11:00"]):
        conv, t = f"t8-A{i}", at(when)
        h.add("conversation_opened", conv, t, channel="webchat")
        h.add("message_in", conv, t, channel="webchat")
        h.add("bot_answer", conv, _s(t, 2), intent="paspoort_aanvragen", article="paspoort", channel="webchat")
        h.add("message_out", conv, _s(t, 2), author="bot", channel="webchat")
        if i in (0, 1):
            h.add("satisfaction", conv, _s(t, 60), score=5 - i, channel="webchat", team=None)

    # B: the bot did not understand; five fallbacks with one question key
    for i, (when, times) in enumerate([("2025-04-02 13:00", 3), ("2025-04-02 15:00", 2)]):
        conv, t = f"t8-B{i}", at(when)
        h.add("conversation_opened", conv, t, channel="webchat")
        for k in range(times):
            h.add("message_in", conv, _s(t, 30 * k), channel="webchat")
            h.add("bot_fallback", conv, _s(t, 30 * k + 1), intent="nlu_fallback", article=None, channel="webchat",
                  question_key="hondenbelasting kwijtschelding")

    # C: handed over to team kcc
    waits = [30, 60, 90, 120, 300, 600]
    handles = [240, 300, 360, 420, 480, 540]
    scores = [5, 4, 4, 3, 5, 2]
    starts = ["2025-04-03 09:00", "2025-04-03 09:30", "2025-04-03 10:00", "2025-04-03 11:00",
              "2025-04-03 14:00", "2025-04-03 23:50"]
    for i, when in enumerate(starts):
        conv, t = f"t8-C{i}", at(when)
        h.add("conversation_opened", conv, t, channel="whatsapp")
        h.add("message_in", conv, t, channel="whatsapp")
        h.add("bot_clarify", conv, _s(t, 1), intent="afval_kalender", article=None, channel="whatsapp")
        if i in (0, 1):
            h.add("bot_fallback", conv, _s(t, 2), intent="nlu_fallback", channel="whatsapp",
                  question_key="openingstijden milieustraat")
        queued = _s(t, 300)
        h.add("bot_handover", conv, queued, intent="handover", article=None, channel="whatsapp")
        h.add("handover", conv, queued, reason="asked_for_person", team="kcc", priority=0, topic="afval")
        assigned = _s(queued, waits[i])
        h.add("assigned", conv, assigned, agent=f"agent-{i % 3}", how="auto", team="kcc", waited_s=waits[i])
        h.add("agent_reply", conv, _s(queued, waits[i] + 20), agent=f"agent-{i % 3}", channel="whatsapp")
        h.add("agent_reply", conv, _s(queued, waits[i] + 60), agent=f"agent-{i % 3}", channel="whatsapp")
        closed = _s(assigned, handles[i])
        h.add("closed", conv, closed, by=f"agent-{i % 3}", outcome="answered", team="kcc")
        h.add("satisfaction", conv, _s(closed, 30), score=scores[i], channel="whatsapp", team="kcc")
        if i == 2:  # the resident closed the window after the agent came: not abandoned
            h.add("abandoned", conv, _s(closed, 40), team="kcc")

    # D: left the queue before an agent came
    for i, when in enumerate(["2025-04-07 09:00", "2025-04-07 09:10", "2025-04-07 09:20",
                              "2025-04-07 09:30", "2025-04-07 16:45"]):
        channel = "webchat" if i == 4 else "whatsapp"
        conv, t = f"t8-D{i}", at(when)
        h.add("conversation_opened", conv, t, channel=channel)
        h.add("message_in", conv, t, channel=channel)
        h.add("handover", conv, _s(t, 5), reason="asked_for_person", team="kcc", priority=0, topic="afval")
        h.add("abandoned", conv, _s(t, 400), team="kcc")

    # E: e-mails for team vergunningen
    for i, (wait, handle) in enumerate([(1000, 600), (2000, 900), (3000, 1200)]):
        conv, t = f"t8-E{i}", at(f"2025-04-08 1{i}:00")
        h.add("conversation_opened", conv, t, channel="email")
        h.add("message_in", conv, t, channel="email")
        h.add("handover", conv, t, reason="email", team="vergunningen", priority=0, topic="parkeervergunning")
        h.add("assigned", conv, _s(t, wait), agent="agent-v", how="manual", team="vergunningen")
        h.add("agent_reply", conv, _s(t, wait + 100), agent="agent-v", channel="email")
        h.add("closed", conv, _s(t, wait + handle), by="agent-v", outcome="answered", team="vergunningen")

    # callbacks: (id, created, done by, how, explicit due_at)
    callbacks = [
        ("cb1", "2025-04-17 14:00", "2025-04-22 10:00", "done", None),  # Good Friday works, Easter Monday not
        ("cb2", "2025-04-01 09:00", "2025-04-03 16:59", "done", None),
        ("cb3", "2025-04-01 10:00", "2025-04-04 09:00", "done", None),  # late
        ("cb4", "2025-04-02 11:00", "2025-04-07 12:00", "done", "2025-04-07 17:00"),  # its own deadline
        ("cb5", "2025-04-28 10:00", None, None, None),  # open past its deadline (30 April): late
        ("cb6", "2025-04-30 10:00", None, None, None),  # due Friday 2 May: late
        ("cb7", "2025-04-10 09:00", "2025-04-14 10:00", "attempt", None),
        ("cb8", "2025-04-08 09:00", "2025-04-08 15:00", "done", None),
        ("cb9", "2025-04-08 09:05", "2025-04-08 15:05", "attempt", None),
    ]
    for cid, created, done, how, due in callbacks:
        conv = "t8-C1" if cid == "cb8" else None
        extra = {"due_at": at(due)} if due else {}
        h.add("callback_created", conv, at(created), callback_id=f"t8-{cid}", by="agent-0", **extra)
        if cid == "cb7":
            h.add("callback_attempt", conv, at("2025-04-11 11:00"), callback_id=f"t8-{cid}", outcome="not_reached")
        if how == "done":
            h.add("callback_done", conv, at(done), callback_id=f"t8-{cid}")
        elif how == "attempt":
            h.add("callback_attempt", conv, at(done), callback_id=f"t8-{cid}", outcome="done")
    h.add("callback_overdue", None, at("2025-04-30 17:01"), callback_id="t8-cb5")

    # cases: (number, type, created, how answered, when)
    cases = [
        ("case1", "vraag", "2025-04-01 10:00", "status", "2025-04-08 16:00"),
        ("case2", "vraag", "2025-04-17 12:00", "met", "2025-04-25 16:00"),
        ("case3", "klacht", "2025-04-23 09:00", "status", "2025-05-02 10:00"),  # late
        ("case4", "melding-openbare-ruimte", "2025-04-07 09:00", "status", "2025-04-07 15:00"),
        ("case5", "melding-openbare-ruimte", "2025-04-08 09:00", "withdrawn", "2025-04-09 09:00"),
        ("case6", "melding-openbare-ruimte", "2025-04-14 09:00", None, None),  # never answered: late
        ("case7", "melding-openbare-ruimte", "2025-04-09 09:00", "status", "2025-04-10 09:00"),
        ("case8", "melding-openbare-ruimte", "2025-04-10 09:00", "status", "2025-04-11 09:00"),
    ]
    for number, kind, created, how, when in cases:
        key = f"T8-2025-{number}"
        type_field = {"kind": kind} if number == "case4" else {"case_type": kind}
        h.add("case_created", None, at(created), case_number=key, by="agent-0", **type_field)
        h.add("case_status", None, _s(at(created), 3600), case_number=key, status="in_behandeling", by="agent-0")
        if how == "status":
            h.add("case_status", None, at(when), case_number=key, status="afgehandeld", by="agent-0")
        elif how == "met":
            h.add("answer_deadline_met", None, at(when), case_number=key)
        elif how == "withdrawn":
            h.add("case_status", None, at(when), case_number=key, status="ingetrokken", by="agent-0")

    # agent presence: kcc 4 + 5 + 3 hours (the last over midnight), vergunningen 2 hours
    presence = [
        ("p8-a1", "kcc", [("2025-04-01 08:00", "available"), ("2025-04-01 10:00", "busy"), ("2025-04-01 12:00", "offline")]),
        ("p8-a2", "kcc", [("2025-04-01 08:00", "available"), ("2025-04-01 12:00", "away"),
                          ("2025-04-01 13:00", "available"), ("2025-04-01 14:00", "offline")]),
        ("p8-a3", "kcc", [("2025-04-03 22:00", "available"), ("2025-04-04 01:00", "offline")]),
        ("p8-v1", "vergunningen", [("2025-04-08 09:00", "available"), ("2025-04-08 11:00", "offline")]),
    ]
    for agent, team, steps in presence:
        for when, status in steps:
            h.add("agent_presence", None, at(when), agent=agent, status=status, team=team)
    return h.events
