"""The one search interface both engines implement (embedded Tantivy, Elasticsearch)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from knowledge.models import Article, Hit, View


class SearchEngine(ABC):
    """Full-text search over articles with two views.

    ``resident``: published articles inside their publication window; the internal note is
    never indexed into this view. ``staff``: drafts and published articles (whatever their
    dates), internal notes included. Archived articles are in neither view.
    """

    name: str = "search"

    @abstractmethod
    async def index(self, article: Article) -> None:
        """Add or replace one article; visible to the next search."""

    async def index_many(self, articles: Iterable[Article]) -> None:
        for article in articles:
            await self.index(article)

    @abstractmethod
    async def remove(self, slug: str) -> None:
        """Remove an article from both views."""

    @abstractmethod
    async def search(self, q: str, size: int = 5, audience_view: View = "resident") -> list[Hit]:
        """Best first; the same shape from every engine."""

    @abstractmethod
    async def set_synonyms(self, groups: list[list[str]]) -> None:
        """Replace the synonym groups used from the next search on."""

    @abstractmethod
    def ready(self) -> bool:
        """True once the engine answers searches."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has nothing to release."""
