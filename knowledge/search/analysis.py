"""Dutch text analysis shared by the search engines, the snippets and the unanswered-question log."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import tantivy

ANALYZER = "nl"

# Filler words of questions that the Snowball Dutch list keeps but that say nothing about a
# topic ("kan ik", "graag", "jullie"). Kept short on purpose: every word here is unsearchable.
EXTRA_STOPWORDS = [
    "graag",
    "even",
    "jullie",
    "welke",
    "waar",
    "wanneer",
    "waarom",
    "hoeveel",
    "mag",
    "mogen",
    "moeten",
    "krijg",
    "krijgen",
    "ik",
    "we",
    "wij",
    "mijn",
    "onze",
    "ons",
    "jij",
    "jouw",
    "dat",
    "dit",
    "daar",
    "er",
    "eigenlijk",
    "nou",
    "hoi",
    "hallo",
    "beste",
    "bedankt",
    "alvast",
]


def build_analyzer() -> tantivy.TextAnalyzer:
    """Lowercase, fold accents, drop Dutch stop words, Snowball Dutch stemming."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("dutch"))
        .filter(tantivy.Filter.custom_stopword(EXTRA_STOPWORDS))
        .filter(tantivy.Filter.stemmer("dutch"))
        .build()
    )


_ANALYZER = build_analyzer()


@lru_cache(maxsize=50_000)
def _analyze_cached(text: str) -> tuple[str, ...]:
    return tuple(_ANALYZER.analyze(text))


def analyze(text: str) -> list[str]:
    """The index terms of ``text`` (stemmed, folded), in order."""
    if len(text) > 2000:
        return list(_ANALYZER.analyze(text))
    return list(_analyze_cached(text))


def fold(text: str) -> str:
    """Lowercase without accents (``één`` -> ``een``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """Sentences and bullet lines of an answer, stripped of list markers."""
    parts = []
    for raw in _SENTENCE_RE.split(text):
        line = raw.strip().lstrip("-*•").strip()
        if line:
            parts.append(line)
    return parts


# Verbs that say how someone asks, not what about ("hoe vraag ik ... aan", "regelen"): left out
# of the grouping key, so "paspoort aanvragen" and "hoe vraag ik een paspoort aan" meet.
_GENERIC = frozenset(
    t
    for w in ("vraag", "aanvragen", "regelen", "doen", "krijgen", "weten", "wil")
    for t in _ANALYZER.analyze(w)
)
_PLACEHOLDER = re.compile(r"\[[^\]]*\]")


def normalise_question(text: str) -> str:
    """Grouping key for questions: the sorted set of index terms (order and inflection ignored)."""
    words = set(analyze(_PLACEHOLDER.sub(" ", text)))
    terms = sorted(words - _GENERIC) or sorted(words)
    return " ".join(terms) if terms else fold(text).strip()
