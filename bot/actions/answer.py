"""Answers from the knowledge base, and clarification when the bot is not sure.

The answer text is the published article as it is now, read from the knowledge base at
reply time: an editor's change reaches residents without retraining the model.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import (
    APPOINTMENT_STEPS,
    answered_topics,
    db,
    knowledge,
    meta,
    ranking,
    top_intent,
    topic_intents,
    utter_whole,
)
from bot.actions.short_answer import MORE_BUTTON, has_more, short_answer
from bot.actions.understanding import story
from bot.actions.understanding.likely_topic import agreed_topic
from bot.components.status_cues import status_evidence
from knowledge import unanswered
from knowledge.search.english import looks_english

HUMAN_BUTTON = {"title": "Ik wil een medewerker spreken", "payload": "/handover"}
# Steps whose gate reads the words; when a gate turned one down, the guess after it counts.
GATED_STEPS = frozenset({"melding", "angry", "status"}) | APPOINTMENT_STEPS
OUT_OF_SCOPE_TEXT = (
    "Daar kan ik u helaas niet mee helpen. Ik help u met vragen over de gemeente, bijvoorbeeld over uw paspoort, "
    "verhuizen, afval, vergunningen, belastingen of hulp. Ik kan ook een melding aannemen of een medewerker voor u zoeken."
)


def out_of_scope_guess(tracker: Tracker) -> bool:
    """Below the confidence to act, the classifier's best guess (past a gated step) is out of scope.

    With no article shown yet a follow-up guess is looked past too: there is nothing to follow up
    ("hoe lang moet een ei koken?" is no question about the last answer).
    """
    skip = GATED_STEPS if tracker.get_slot("last_article") else GATED_STEPS | {"follow_up"}
    return next((name for name, _ in ranking(tracker) if name not in skip), None) == "out_of_scope"


# A few words whose topic the classifier is unsure of, with out of scope close behind ("goedkoopste
# sportschool": pupil transport 0.52, out of scope 0.31): on dev every terse topic question has its
# topic at 0.6 or more and out of scope at 0.05 or less.
TERSE_OOS_WORDS = 4
TERSE_OOS_TOPIC_BELOW = 0.7
TERSE_OOS_RUNNER_UP = 0.15


def terse_out_of_scope(text: str, intents: list[tuple[str, float]]) -> bool:
    """A message of a few words, its topic guess unsure and out of scope the runner-up."""
    if not text.strip() or text.startswith("/") or len(text.split()) > TERSE_OOS_WORDS or not intents:
        return False
    top, conf = intents[0]
    if top not in answered_topics() or conf >= TERSE_OOS_TOPIC_BELOW:
        return False
    return dict(intents[1:]).get("out_of_scope", 0.0) >= TERSE_OOS_RUNNER_UP


def shown(tracker: Tracker, *slugs: str) -> list[str]:
    return list(dict.fromkeys([*(tracker.get_slot("articles_shown") or []), *slugs]))[-10:]


ENGLISH_LINE = "I can help you in Dutch. This is the answer from our website:"
# Below the fallback threshold, classifier and search agreeing answers only a sentence: in two or
# three words both read the same one word ("qwrtz plofkip zonnebril"), so they are not two signals.
AGREE_MIN_WORDS = 5


async def answer_article(dispatcher: CollectingDispatcher, tracker: Tracker, slug: str | None) -> list[dict[str, Any]] | None:
    """Answer from the published article ``slug`` in one bubble; None when there is no such article.

    The short answer first (``short_answer``: the fee, the term or what to bring when asked,
    else the article's first paragraph), with "Meer weten?" when there is more to read.
    An English question gets one English line first: the articles are Dutch, and a
    resident who wrote in English should know the bot understood them.
    """
    svc = await knowledge()
    article = await svc.get_article(slug, view="resident") if slug else None
    if article is None:
        return None
    products = await related_products(svc, article)
    asked = (tracker.latest_message or {}).get("text") or ""
    text, aspect = short_answer(article.answer, products, asked)
    buttons = [MORE_BUTTON] if has_more(article.answer, products, text) else []
    english = looks_english(asked)
    if english:
        text = f"{ENGLISH_LINE}\n{text}"
    utter_whole(dispatcher, text, buttons)
    dispatcher.utter_message(json_message=meta(tracker, "answer", article=article.slug, english=english, aspect=aspect))
    return [
        SlotSet("last_article", article.slug),
        SlotSet("articles_shown", shown(tracker, article.slug)),
        SlotSet("misses", 0.0),
    ]


async def told_topic(tracker: Tracker) -> str | None:
    """For a long message, the topic the classifier and search agree on best (``story``); else None."""
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    if not story.is_long(text):
        return None
    svc = await knowledge()
    return await story.story_topic(
        text, ranking(tracker), answered_topics(), lambda q: svc.search(q, size=story.SEARCH_SIZE, view="resident")
    )


async def related_products(svc: Any, article: Any, limit: int = 2) -> list[Any]:
    """The article's first ``limit`` products that exist in the catalogue."""
    found = []
    for product_slug in article.related_products[:limit]:
        product = await svc.get_product(product_slug)
        if product is not None:
            found.append(product)
    return found


class ActionAnswer(Action):
    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        slug, _ = top_intent(tracker)
        if terse_out_of_scope((tracker.latest_message or {}).get("text") or "", ranking(tracker)):
            return await ActionClarify().run(dispatcher, tracker, domain)  # says what the bot does, offers the topics
        if slug in answered_topics():  # a story: its topic may be one detail the classifier missed
            slug = await told_topic(tracker) or slug
        events = await answer_article(dispatcher, tracker, slug)
        if events is None:
            return await ActionClarify().run(dispatcher, tracker, domain)
        return events


class ActionClarify(Action):
    """Low confidence: offer the best 2-3 articles; after two misses in a row, offer a person.

    Below the fallback threshold the bot still answers when the classifier's best-ranked topic is
    the article knowledge search puts first (``likely_topic.agreed_topic``, the rule a gate that
    says no already uses): two independent signals agree. Not when the best guess is out of scope,
    not for a message of fewer than ``AGREE_MIN_WORDS`` words, not for a gated topic.
    """

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        if not tracker.active_loop_name and status_evidence(text):
            return [FollowupAction("status_form")]  # a case number, or "ik heb ... aangevraagd, hoe ver is het?"
        oos = out_of_scope_guess(tracker) or terse_out_of_scope(text, ranking(tracker))
        # search's first article may be a gated topic (the report form): then there is no agreement
        sentence = len(text.split()) >= AGREE_MIN_WORDS and not tracker.active_loop_name
        if not oos and sentence and (slug := await agreed_topic(tracker, set(), topic_intents())) in answered_topics():
            # unsure, but the classifier's best topic is the article search finds first: two signals agree
            if (events := await answer_article(dispatcher, tracker, slug)) is not None:
                return events
        misses = float(tracker.get_slot("misses") or 0) + 1
        hits = (await (await knowledge()).search(text, size=3, view="resident")) if text.strip() else []
        buttons = [{"title": hit.title, "payload": f"/{hit.slug}"} for hit in hits]
        if oos and misses < 2:
            # "uitslag eredivisie" just below the threshold: say what the bot does, and still offer the topics
            reply = OUT_OF_SCOPE_TEXT + (" Of gaat uw vraag over een van deze onderwerpen?" if hits else "")
            if looks_english(text):
                reply = f"I can only help with questions about the municipality, in Dutch.\n{reply}"
            dispatcher.utter_message(text=reply, buttons=buttons)
            dispatcher.utter_message(json_message=meta(tracker, "out_of_scope", offered=[h.slug for h in hits]))
            # still a miss: a second one in a row offers a person
            return [SlotSet("misses", misses), SlotSet("articles_shown", shown(tracker, *[h.slug for h in hits]))]
        if misses >= 2:
            buttons.append(HUMAN_BUTTON)
        if hits:
            reply = "Ik weet niet zeker wat u bedoelt. Gaat uw vraag over een van deze onderwerpen?"
            action = "clarify"
        else:
            reply = "Dat begrijp ik niet goed. Kunt u uw vraag in andere woorden stellen?"
            action = "fallback"
        if misses >= 2:
            reply += " Ik kan u ook doorverbinden met een medewerker."
        if looks_english(text):
            reply = f"I can help you in Dutch. Is your question about one of these topics?\n{reply}" if hits else (
                f"I can help you in Dutch. Could you put your question in other words?\n{reply}"
            )
        key = None
        if text.strip() and not text.startswith("/"):
            key = await unanswered.record(db(), text, [h.slug for h in hits])
        dispatcher.utter_message(text=reply, buttons=buttons)
        # the group key (no personal data) lets the dashboard show the question's text, not an intent name
        dispatcher.utter_message(json_message=meta(tracker, action, offered=[h.slug for h in hits], question_key=key))
        return [SlotSet("misses", misses), SlotSet("articles_shown", shown(tracker, *[h.slug for h in hits]))]
