"""An interim message when a written or social answer term is about to run out (hub.cases.norms)."""

from __future__ import annotations

from datetime import timedelta

from handover.interim import INTERIM_TEXT, InterimNotifier
from hub.cases import norms
from hub.core.models import utcnow


async def _interims(d, conv_id: str) -> list[str]:
    return [m["text"] for m in await d.messages(conv_id, author="system") if m["metadata"].get("kind") == "interim"]


async def test_once_a_few_hours_before_the_term_runs_out_and_not_after_an_answer(inproc):
    d = await inproc(norm_interim_hours=4)
    notifier = InterimNotifier(d.pipeline, d.settings)
    sms = await d.handed_over(channel="sms")
    conv = await d.conv(sms)
    due = norms.due_at("sms", conv["queued_at"], d.settings)
    assert due is not None
    # one working day: at 17:00 of the next working day (weekends and holidays skipped)
    assert due - conv["queued_at"] >= timedelta(hours=4)
    assert await notifier.round(now=due - timedelta(hours=5)) == due - timedelta(hours=4)
    assert await _interims(d, sms) == []
    await notifier.round(now=due - timedelta(hours=3))
    await notifier.round(now=due - timedelta(hours=2))  # once
    assert await _interims(d, sms) == [INTERIM_TEXT]

    answered = await d.handed_over(channel="whatsapp")
    await d.db.conversations.update_one({"_id": answered}, {"$set": {"last_agent_reply_at": utcnow()}})
    chat = await d.handed_over(channel="webchat")  # the live chat has its wait messages instead
    later = utcnow() + timedelta(days=10)
    await notifier.round(now=later)
    assert await _interims(d, answered) == [] and await _interims(d, chat) == []
