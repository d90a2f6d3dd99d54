"""Embedded, in-RAM Tantivy search with Dutch analysis, synonyms and typo tolerance.

Two small indexes, one per view, so the resident view cannot leak what it never held:

* ``resident``: published articles only, without the internal note; the publication
  window (publish_from / publish_until) is checked at query time, so an article appears
  and disappears on its dates without re-indexing.
* ``staff``: drafts and published articles with the internal note.

Every change is committed and the searchers reloaded at once (reload policy manual), so
an edit is searchable when ``index()`` returns. Queries are built here rather than parsed:
each query word becomes a "concept" (the word, its synonyms, and for an unknown word its
closest known spellings and compound parts), scored over boosted fields.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import tantivy
from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.models import Article, Hit, View, utcnow
from knowledge.search.analysis import ANALYZER, analyze, build_analyzer
from knowledge.search.base import SearchEngine
from knowledge.search.english import looks_english, translate
from knowledge.search.ranking import (
    Sentences,
    Tuning,
    analysed_sentences,
    article_terms,
    grams,
    head_grams,
    keyword_text,
    snippet,
    specificity,
    synonym_table,
)

NEVER = 2**62
GRAMS = "grams"
Occur = tantivy.Occur
Q = tantivy.Query
Concepts = list[list[tuple[tuple[str, ...], float]]]  # per query word: (form, weight) alternatives
Clause = tuple[tantivy.Occur, tantivy.Query]


@dataclass
class _Doc:
    article: Article
    answer_sentences: Sentences
    note_sentences: Sentences
    terms: frozenset[str]


def _epoch(value: datetime | None, default: int) -> int:
    return int(value.timestamp()) if value else default


class _ViewIndex:
    """One in-RAM Tantivy index with its own writer."""

    def __init__(self, fields: list[str], with_dates: bool):
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("slug", stored=True, tokenizer_name="raw")
        for name in fields:
            builder.add_text_field(name, stored=False, tokenizer_name=ANALYZER)
        builder.add_text_field("grams", stored=False, tokenizer_name=GRAMS, index_option="freq")
        if with_dates:
            builder.add_integer_field("publish_from", indexed=True, fast=True)
            builder.add_integer_field("publish_until", indexed=True, fast=True)
        self.fields = fields
        self.with_dates = with_dates
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        self.index.register_tokenizer(ANALYZER, build_analyzer())
        self.index.register_tokenizer(
            GRAMS, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        self.index.config_reader(reload_policy="Manual")
        self.writer = self.index.writer(heap_size=20_000_000, num_threads=1)

    def put(self, article: Article, texts: dict[str, str]) -> None:
        self.writer.delete_documents_by_term("slug", article.slug)
        doc = tantivy.Document()
        doc.add_text("slug", article.slug)
        for name in self.fields:
            doc.add_text(name, texts.get(name, ""))
        doc.add_text("grams", texts.get("grams", ""))
        if self.with_dates:
            doc.add_integer("publish_from", _epoch(article.publish_from, 0))
            doc.add_integer("publish_until", _epoch(article.publish_until, NEVER))
        self.writer.add_document(doc)

    def delete(self, slug: str) -> None:
        self.writer.delete_documents_by_term("slug", slug)

    def commit(self) -> None:
        self.writer.commit()
        self.index.reload()


class TantivyEngine(SearchEngine):
    name = "tantivy"

    def __init__(self, tuning: Tuning | None = None):
        self.tuning = tuning or Tuning()
        self._views = {
            "resident": _ViewIndex(["title", "question", "keywords", "answer"], with_dates=True),
            "staff": _ViewIndex(
                ["title", "question", "keywords", "answer", "note"], with_dates=False
            ),
        }
        self._docs: dict[str, _Doc] = {}
        self._vocab: Counter[str] = Counter()
        self._by_length: dict[tuple[str, int], list[str]] | None = (
            None  # (first letter, length) -> terms
        )
        self._fuzzy_cache: dict[str, list[tuple[str, float]]] = {}
        self._synonyms: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self._max_syn_len = 1
        self._lock = threading.Lock()
        self._ready = True

    # ------------------------------------------------------------------ SearchEngine API
    def ready(self) -> bool:
        return self._ready

    async def index(self, article: Article) -> None:
        self.put(article)

    async def index_many(self, articles: Iterable[Article]) -> None:
        self.put_many(articles)

    async def remove(self, slug: str) -> None:
        self.delete(slug)

    async def search(self, q: str, size: int = 5, audience_view: View = "resident") -> list[Hit]:
        return self.query(q, size, audience_view)

    async def set_synonyms(self, groups: list[list[str]]) -> None:
        self.load_synonyms(groups)

    # ------------------------------------------------------------------ synchronous core
    def put(self, article: Article) -> None:
        self.put_many([article])

    def put_many(self, articles: Iterable[Article]) -> None:
        with self._lock:
            touched = False
            for article in articles:
                self._stage(article)
                touched = True
            if touched:
                for view in self._views.values():
                    view.commit()

    def delete(self, slug: str) -> None:
        with self._lock:
            self._unstage(slug)
            for view in self._views.values():
                view.delete(slug)
                view.commit()

    def _stage(self, article: Article) -> None:
        self._unstage(article.slug)
        for view in self._views.values():
            view.delete(article.slug)
        if article.status == "archived":
            return
        texts = {
            "title": article.title,
            "question": article.question,
            "keywords": keyword_text(article),
            "answer": article.answer,
            "note": article.internal_note,
            "grams": head_grams(article),
        }
        # Known words steer typo correction and word weights; the internal note stays out, so
        # nothing in a resident's results depends on it.
        terms = article_terms(article)
        self._views["staff"].put(article, texts)
        if article.status == "published":
            self._views["resident"].put(article, {k: v for k, v in texts.items() if k != "note"})
        self._docs[article.slug] = _Doc(
            article=article,
            answer_sentences=analysed_sentences(article.answer),
            note_sentences=analysed_sentences(article.internal_note),
            terms=terms,
        )
        self._vocab.update(terms)
        self._vocab_changed()

    def _unstage(self, slug: str) -> None:
        old = self._docs.pop(slug, None)
        if old:
            self._vocab.subtract(old.terms)
            for term in old.terms:
                if self._vocab[term] <= 0:
                    del self._vocab[term]
            self._vocab_changed()

    def _vocab_changed(self) -> None:
        self._by_length = None
        self._fuzzy_cache.clear()

    def clear_caches(self) -> None:
        """Forget cached typo corrections (benchmarks measure every query cold)."""
        self._fuzzy_cache.clear()

    def load_synonyms(self, groups: list[list[str]]) -> None:
        table = synonym_table(groups)
        self._synonyms = table
        self._max_syn_len = max((len(k) for k in table), default=1)

    # ------------------------------------------------------------------ query building
    def _known(self, term: str) -> bool:
        return term in self._vocab

    def _corrections(self, term: str) -> list[tuple[str, float]]:
        """Known terms within edit distance 1 (2 for long words) of an unknown term."""
        t = self.tuning
        if len(term) < t.fuzzy_min_len or term.isdigit():
            return []
        if term in self._fuzzy_cache:
            return self._fuzzy_cache[term]
        if self._by_length is None:
            buckets: dict[tuple[str, int], list[str]] = {}
            for known in self._vocab:
                buckets.setdefault((known[0], len(known)), []).append(known)
            self._by_length = buckets
        # Typos rarely hit the first letter: compare with known terms of about the same
        # length that start with the same letter (a few hundred, not the whole vocabulary).
        max_dist = 2 if len(term) >= t.fuzzy_far_min_len else 1
        candidates = [
            w
            for n in range(len(term) - max_dist, len(term) + max_dist + 1)
            for w in self._by_length.get((term[0], n), ())
        ]
        found = process.extract(
            term, candidates, scorer=OSA.distance, score_cutoff=max_dist, limit=5
        )
        result: list[tuple[str, float]] = []
        if found:
            best = min(d for _, d, _ in found)
            weight = t.fuzzy_weight if best <= 1 else t.fuzzy_weight_far
            result = [(cand, weight) for cand, d, _ in found if d == best][:3]
        if len(self._fuzzy_cache) > 10_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[term] = result
        return result

    def _compound_parts(self, term: str) -> list[str]:
        """Split an unknown compound word into two known words (``afvalpas`` -> afval + pas)."""
        best: list[str] = []
        for i in range(3, len(term) - 2):
            left, right = term[:i], term[i:]
            lefts = {left, left[:-1] if left.endswith("s") else left}
            lefts |= {s for lf in list(lefts) for s in analyze(lf)}
            left_ok = next((lf for lf in lefts if len(lf) >= 3 and self._known(lf)), None)
            if left_ok and len(right) >= 3 and self._known(right):
                parts = [left_ok, right]
                if min(map(len, parts)) > min(map(len, best), default=0):
                    best = parts
        return best

    def _concepts(self, q: str) -> tuple[list[list[tuple[tuple[str, ...], float]]], set[str]]:
        """Query words with their weighted alternatives; multi-word forms stay tuples."""
        if looks_english(q):
            q = translate(q)
        tokens = analyze(q)
        concepts: list[list[tuple[tuple[str, ...], float]]] = []
        terms: set[str] = set()
        i = 0
        while i < len(tokens):
            matched = 0
            for n in range(min(self._max_syn_len, len(tokens) - i), 0, -1):
                form = tuple(tokens[i : i + n])
                if form in self._synonyms:
                    alts = [(form, 1.0)] + [
                        (a, self.tuning.synonym_weight) for a in self._synonyms[form]
                    ]
                    concepts.append(alts)
                    matched = n
                    break
            if matched:
                i += matched
                continue
            token = tokens[i]
            alts = [((token,), 1.0)]
            if not self._known(token):
                corrections = self._corrections(token)
                for cand, weight in corrections:
                    alts.append(((cand,), weight))
                    for syn in self._synonyms.get((cand,), []):
                        alts.append((syn, weight * self.tuning.synonym_weight))
                if not corrections:
                    for part in self._compound_parts(token):
                        alts.append(((part,), self.tuning.compound_weight))
            concepts.append(alts)
            i += 1
        for alts in concepts:
            for form, _ in alts:
                terms.update(form)
        return concepts, terms

    def _specificity(self, alts: list[tuple[tuple[str, ...], float]]) -> float:
        """Common words (``kosten``, ``aanvragen``) count less than rare ones."""
        df = min(self._vocab.get(t, 0) for form, _ in alts for t in form)
        return specificity(df, len(self._docs), self.tuning.specificity)

    def _form_query(self, view: _ViewIndex, form: tuple[str, ...], weight: float) -> tantivy.Query:
        subs = []
        for name in view.fields:
            boost = self.tuning.boosts[name] * weight
            if len(form) == 1:
                sub = Q.term_query(view.schema, name, form[0], index_option="freq")
            else:  # a phrase scores the idf of all its words: count it as one word
                sub = Q.phrase_query(view.schema, name, list(form))
                boost /= math.sqrt(len(form))
            subs.append(Q.boost_query(sub, boost))
        return Q.disjunction_max_query(subs, tie_breaker=self.tuning.tie_breaker)

    def build_query(self, q: str, view_name: View) -> tuple[tantivy.Query | None, set[str]]:
        """The query for ``q`` in one view, and the analysed terms it looks for (for snippets)."""
        view = self._views[view_name]
        concepts, terms = self._concepts(q)
        if not concepts:
            return None, terms
        clauses = self._concept_clauses(view, concepts)
        clauses += self._gram_clauses(view, concepts)
        clauses += self._phrase_clauses(view, concepts)
        text_query = Q.boolean_query(clauses)
        if not view.with_dates:
            return text_query, terms
        return self._within_publication_window(view, text_query), terms

    def _concept_clauses(self, view: _ViewIndex, concepts: Concepts) -> list[Clause]:
        """One clause per query word: the best of its alternatives, rare words weighing more."""
        clauses: list[Clause] = []
        for alts in concepts:
            factor = self._specificity(alts)
            subs = [self._form_query(view, form, weight * factor) for form, weight in alts]
            clauses.append(
                (
                    Occur.Should,
                    subs[0] if len(subs) == 1 else Q.disjunction_max_query(subs, tie_breaker=0.1),
                )
            )
        return clauses

    def _gram_clauses(self, view: _ViewIndex, concepts: Concepts) -> list[Clause]:
        """N-gram overlap for an unknown word or a long (likely compound) known one."""
        clauses: list[Clause] = []
        if self.tuning.gram_weight <= 0:
            return clauses
        for alts in concepts:
            form = alts[0][0]
            if len(form) != 1:
                continue
            token = form[0]
            if self._known(token) and len(token) < self.tuning.gram_min_len:
                continue
            token_grams = grams(token)
            if not token_grams:
                continue
            subs = [
                (Occur.Should, Q.term_query(view.schema, "grams", g, index_option="freq"))
                for g in token_grams
            ]
            clauses.append(
                (
                    Occur.Should,
                    Q.boost_query(
                        Q.boolean_query(subs), self.tuning.gram_weight / len(token_grams)
                    ),
                )
            )
        return clauses

    def _phrase_clauses(self, view: _ViewIndex, concepts: Concepts) -> list[Clause]:
        """Two neighbouring query words next to each other in title, question or keywords."""
        clauses: list[Clause] = []
        if self.tuning.phrase_weight <= 0:
            return clauses
        heads = [alts[0][0] for alts in concepts]
        for a, b in zip(heads, heads[1:], strict=False):
            pair = [*a[-1:], *b[:1]]
            for name in ("title", "question", "keywords"):
                phrase = Q.phrase_query(view.schema, name, pair, slop=1)
                clauses.append(
                    (
                        Occur.Should,
                        Q.boost_query(phrase, self.tuning.phrase_weight * self.tuning.boosts[name]),
                    )
                )
        return clauses

    @staticmethod
    def _within_publication_window(view: _ViewIndex, text_query: tantivy.Query) -> tantivy.Query:
        """Only articles whose publication window holds now (the dates add nothing to the score)."""
        now = int(time.time())
        in_window = [
            (Occur.Must, text_query),
            (
                Occur.Must,
                Q.const_score_query(
                    Q.range_query(
                        view.schema, "publish_from", tantivy.FieldType.Integer, None, now
                    ),
                    0.0,
                ),
            ),
            (
                Occur.Must,
                Q.const_score_query(
                    Q.range_query(
                        view.schema,
                        "publish_until",
                        tantivy.FieldType.Integer,
                        now,
                        None,
                        include_lower=False,
                    ),
                    0.0,
                ),
            ),
        ]
        return Q.boolean_query(in_window)

    # ------------------------------------------------------------------ search
    def query(self, q: str, size: int = 5, view_name: View = "resident") -> list[Hit]:
        query, terms = self.build_query(q, view_name)
        if query is None:
            return []
        view = self._views[view_name]
        searcher = view.index.searcher()
        result = searcher.search(query, limit=size, count=False)
        hits = []
        now = utcnow()
        for score, address in result.hits:
            slug = searcher.doc(address)["slug"][0]
            doc = self._docs.get(slug)
            if doc is None:
                continue
            if view_name == "resident" and not doc.article.visible_to_residents(now):
                continue  # belt and braces: the index filter already did this
            staff = view_name == "staff"
            text = snippet(doc.answer_sentences, doc.note_sentences, terms, staff=staff)
            hits.append(
                Hit(
                    slug=slug,
                    title=doc.article.title,
                    score=round(float(score), 4),
                    snippet=text,
                )
            )
        return hits
