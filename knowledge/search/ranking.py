"""What both search engines rank by: the knobs, the known words, synonyms, n-grams, the snippet.

The embedded Tantivy engine and the Elasticsearch engine read a question the same way: the
same analysed words (``analysis.analyze``), the same synonym forms, the same field boosts and
weights, the same known-word counts (typo and compound handling only for unknown words, rare
words weighing more), and they cut the same snippet from the answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.models import Article
from knowledge.search.analysis import analyze, sentences

Form = tuple[str, ...]  # one word or a multi-word synonym, analysed
Sentences = list[tuple[str, frozenset[str]]]  # each sentence with its analysed words


@dataclass
class Tuning:
    """Ranking knobs, tuned on development data only (knowledge/eval/questions.jsonl and bench/eval/dev.jsonl, never the locked test set) with bench/knowledge.py."""

    boosts: dict[str, float] = field(
        default_factory=lambda: {
            "title": 2.0,
            "question": 2.0,
            "keywords": 2.0,
            "answer": 1.0,
            "note": 0.6,
        }
    )
    tie_breaker: float = 0.2  # dismax over fields: best field + this share of the others
    synonym_weight: float = 0.9  # a synonym counts almost as much as the word itself
    fuzzy_weight: float = 0.7  # a corrected typo (edit distance 1)
    fuzzy_weight_far: float = 0.5  # edit distance 2 (words of 8+ letters)
    compound_weight: float = 0.6  # each part of a split compound word
    phrase_weight: float = 0.5  # two query words next to each other in title/question/keywords
    gram_weight: float = 1.5  # n-gram overlap of an unknown or compound word (whole word)
    gram_min_len: int = 9  # known words this long get n-grams too (likely compounds)
    specificity: float = 0.5  # extra weight for rare words: (idf / max idf) ** this
    # An unknown word is replaced by its closest known words, scored with their real BM25 weight.
    fuzzy_min_len: int = 4
    fuzzy_far_min_len: int = 8


def grams(token: str, n: int = 4) -> list[str]:
    """Character n-grams of a term: partial matches for compounds and misspellings."""
    if len(token) <= n or token.isdigit():
        return []
    return [token[i : i + n] for i in range(len(token) - n + 1)]


def keyword_text(article: Article) -> str:
    """Keywords and the article's own synonyms as one indexed text."""
    return " . ".join([*article.keywords, *article.synonyms])


def article_terms(article: Article) -> frozenset[str]:
    """The known words an article brings: title, question, keywords, answer (never the note)."""
    texts = (article.title, article.question, keyword_text(article), article.answer)
    return frozenset(t for text in texts for t in analyze(text))


def head_grams(article: Article) -> str:
    """The n-grams of the title, question and keyword words, space-separated (the grams field)."""
    head = analyze(" . ".join([article.title, article.question, keyword_text(article)]))
    return " ".join(g for token in head for g in grams(token))


def synonym_table(groups: list[list[str]]) -> dict[Form, list[Form]]:
    """Each analysed form of a group -> the other forms of its groups."""
    table: dict[Form, list[Form]] = {}
    for group in groups:
        forms: list[Form] = []
        for term in group:
            tokens = tuple(analyze(term))
            if tokens and tokens not in forms:
                forms.append(tokens)
        for form in forms:
            table.setdefault(form, [])
            table[form].extend(f for f in forms if f != form and f not in table[form])
    return table


def specificity(df: int, n: int, power: float) -> float:
    """Common words (``kosten``, ``aanvragen``) count less than rare ones: (idf / max idf) ** power."""
    if not power or not n:
        return 1.0
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    top = math.log(1 + (n - 0.5) / 1.5)
    return max(0.05, min(1.0, idf / top)) ** power


class Vocabulary:
    """How many indexed articles (drafts and published, not archived) hold each known word."""

    def __init__(self) -> None:
        self.df: Counter[str] = Counter()
        self._terms: dict[str, frozenset[str]] = {}

    def put(self, article: Article) -> None:
        self.remove(article.slug)
        if article.status == "archived":
            return
        terms = article_terms(article)
        self._terms[article.slug] = terms
        self.df.update(terms)

    def remove(self, slug: str) -> None:
        old = self._terms.pop(slug, None)
        if old:
            self.df.subtract(old)
            for term in old:
                if self.df[term] <= 0:
                    del self.df[term]

    def known(self, term: str) -> bool:
        return term in self.df

    def __len__(self) -> int:
        return len(self._terms)

    def words(self) -> list[str]:
        return sorted(self.df)

    def specificity(self, forms: Iterable[Form], power: float) -> float:
        df = min((self.df.get(t, 0) for form in forms for t in form), default=0)
        return specificity(df, len(self), power)


def analysed_sentences(text: str) -> Sentences:
    return [(s, frozenset(analyze(s))) for s in sentences(text)]


def _best(sentence_terms: Sentences, terms: set[str]) -> tuple[int, int]:
    best_i, best_n = 0, 0
    for i, (_, words) in enumerate(sentence_terms):
        n = len(words & terms)
        if n > best_n:
            best_i, best_n = i, n
    return best_i, best_n


def snippet(
    answer: Sentences, note: Sentences, terms: set[str], staff: bool, limit: int = 200
) -> str:
    """The answer sentence that shares most words with the question, plus what follows it."""
    source = answer
    start, hits = _best(source, terms)
    prefix = ""
    if staff and note:
        note_start, note_hits = _best(note, terms)
        if note_hits > hits:
            source, start, prefix = note, note_start, "Intern: "
    if not source:
        return ""
    text = ""
    for sentence, _ in source[start:]:
        text = f"{text} {sentence}".strip()
        if len(text) >= limit * 0.6:
            break
    text = prefix + text
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text
