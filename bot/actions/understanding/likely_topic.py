"""The topic a resident most likely means when a gate turns down the step the classifier chose.

A gate (the melding form, the status step) acts only on evidence in the words. Without it the
message is a topic question, but the classifier was often very sure of the wrong step
("Mag er op Paaszaterdag een paasvuur achter de Veldweg?": melding 0.91, stookontheffing
0.08), so the next-ranked topic is below the confidence the gates ask for, or a non-topic
intent comes second. Then the bot answers the classifier's best-ranked topic, however low its
confidence, when knowledge search puts the same article first: two independent signals agree,
and search weighs the one word that names the topic ("paasvuur", "VOG", "wallet") and is not
pulled by a street or a date. When they disagree the gate asks one short question (clarify).
On dev, fusing the two scores as for long messages (``story.fuse``) chose the same topics; the
agreement is the stricter rule, so it is the one kept (bot/README.md). The clarify action uses the
same agreement (``agreed_topic``) for a message below the classifier's fallback threshold.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions.common import knowledge, ranking, text_of, topic_intents
from bot.actions.understanding import story  # SEARCH_SIZE: the same search as for long messages


def next_best(tracker: Tracker, skip: set[str], topics: set[str], floor: float = 0.1) -> str | None:
    """The best-ranked topic intent that is not in ``skip``, if it has at least ``floor`` confidence."""
    for name, confidence in ranking(tracker):
        if name in skip:
            continue
        return name if name in topics and confidence >= floor else None
    return None


async def likely_topic(tracker: Tracker, skip: set[str]) -> str | None:
    """The classifier's next topic when it is sure enough (``next_best``), else its best topic if search agrees."""
    topics = topic_intents()
    if slug := next_best(tracker, skip, topics):
        return slug
    return await agreed_topic(tracker, skip, topics)


async def agreed_topic(tracker: Tracker, skip: set[str], topics: frozenset[str] | set[str]) -> str | None:
    """The classifier's best-ranked topic (not in ``skip``), however low, when search puts the same article first."""
    text = text_of(tracker)
    if not text or text.startswith("/"):
        return None
    best = next((name for name, _ in ranking(tracker) if name in topics and name not in skip), None)
    if best is None:
        return None
    hits = await (await knowledge()).search(text, size=story.SEARCH_SIZE, view="resident")
    first = next((hit.slug for hit in hits if hit.slug in topics and hit.slug not in skip), None)
    return best if best == first else None
