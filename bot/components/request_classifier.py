"""Puts the step a resident asks for in so many words first (after the statistical classifier).

The logistic regression reads a whole message; in a long story the topic words outweigh the
one sentence that says what the resident wants ("... Kan iemand mij terugbellen?"), and an
officialese request ("Gaarne zou ik telefonisch benaderd worden") is far from the training
examples. ``request_cues.requested_step`` finds such a request in the words; this component
then makes that intent the first one (confidence ``confidence``, the others scaled down so the
ranking still sums to what it did), so the dialogue rules start the step: the handover, the
callback form or the status form.

A handover guessed for a longer message that names no person at all ("... ik zoek nog een
goede DJ. Weet jij er een?") is dropped for the next intent in the ranking.

A terse message that names a public thing and what is wrong with it ("kapotte bank speeltuin",
"zwerfafval speeltuin"), or a statement without a question about a nuisance in public space ("afvalbak bij
de bushalte puilt uit al dagen"), goes to ``melding`` (``report_cues.plain_report``; a partner's asset keeps
the partner question, whose gate refers it): the classifier reads
such search-box words as the nearest topic; the melding gate then decides as for any report.

A message of a few words that names a thing a municipality does not answer (a lottery, the weather
forecast, train times, a sports club, a recipe, a shop chain) and nothing it does goes to ``out_of_scope``
(``out_of_scope_cues.out_of_scope_words``).

A message that tells of being sent from desk to desk ("van het kastje naar de muur", "I keep
getting bounced between departments") goes to ``angry`` unless it asks for a call back: its
gate hands over with priority.

Intents the cue does not overrule: a form's answers and choices (inform, affirm, deny, stop,
notify_*), an appointment intent with an appointment in the words (its gate reads them), the
data-access question, and anger (its gate hands over with priority on frustration, or for a
person asked for; only a call back asked for in so many words overrules it).

Placed between the LogisticRegressionClassifier and the FallbackClassifier in config.yml.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.components.out_of_scope_cues import out_of_scope_words
from bot.components.report_cues import plain_report
from bot.components.request_cues import names_a_person, requested_step, sent_around

KEEP = {"inform", "affirm", "deny", "stop", "notify_optin", "notify_stop", "ask_data_access"}
APPOINTMENTS = {"appointment_book", "appointment_move", "appointment_cancel"}
# The report itself and the article on reporting: the melding gate already reads their words.
REPORT_INTENTS = {"melding", "melding-openbare-ruimte"}
# Below this the classifier's own guess of the step asked for is raised to the component's confidence
# (the FallbackClassifier after this component would otherwise turn it into the clarify question).
UNSURE = 0.5
# An appointment intent with an appointment in the words keeps its own gate ("bel me over mijn
# afspraak" is about that appointment); without one it is a guess like any other.
APPOINTMENT_WORD = re.compile(r"\b(afspra\w*|appointment\w*|afs-?\d+)\b", re.IGNORECASE)


def adjusted(text: str, ranking: list[dict[str, Any]], confidence: float, min_words: int) -> list[dict[str, Any]] | None:
    """The new ranking when the words overrule the classifier, else None."""
    if not ranking or not text or text.startswith("/"):
        return None
    top = ranking[0][INTENT_NAME_KEY]
    if top in KEEP or (top in APPOINTMENTS and APPOINTMENT_WORD.search(text)):
        return None
    step = requested_step(text)
    if step != "callback" and sent_around(text):
        step = "angry"  # sent from desk to desk: the angry gate hands over with priority
    if step and step != top and (top != "angry" or step == "callback"):
        return promoted(ranking, step, confidence)
    unsure = float(ranking[0][PREDICTED_CONFIDENCE_KEY] or 0) < UNSURE
    if step and (step == top or (top == "angry" and step == "handover")) and unsure:
        # the classifier guessed the step asked for but was unsure: the words make it sure (an angry guess
        # at 0.25 fell below the fallback threshold and got the clarify question, not the person asked for)
        return promoted(ranking, top, confidence)
    if not step and (top != "out_of_scope" or unsure) and out_of_scope_words(text):
        # "uitslag staatsloterij", "vertrektijden intercity": words a municipality does not answer, and none it does
        return promoted(ranking, "out_of_scope", confidence)
    if not step and (top not in REPORT_INTENTS | {"partner_question"} or (top == "melding" and unsure)) and plain_report(text):
        # "kapotte bank speeltuin", "afvalbak bij de bushalte puilt uit al dagen": the melding gate reads it (an unsure report guess is made sure, as for a step)
        return promoted(ranking, "melding", confidence)
    if top == "handover" and not step and len(text.split()) >= min_words and not names_a_person(text):
        rest = ranking[1:]
        return promoted(rest, rest[0][INTENT_NAME_KEY], rest[0][PREDICTED_CONFIDENCE_KEY]) if rest else None
    return None


def promoted(ranking: list[dict[str, Any]], intent: str, confidence: float) -> list[dict[str, Any]]:
    """``ranking`` with ``intent`` first at ``confidence``, the others scaled to share the rest."""
    others = [dict(r) for r in ranking if r[INTENT_NAME_KEY] != intent]
    total = sum(float(r[PREDICTED_CONFIDENCE_KEY] or 0) for r in others)
    scale = (1.0 - confidence) / total if total > 1.0 - confidence else 1.0
    for r in others:
        r[PREDICTED_CONFIDENCE_KEY] = float(r[PREDICTED_CONFIDENCE_KEY] or 0) * scale
    return [{INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence}, *others]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RequestCueClassifier(GraphComponent, IntentClassifier):
    """Makes the step asked for in so many words the first intent (see ``request_cues``)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "confidence": 0.95,  # the promoted intent's confidence
            "min_words": 9,  # a handover guess without a person word is dropped from this length on
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not 0.5 <= float(config.get("confidence", 0.95)) <= 1.0:
            raise ValueError("RequestCueClassifier: confidence must be between 0.5 and 1")

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> RequestCueClassifier:
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = config

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = adjusted(
                message.get(TEXT) or "",
                list(message.get(INTENT_RANKING_KEY) or []),
                float(self.component_config["confidence"]),
                int(self.component_config["min_words"]),
            )
            if ranking:
                message.set(INTENT, dict(ranking[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
