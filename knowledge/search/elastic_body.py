"""What the Elasticsearch engine sends: index settings and mappings, documents, synonyms, queries.

Plain dicts from plain values, so tests read them without a server. The analysis is the
Tantivy engine's (``analysis.build_analyzer``) in Elasticsearch's terms:

* ``nl`` (index and search): runs of letters and digits (Tantivy's simple tokenizer),
  lowercase, ASCII folding, the Snowball Dutch stop words plus ``EXTRA_STOPWORDS``, the
  Snowball Dutch stemmer. It yields the words ``analysis.analyze`` yields, so the engine
  plans a query on its side with the same words the server indexed.
* ``nl_synonyms`` (search only): ``nl`` + a ``synonym_graph`` filter after the stemmer, so a
  group matches every inflection of its words. From Elasticsearch 8.10 the groups live in a
  synonyms set (updated without closing the index); before that inline in the settings.
* ``nl_compound`` (search only): ``nl`` + a ``dictionary_decompounder`` after the stemmer whose
  word list is the known (analysed) words of the articles, the words Tantivy's compound
  splitting checks the parts of an unknown word against (``afvalpas`` -> afval + pas).
* ``grams``: the 4-grams of the analysed title, question and keyword words, as Tantivy's.

The query is Tantivy's (``tantivy_engine.build_query``) in the query DSL: per question word (or
multi-word synonym) a ``dis_max`` of the word itself (1.0), its synonyms (0.9), typo
corrections (0.7 for one edit, 0.5 for two) and compound parts (0.6), the last two for
unknown words only, times the word's specificity; each alternative a ``best_fields`` match
over the boosted fields (tie breaker 0.2); n-gram overlap for unknown and long words; and
neighbouring question words as a phrase (slop 1) in title, question and keywords.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from knowledge.models import Article, View
from knowledge.search.analysis import EXTRA_STOPWORDS, analyze
from knowledge.search.english import looks_english, translate
from knowledge.search.ranking import Form, Tuning, Vocabulary, grams, head_grams, keyword_text

ANALYZER = "nl"
SYNONYM_ANALYZER = "nl_synonyms"
COMPOUND_ANALYZER = "nl_compound"
FIELDS: dict[View, tuple[str, ...]] = {
    "resident": ("title", "question", "keywords", "answer"),
    "staff": ("title", "question", "keywords", "answer", "note"),
}
PHRASE_FIELDS = ("title", "question", "keywords")
BASE_FILTERS = ["lowercase", "asciifolding", "nl_stop", "nl_stop_extra", "nl_stem"]
EMPTY_RULE = "kcc-leeg, kcc-leeg"  # a synonym filter needs one rule; this word is never typed
MIN_PART = 3  # shortest compound part (Tantivy: both parts of 3+ letters)
_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits: Tantivy's simple tokenizer


# ---------------------------------------------------------------------- index
def synonym_rules(groups: list[list[str]]) -> list[str]:
    """Solr-format equivalence rules ("a, b, c"); characters of the rule syntax become spaces."""
    rules = []
    for group in groups:
        terms = [" ".join(re.sub(r",|=>|\\|#", " ", t).split()) for t in group]
        terms = [t for t in terms if t]
        if len(terms) >= 2:
            rules.append(", ".join(terms))
    return rules


def synonyms_set(groups: list[list[str]]) -> list[dict[str, str]]:
    """The rules of a synonyms set (Elasticsearch 8.10+), one per group."""
    rules = [{"id": f"g{i}", "synonyms": rule} for i, rule in enumerate(synonym_rules(groups))]
    return rules or [{"id": "empty", "synonyms": EMPTY_RULE}]


def synonyms_filter(*, set_name: str | None = None, groups: list[list[str]] | None = None) -> dict:
    """The ``synonym_graph`` filter: from a synonyms set (updateable) or inline rules."""
    if set_name:
        return {
            "type": "synonym_graph",
            "synonyms_set": set_name,
            "updateable": True,
            "lenient": True,
        }
    return {
        "type": "synonym_graph",
        "synonyms": synonym_rules(groups or []) or [EMPTY_RULE],
        "lenient": True,
    }


def compound_words(vocabulary: Vocabulary) -> list[str]:
    """The decompounder's word list: the known analysed words that can be a compound part."""
    words = [w for w in vocabulary.words() if len(w) >= MIN_PART and not w.isdigit()]
    return words or ["kcc"]  # the filter refuses an empty list


