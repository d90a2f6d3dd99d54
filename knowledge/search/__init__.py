"""Knowledge search: one interface (``base.SearchEngine``), two engines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge.search.base import SearchEngine

if TYPE_CHECKING:
    from hub.core.settings import Settings

__all__ = ["SearchEngine", "create_engine"]


def create_engine(settings: Settings) -> SearchEngine:
    """Elasticsearch when ``KCC_ELASTICSEARCH_URL`` is set, the embedded Tantivy index otherwise."""
    if settings.elasticsearch_url:
        from knowledge.search.elastic_engine import ElasticEngine

        return ElasticEngine.from_settings(settings)
    from knowledge.search.tantivy_engine import TantivyEngine

    return TantivyEngine()
