"""A June 2025 history for the KCC's norms, worked out by hand (test_norm_figures.py).

Terms with the defaults: web chat picked up within 60 s; e-mail answered within 5 working days;
WhatsApp within 1 working day; callbacks within 2 working days. Monday 9 June 2025 is Whit Monday
(a public holiday). Times are local (CEST, UTC+2). The figures are read "as of" Monday 16 June
12:00 and again "as of" 30 June.

* W1..W5  web chats handed to team kcc (topic paspoort): picked up after 30, 90 and 45 s (W1, W2,
          W4); W3 left after 30 s (within the term, not counted); W5 left after 120 s (missed).
          W4 is W1's resident again on the same topic two days later: W1 is not resolved at the
          first contact.
* B1..B4  web chats the bot handled (article afval): B1..B3 answered (contained); B2 is B1's
          resident again on the same topic (B1 not resolved); B3 is W2's resident on another topic
          (W2 stays resolved); B4 the bot did not understand (an unanswered question with a text).
* E1..E3  e-mails for team vergunningen (topic parkeervergunning): E1 (Mon 2 June) answered on
          Tue 10 June 16:00, in time (Whit Monday skipped); E2 (Tue 3 June) answered Thu 12 June,
          one day late; E3 (Fri 13 June) not answered: pending on 16 June, late after 20 June.
* S1, S2  WhatsApp chats for team kcc (topic afval): S1 (Fri 6 June 16:00) answered Tue 10 June
          10:00 (Whit Monday skipped: in time); S2 (Tue 10 June) answered Wed 11 June 17:30, late.
* grades (1-10): W1 8, W2 6, W4 9, B1 7, B2 10, B3 9, E1 5, S1 8; S2 gave a former 1-5 score (3).
* callbacks: from W2 (done in time), from S1 (a day late, Whit Monday skipped), from W5 (never done).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")
TAG = "stats-norm-history"
FIRST_LOOK = "2025-06-16 12:00"
SECOND_LOOK = "2025-06-30 12:00"
UNANSWERED_KEY = "grofvuil kosten ophalen"
UNANSWERED_TEXT = "Wat kost grofvuil ophalen? Mail me op jan@example.nl of bel 06-12345678, mijn bsn is 123456782"


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL).astimezone(UTC)


def _s(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)


class History:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, conv: str | None, when: datetime, **data: Any) -> None:
        self.events.append({"_id": f"{TAG}-{len(self.events):04d}", "type": type_, "conversation_id": conv,
                            "at": when, "test_tag": TAG, **data})

    def open(self, conv: str, when: datetime, channel: str, contact: str) -> None:
        self.add("conversation_opened", conv, when, channel=channel, contact_id=contact)
        self.add("message_in", conv, when, channel=channel)

    def grade(self, conv: str, when: datetime, score: int, channel: str, team: str | None) -> None:
        self.add("satisfaction", conv, when, score=score, scale=10, channel=channel, team=team)


def build() -> list[dict[str, Any]]:
    h = History()
    # W: web chats to team kcc; (conv, opened, contact, pick-up after s or None, left after s or None, grade)
    chats = [
        ("n-W1", "2025-06-02 10:00", "c1", 30, None, 8),
        ("n-W2", "2025-06-02 11:00", "c2", 90, None, 6),
        ("n-W3", "2025-06-02 12:00", "c3", None, 30, None),
        ("n-W4", "2025-06-04 09:00", "c1", 45, None, 9),
        ("n-W5", "2025-06-04 10:00", "c5", None, 120, None),
    ]
    for conv, when, contact, pickup, left, grade in chats:
        t = at(when)
        h.open(conv, t, "webchat", contact)
        queued = _s(t, 10)
        h.add("handover", conv, queued, reason="asked_for_person", team="kcc", priority=0, topic="paspoort")
        if pickup is not None:
            assigned = _s(queued, pickup)
            h.add("assigned", conv, assigned, agent="agent-n", how="auto", team="kcc")
            h.add("agent_reply", conv, _s(assigned, 10), agent="agent-n", channel="webchat")
            closed = _s(assigned, 300)
            h.add("closed", conv, closed, by="agent-n", outcome="answered", team="kcc")
            if grade:
                h.grade(conv, _s(closed, 20), grade, "webchat", "kcc")
        else:
            h.add("abandoned", conv, _s(queued, left), team="kcc")

    # B: the bot alone
    for conv, when, contact, grade in [("n-B1", "2025-06-02 14:00", "c6", 7), ("n-B2", "2025-06-05 09:00", "c6", 10),
                                       ("n-B3", "2025-06-05 10:00", "c2", 9)]:
        t = at(when)
        h.open(conv, t, "webchat", contact)
        h.add("bot_answer", conv, _s(t, 2), intent="afval_ophalen", article="afval", channel="webchat")
        h.grade(conv, _s(t, 60), grade, "webchat", None)
    t = at("2025-06-05 11:00")
    h.open("n-B4", t, "webchat", "c8")
    h.add("bot_fallback", "n-B4", _s(t, 1), intent="nlu_fallback", article=None, channel="webchat",
          question_key=UNANSWERED_KEY)

    # E: e-mails to team vergunningen; (conv, opened, contact, answered at or None, grade)
    for conv, when, contact, answered, grade in [
        ("n-E1", "2025-06-02 09:00", "c9", "2025-06-10 16:00", 5),
        ("n-E2", "2025-06-03 09:00", "c10", "2025-06-12 09:00", None),
        ("n-E3", "2025-06-13 09:00", "c11", None, None),
    ]:
        t = at(when)
        h.open(conv, t, "email", contact)
        h.add("handover", conv, t, reason="email", team="vergunningen", priority=0, topic="parkeervergunning")
        if answered:
            a = at(answered)
            h.add("assigned", conv, _s(a, -600), agent="agent-v", how="manual", team="vergunningen")
            h.add("agent_reply", conv, a, agent="agent-v", channel="email")
            h.add("closed", conv, _s(a, 1800), by="agent-v", outcome="answered", team="vergunningen")
            if grade:
                h.grade(conv, _s(a, 3600), grade, "email", "vergunningen")

    # S: WhatsApp to team kcc
    for conv, when, contact, answered, closed in [
        ("n-S1", "2025-06-06 16:00", "c12", "2025-06-10 10:00", "2025-06-10 10:30"),
        ("n-S2", "2025-06-10 09:00", "c13", "2025-06-11 17:30", "2025-06-11 18:00"),
    ]:
        t = at(when)
        h.open(conv, t, "whatsapp", contact)
        h.add("handover", conv, _s(t, 60), reason="asked_for_person", team="kcc", priority=0, topic="afval")
        h.add("assigned", conv, _s(at(answered), -60), agent="agent-n", how="auto", team="kcc")
        h.add("agent_reply", conv, at(answered), agent="agent-n", channel="whatsapp")
        h.add("closed", conv, at(closed), by="agent-n", outcome="answered", team="kcc")
    h.grade("n-S1", at("2025-06-10 10:31"), 8, "whatsapp", "kcc")
    h.add("satisfaction", "n-S2", at("2025-06-11 18:01"), score=3, channel="whatsapp", team="kcc")  # the former scale

    # callbacks from conversations: (id, conversation, created, done or None)
    for cid, conv, created, done in [("n-cb1", "n-W2", "2025-06-02 12:00", "2025-06-04 10:00"),
                                     ("n-cb2", "n-S1", "2025-06-06 17:00", "2025-06-12 10:00"),
                                     ("n-cb3", "n-W5", "2025-06-04 11:00", None)]:
        h.add("callback_created", conv, at(created), callback_id=cid, by="agent-n")
        if done:
            h.add("callback_done", conv, at(done), callback_id=cid)
    return h.events
