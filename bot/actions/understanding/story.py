"""Long messages: the topic of a story is one detail among many sentences.

The classifier reads a story of several sentences as one text: the words about the family, the
house or the job outweigh the one detail that names the topic ("een dakkapel", "wijn en bier
schenken", "een rat bij de schuur"), and it names a topic whose training examples are stories
too. Knowledge search weighs each word by how rare it is among the articles, so that detail
counts. For a long message the bot therefore ranks the topics by both:

    fused(topic) = NLU_WEIGHT * classifier confidence + (1 - NLU_WEIGHT) * search score / best search score

Short messages keep the classifier's choice: there its guess is not diluted, and search alone
is weaker on keywords, typos and colloquial Dutch. Tuned on the development set only
(``bench/eval/dev.jsonl`` and the older search questions, never the locked test set): offline,
with the threshold at 20 words and equal weights, the right topic came first for 33 instead of
27 of 43 stories and no other item changed; 15 words cost older search and place/date questions;
weights of 0.3 to 0.5 gave the same, 0.6 gave back two stories. End to end the dev stories went
from 28 to 34 of 43 (bot/README.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence

from knowledge.models import Hit

LONG_WORDS = 20
NLU_WEIGHT = 0.5
SEARCH_SIZE = 10

Ranking = Sequence[tuple[str, float]]  # (intent, confidence), best first
Search = Callable[[str], Awaitable[list[Hit]]]


def is_long(text: str) -> bool:
    """A message long enough to tell a story (and dilute the classifier's guess)."""
    return len(text.split()) >= LONG_WORDS


def fuse(ranking: Ranking, hits: Sequence[Hit], topics: Iterable[str], weight: float = NLU_WEIGHT) -> list[tuple[str, float]]:
    """The topics ranked by the classifier's confidence and the search score together, best first.

    Search scores are divided by the best one (the best hit counts 1), so both parts lie between
    0 and 1 whatever the engine's scale. Only topic intents take part.
    """
    topics = set(topics)
    nlu = {name: conf for name, conf in ranking if name in topics}
    best = max((hit.score for hit in hits), default=0.0)
    found = {hit.slug: hit.score / best for hit in hits if hit.slug in topics} if best > 0 else {}
    fused = {slug: weight * nlu.get(slug, 0.0) + (1 - weight) * found.get(slug, 0.0) for slug in {*nlu, *found}}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


async def story_topic(text: str, ranking: Ranking, topics: Iterable[str], search: Search) -> str | None:
    """The topic a long message is most likely about, or None for a short one (the classifier decides)."""
    if not is_long(text) or text.startswith("/"):
        return None
    fused = fuse(ranking, await search(text), topics)
    return fused[0][0] if fused and fused[0][1] > 0 else None