def analysis(word_list: list[str], synonyms: dict[str, Any]) -> dict[str, Any]:
    return {
        "tokenizer": {"nl_words": {"type": "pattern", "pattern": r"[^\p{L}\p{N}]+"}},
        "filter": {
            "nl_stop": {"type": "stop", "stopwords": "_dutch_"},
            "nl_stop_extra": {"type": "stop", "stopwords": list(EXTRA_STOPWORDS)},
            "nl_stem": {"type": "stemmer", "language": "dutch"},
            "nl_synonyms": synonyms,
            "nl_compounds": {
                "type": "dictionary_decompounder",
                "word_list": word_list,
                "min_word_size": 2 * MIN_PART,
                "min_subword_size": MIN_PART,
                "only_longest_match": True,
            },
        },
        "analyzer": {
            ANALYZER: {"type": "custom", "tokenizer": "nl_words", "filter": BASE_FILTERS},
            SYNONYM_ANALYZER: {
                "type": "custom",
                "tokenizer": "nl_words",
                "filter": [*BASE_FILTERS, "nl_synonyms"],
            },
            COMPOUND_ANALYZER: {
                "type": "custom",
                "tokenizer": "nl_words",
                "filter": [*BASE_FILTERS, "nl_compounds"],
            },
        },
    }


def mappings(view: View) -> dict[str, Any]:
    text = {"type": "text", "analyzer": ANALYZER}
    props: dict[str, Any] = {
        "slug": {"type": "keyword"},
        "status": {"type": "keyword"},
        **{name: dict(text) for name in FIELDS[view]},
        "grams": {"type": "text", "analyzer": "whitespace", "index_options": "freqs"},
        "publish_from": {"type": "date"},
        "publish_until": {"type": "date"},
    }
    return {"dynamic": "strict", "properties": props}


def index_body(view: View, word_list: list[str], synonyms: dict[str, Any]) -> dict[str, Any]:
    """Settings and mappings of one view's index (one shard: the same word statistics as Tantivy)."""
    return {
        "settings": {
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            "analysis": analysis(word_list, synonyms),
        },
        "mappings": mappings(view),
    }


def document(article: Article, view: View) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "slug": article.slug,
        "status": article.status,
        "title": article.title,
        "question": article.question,
        "keywords": keyword_text(article),
        "answer": article.answer,
        "grams": head_grams(article),
        "publish_from": article.publish_from.isoformat() if article.publish_from else None,
        "publish_until": article.publish_until.isoformat() if article.publish_until else None,
    }
    if view == "staff":
        doc["note"] = article.internal_note
    return doc


def bulk_actions(article: Article, indexes: dict[View, str]) -> list[dict[str, Any]]:
    """Index the article where its view may hold it, delete it elsewhere (archived: nowhere)."""
    holds: dict[View, bool] = {
        "resident": article.status == "published",
        "staff": article.status in ("draft", "published"),
    }
    actions: list[dict[str, Any]] = []
    for view, index in indexes.items():
        if holds[view]:
            actions.append(
                {
                    "_op_type": "index",
                    "_index": index,
                    "_id": article.slug,
                    "_source": document(article, view),
                }
            )
        else:
            actions.append({"_op_type": "delete", "_index": index, "_id": article.slug})
    return actions


# ---------------------------------------------------------------------- query
@dataclass(frozen=True)
class Concept:
    """One question word, or several that together form a synonym."""

    words: tuple[str, ...]  # as typed
    form: Form  # analysed
    synonyms: tuple[Form, ...]  # the other forms of its synonym groups
    known: bool  # every analysed word occurs in an article
    weight: float  # specificity: rare words weigh more

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def terms(self) -> set[str]:
        return {t for form in (self.form, *self.synonyms) for t in form}


def concepts(
    q: str, table: dict[Form, list[Form]], vocabulary: Vocabulary, tuning: Tuning
) -> list[Concept]:
    """The question's words with their synonyms, grouped as the Tantivy engine groups them."""
    if looks_english(q):
        q = translate(q)
    words = [(w, t) for w in _WORD.findall(q) for t in analyze(w)]
    longest = max((len(k) for k in table), default=1)
    out: list[Concept] = []
    i = 0
    while i < len(words):
        n = next(
            (
                n
                for n in range(min(longest, len(words) - i), 0, -1)
                if tuple(t for _, t in words[i : i + n]) in table
            ),
            1,
        )
        span = words[i : i + n]
        form = tuple(t for _, t in span)
        synonyms = tuple(table.get(form, ()))
        out.append(
            Concept(
                words=tuple(w for w, _ in span),
                form=form,
                synonyms=synonyms,
                known=all(vocabulary.known(t) for t in form),
                weight=vocabulary.specificity([form, *synonyms], tuning.specificity),
            )
        )
        i += n
    return out


