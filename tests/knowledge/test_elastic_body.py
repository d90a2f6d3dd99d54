"""The Elasticsearch engine's index and query bodies, read without a server.

They must say in Elasticsearch's terms what the Tantivy engine does: the same analysis, the same
fields and boosts, the same grouping of question words, the same weights.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest

from knowledge.models import Article, utcnow
from knowledge.search import elastic_body as body
from knowledge.search.analysis import EXTRA_STOPWORDS, analyze
from knowledge.search.ranking import Tuning, Vocabulary, head_grams, synonym_table
from knowledge.search.tantivy_engine import TantivyEngine
from tests.knowledge.conftest import EVAL, new_article

T = Tuning()


def _article(**fields: object) -> Article:
    return Article(**new_article(**fields).model_dump())


@pytest.fixture(scope="module")
def vocabulary(shipped: tuple[list[Article], list[list[str]]]) -> Vocabulary:
    vocabulary = Vocabulary()
    for article in shipped[0]:
        vocabulary.put(article)
    return vocabulary


def _plan(q: str, vocabulary: Vocabulary, groups: list[list[str]]) -> list[body.Concept]:
    return body.concepts(q, synonym_table(groups), vocabulary, T)


def test_synonym_rules_are_clean() -> None:
    assert body.synonym_rules([["identiteitskaart", "id-kaart", "a,b", "x=>y"], ["alleen"]]) == [
        "identiteitskaart, id-kaart, a b, x y"
    ]
    assert body.synonyms_set([]) == [{"id": "empty", "synonyms": body.EMPTY_RULE}]


@pytest.mark.parametrize("view", ["resident", "staff"])
def test_index_analysis_is_the_tantivy_analysis(view: str, vocabulary: Vocabulary) -> None:
    words = body.compound_words(vocabulary)
    spec = body.index_body(view, words, body.synonyms_filter(set_name="kcc-test-synonyms"))  # type: ignore[arg-type]
    analysis = spec["settings"]["analysis"]
    assert (
        spec["settings"]["number_of_shards"] == 1
    )  # word statistics over all articles, as Tantivy
    assert analysis["tokenizer"]["nl_words"] == {"type": "pattern", "pattern": r"[^\p{L}\p{N}]+"}
    nl = analysis["analyzer"][body.ANALYZER]
    assert nl["filter"] == ["lowercase", "asciifolding", "nl_stop", "nl_stop_extra", "nl_stem"]
    filters = analysis["filter"]
    assert filters["nl_stop"] == {"type": "stop", "stopwords": "_dutch_"}
    assert filters["nl_stop_extra"]["stopwords"] == EXTRA_STOPWORDS
    assert filters["nl_stem"] == {"type": "stemmer", "language": "dutch"}
    # synonyms: after the stemmer (every inflection), updateable, in a search-only analyzer
    assert analysis["analyzer"][body.SYNONYM_ANALYZER]["filter"] == [*nl["filter"], "nl_synonyms"]
    assert filters["nl_synonyms"] == {
        "type": "synonym_graph",
        "synonyms_set": "kcc-test-synonyms",
        "updateable": True,
        "lenient": True,
    }
    # compounds: split against the words Tantivy knows (analysed, so after the stemmer)
    assert analysis["analyzer"][body.COMPOUND_ANALYZER]["filter"] == [*nl["filter"], "nl_compounds"]
    compounds = filters["nl_compounds"]
    assert compounds["type"] == "dictionary_decompounder"
    assert compounds["word_list"] == words
    assert "afval" in words and "pas" in words and analyze("vergunning")[0] in words
    assert all(len(w) >= 3 for w in words)
    assert compounds["min_subword_size"] == 3
    # the search-only analyzers are never an index analyzer (Elasticsearch refuses an
    # updateable filter at index time)
    props = spec["mappings"]["properties"]
    used = {p.get("analyzer") for p in props.values()} | {
        p.get("search_analyzer") for p in props.values()
    }
    assert used.isdisjoint({body.SYNONYM_ANALYZER, body.COMPOUND_ANALYZER})
    assert ("note" in props) is (view == "staff")
    assert props["grams"] == {"type": "text", "analyzer": "whitespace", "index_options": "freqs"}
    assert spec["mappings"]["dynamic"] == "strict"
    json.dumps(spec)  # plain JSON


def test_inline_synonyms_for_servers_before_8_10() -> None:
    inline = body.synonyms_filter(groups=[["grofvuil", "bankstel", "oude bank"]])
    assert inline == {
        "type": "synonym_graph",
        "synonyms": ["grofvuil, bankstel, oude bank"],
        "lenient": True,
    }
    assert body.synonyms_filter(groups=[])["synonyms"] == [body.EMPTY_RULE]


def test_documents_and_bulk_actions_per_view() -> None:
    article = _article(
        title="Afvalpas aanvragen",
        keywords=["afval", "pas"],
        synonyms=["milieupas"],
        internal_note="geheim",
        publish_until=utcnow() + timedelta(days=3),
    )
    resident = body.document(article, "resident")
    assert "note" not in resident
    assert body.document(article, "staff")["note"] == "geheim"
    assert resident["keywords"] == "afval . pas . milieupas"
    assert resident["grams"] == head_grams(article) and "afva" in resident["grams"].split()
    assert resident["publish_from"] is None and resident["publish_until"].startswith("20")
    targets = {"resident": "r", "staff": "s"}

    def ops(a: Article) -> dict[str, str]:
        return {x["_index"]: x["_op_type"] for x in body.bulk_actions(a, targets)}  # type: ignore[arg-type]

    assert ops(article) == {"r": "index", "s": "index"}
    assert ops(article.model_copy(update={"status": "draft"})) == {"r": "delete", "s": "index"}
    assert ops(article.model_copy(update={"status": "archived"})) == {"r": "delete", "s": "delete"}


def test_query_filters_residents_by_dates_and_never_searches_the_note(
    vocabulary: Vocabulary,
) -> None:
    found = _plan("paspoort", vocabulary, [])
    resident = body.query_body(found, "resident", 5, T)
    staff = body.query_body(found, "staff", 5, T)
    assert "note" not in json.dumps(resident)
    assert "note^0.6" in json.dumps(staff) and "note" in staff["_source"]
    assert resident["query"]["bool"]["filter"] == [body.publication_window()]
    assert "filter" not in staff["query"]["bool"]
    assert resident["query"]["bool"]["minimum_should_match"] == 1
    assert resident["size"] == 5


def test_query_weights_follow_the_tantivy_tuning(vocabulary: Vocabulary) -> None:
    found = _plan("paspoot verlengen kosten", vocabulary, [])
    query = body.query_body(found, "resident", 5, T)["query"]["bool"]["should"]
    fields = ["title^2.0", "question^2.0", "keywords^2.0", "answer^1.0"]
    # an unknown word: itself, typo corrections (one edit, same first letter), compound parts
    unknown = query[0]["dis_max"]
    assert unknown["tie_breaker"] == 0.1 and unknown["boost"] == 1.0
    alternatives = [q["multi_match"] for q in unknown["queries"]]
    assert [a["boost"] for a in alternatives] == [1.0, T.fuzzy_weight, T.compound_weight]
    assert all(a["fields"] == fields and a["tie_breaker"] == T.tie_breaker for a in alternatives)
    assert alternatives[1]["fuzziness"] == 1 and alternatives[1]["prefix_length"] == 1
    assert alternatives[2]["analyzer"] == body.COMPOUND_ANALYZER
    # known words: one match each, common words weighing less (Tantivy's specificity)
    verlengen, kosten = query[1]["multi_match"], query[2]["multi_match"]
    assert "fuzziness" not in verlengen and 0 < kosten["boost"] < verlengen["boost"] <= 1.0
    engine = TantivyEngine()
    engine._vocab.update(vocabulary.df)
    engine._docs = dict.fromkeys(range(len(vocabulary)))  # type: ignore[arg-type]
    assert kosten["boost"] == round(engine._specificity([(("kost",), 1.0)]), 4)
    # n-grams for the unknown word, neighbouring words as phrases in title/question/keywords
    grams = [q["match"]["grams"] for q in query if "match" in q]
    assert grams == [{"query": "pasp aspo spoo poot", "boost": round(T.gram_weight / 4, 4)}]
    phrases = [q["match_phrase"] for q in query if "match_phrase" in q]
    assert len(phrases) == 6
    assert phrases[0] == {"title": {"query": "paspoot verlengen", "slop": 1, "boost": 1.0}}
    # a long unknown word may be two edits away
    far = _plan("identitietskaart", vocabulary, [])
    clause = body.concept_clause(far[0], fields, T)["dis_max"]["queries"]
    assert [(q["multi_match"].get("fuzziness"), q["multi_match"]["boost"]) for q in clause] == [
        (None, 1.0),
        (1, T.fuzzy_weight),
        (2, T.fuzzy_weight_far),
        (None, T.compound_weight),
    ]


def test_synonyms_are_a_weighted_alternative(vocabulary: Vocabulary) -> None:
    groups = [["identiteitskaart", "id-kaart", "id kaart", "nik"], ["paspoort", "reispas"]]
    found = _plan("reispas of id kaart kwijt", vocabulary, groups)
    assert [c.form for c in found] == [("reispas",), ("id", "kaart"), ("kwijt",)]
    fields = body.boosted_fields("resident", T)
    reispas = body.concept_clause(found[0], fields, T)["dis_max"]["queries"]
    assert [q["multi_match"].get("analyzer") for q in reispas] == [None, body.SYNONYM_ANALYZER]
    assert reispas[1]["multi_match"]["boost"] == T.synonym_weight
    assert reispas[1]["multi_match"]["query"] == "reispas"
    # a multi-word synonym is one concept: a phrase counted as one word
    id_kaart = body.concept_clause(found[1], fields, T)["dis_max"]["queries"]
    assert id_kaart[0]["multi_match"]["type"] == "phrase"
    assert id_kaart[0]["multi_match"]["boost"] == round(1 / math.sqrt(2), 4)
    assert id_kaart[1]["multi_match"]["query"] == "id kaart"
    assert body.snippet_terms(found) >= {"reispas", "paspoort", "identiteitskaart", "kwijt"}


def test_english_questions_are_searched_in_dutch(vocabulary: Vocabulary) -> None:
    found = _plan("how do I renew my passport", vocabulary, [])
    assert [c.text for c in found] == ["verlengen", "paspoort"]
    assert _plan("de het een", vocabulary, []) == []


def test_question_words_are_grouped_and_weighed_as_tantivy_does(
    shipped: tuple[list[Article], list[list[str]]], vocabulary: Vocabulary
) -> None:
    articles, groups = shipped
    engine = TantivyEngine()
    engine.load_synonyms(groups)
    engine.put_many(articles)
    assert vocabulary.df == engine._vocab
    questions = [json.loads(line)["q"] for line in EVAL.read_text(encoding="utf-8").splitlines()]
    for q in questions:
        tantivy_concepts, _ = engine._concepts(q)
        ours = _plan(q, vocabulary, groups)
        assert [c.form for c in ours] == [alts[0][0] for alts in tantivy_concepts], q
        for concept, alts in zip(ours, tantivy_concepts, strict=True):
            assert concept.weight == pytest.approx(engine._specificity(alts)), q
