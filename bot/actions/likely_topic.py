"""The topic a resident most likely means when a gate turns down the step the classifier chose.

A gate (the melding form, the status step) acts only on evidence in the words. Without it the
message is a topic question, but the classifier was often very sure of the wrong step
("Mag er op Paaszaterdag een paasvuur achter de Veldweg?": melding 0.91, stookontheffing
0.08), so the next-ranked topic is below the confidence the gates ask for, or a non-topic
intent comes second. Then the topics are ranked by the classifier's confidence and the
knowledge search score together, as for long messages (``story.fuse``): search weighs the one
word that names the topic ("paasvuur", "VOG", "wallet") and is not pulled by a street or a date.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions import story
from bot.actions.common import knowledge, ranking, topic_intents
from bot.actions.gates import next_best, text_of


async def likely_topic(tracker: Tracker, skip: set[str]) -> str | None:
    """The classifier's next topic when it is sure enough (``gates.next_best``), else the fused choice."""
    topics = topic_intents()
    if slug := next_best(tracker, skip, topics):
        return slug
    text = text_of(tracker)
    if not text or text.startswith("/"):
        return None
    hits = await (await knowledge()).search(text, size=story.SEARCH_SIZE, view="resident")
    ranked = [(name, conf) for name, conf in ranking(tracker) if name not in skip]
    fused = story.fuse(ranked, hits, topics - skip)
    return fused[0][0] if fused and fused[0][1] > 0 else None