def boosted_fields(view: View, tuning: Tuning) -> list[str]:
    return [f"{name}^{tuning.boosts[name]}" for name in FIELDS[view]]


def _match(text: str, fields: list[str], tuning: Tuning, boost: float, **extra: Any) -> dict:
    return {
        "multi_match": {
            "query": text,
            "fields": fields,
            "type": "best_fields",
            "tie_breaker": tuning.tie_breaker,
            "boost": round(boost, 4),
            **extra,
        }
    }


def concept_clause(concept: Concept, fields: list[str], tuning: Tuning) -> dict[str, Any]:
    """The best of the word's alternatives (dis_max, tie breaker 0.1), times its specificity."""
    t = tuning
    if len(concept.form) == 1:
        alternatives = [_match(concept.text, fields, t, 1.0)]
    else:  # a phrase scores the idf of all its words: count it as one word
        boost = 1.0 / math.sqrt(len(concept.form))
        alternatives = [_match(concept.text, fields, t, boost, type="phrase")]
    if concept.synonyms:
        alternatives.append(
            _match(concept.text, fields, t, t.synonym_weight, analyzer=SYNONYM_ANALYZER)
        )
    elif not concept.known and len(concept.form) == 1:
        term = concept.form[0]
        if len(term) >= t.fuzzy_min_len and not term.isdigit():
            fuzzy = {"prefix_length": 1, "max_expansions": 10}
            text = concept.text  # the server analyses it to ``term`` again, then corrects it
            alternatives.append(_match(text, fields, t, t.fuzzy_weight, fuzziness=1, **fuzzy))
            if len(term) >= t.fuzzy_far_min_len:
                alternatives.append(
                    _match(text, fields, t, t.fuzzy_weight_far, fuzziness=2, **fuzzy)
                )
        alternatives.append(
            _match(concept.text, fields, t, t.compound_weight, analyzer=COMPOUND_ANALYZER)
        )
    weight = round(concept.weight, 4)
    if len(alternatives) == 1:
        only = alternatives[0]["multi_match"]
        only["boost"] = round(only["boost"] * weight, 4)
        return alternatives[0]
    return {"dis_max": {"queries": alternatives, "tie_breaker": 0.1, "boost": weight}}


def gram_clauses(found: list[Concept], tuning: Tuning) -> list[dict[str, Any]]:
    """N-gram overlap for an unknown word or a long (likely compound) known one."""
    clauses: list[dict[str, Any]] = []
    if tuning.gram_weight <= 0:
        return clauses
    for concept in found:
        if len(concept.form) != 1:
            continue
        term = concept.form[0]
        if concept.known and len(term) < tuning.gram_min_len:
            continue
        token_grams = grams(term)
        if token_grams:
            boost = round(tuning.gram_weight / len(token_grams), 4)
            clauses.append({"match": {"grams": {"query": " ".join(token_grams), "boost": boost}}})
    return clauses


def phrase_clauses(found: list[Concept], tuning: Tuning) -> list[dict[str, Any]]:
    """Two neighbouring question words next to each other in title, question or keywords."""
    clauses: list[dict[str, Any]] = []
    if tuning.phrase_weight <= 0:
        return clauses
    for a, b in zip(found, found[1:], strict=False):
        pair = f"{a.words[-1]} {b.words[0]}"
        for name in PHRASE_FIELDS:
            boost = round(tuning.phrase_weight * tuning.boosts[name], 4)
            clauses.append({"match_phrase": {name: {"query": pair, "slop": 1, "boost": boost}}})
    return clauses


def publication_window() -> dict[str, Any]:
    """Published from (if set) until (if set) now; a missing date never excludes."""
    return {
        "bool": {
            "must_not": [
                {"range": {"publish_from": {"gt": "now"}}},
                {"range": {"publish_until": {"lte": "now"}}},
            ]
        }
    }


def query_body(found: list[Concept], view: View, size: int, tuning: Tuning) -> dict[str, Any]:
    fields = boosted_fields(view, tuning)
    should = [concept_clause(c, fields, tuning) for c in found]
    should += gram_clauses(found, tuning)
    should += phrase_clauses(found, tuning)
    query: dict[str, Any] = {"should": should, "minimum_should_match": 1}
    if view == "resident":
        query["filter"] = [publication_window()]
    source = ["slug", "title", "answer"] + (["note"] if view == "staff" else [])
    return {"size": size, "track_total_hits": False, "_source": source, "query": {"bool": query}}


def snippet_terms(found: Iterable[Concept]) -> set[str]:
    return {t for c in found for t in c.terms()}
