"""Fixtures of the bot's unit tests: the shipped knowledge content in a real Tantivy index."""

from __future__ import annotations

import pytest

from knowledge.search.tantivy_engine import TantivyEngine
from tests.knowledge.conftest import shipped_articles


@pytest.fixture(scope="module")
def engine() -> TantivyEngine:
    """The shipped articles and synonyms, indexed once per test module (as the hub indexes them)."""
    articles, synonyms = shipped_articles()
    engine = TantivyEngine()
    engine.load_synonyms(synonyms)
    engine.put_many(articles)
    return engine
