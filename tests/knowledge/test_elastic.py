"""The Elasticsearch engine against a real Elasticsearch, side by side with Tantivy.

Each behaviour test runs on both engines: on Tantivy always (so the expectations are known to
hold), on Elasticsearch when ``KCC_TEST_ELASTICSEARCH_URL`` names a server (credentials, if it
wants them, in ``KCC_TEST_ELASTICSEARCH_API_KEY`` or ``_USERNAME``/``_PASSWORD``, its CA in
``_CA_CERTS``); without one those cases skip and say why. The connection settings themselves
(TLS trust, API key, basic auth) are checked on the wire against a local TLS endpoint.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from elastic_transport import SecurityWarning, TransportError
from elasticsearch import AuthenticationException

from hub.core.settings import Settings
from knowledge.models import Article, Hit, utcnow
from knowledge.search import create_engine
from knowledge.search.base import SearchEngine
from knowledge.search.elastic_engine import ElasticEngine
from knowledge.search.tantivy_engine import TantivyEngine
from tests.knowledge.conftest import EVAL, new_article, unique_word

ES_URL = os.environ.get("KCC_TEST_ELASTICSEARCH_URL")
needs_es = pytest.mark.skipif(
    not ES_URL, reason="KCC_TEST_ELASTICSEARCH_URL is not set: no Elasticsearch to test against"
)
TOP3_MIN = (
    0.85  # Tantivy: 0.965 (bench/knowledge.py); Elasticsearch has no vocabulary-based typo fix
)
Build = Callable[..., Awaitable[SearchEngine]]


def _article(**fields: object) -> Article:
    return Article(**new_article(**fields).model_dump())


def _es_engine() -> ElasticEngine:
    env = os.environ.get
    return ElasticEngine(
        ES_URL or "",
        f"kcc-test-{uuid.uuid4().hex[:8]}",
        api_key=env("KCC_TEST_ELASTICSEARCH_API_KEY"),
        username=env("KCC_TEST_ELASTICSEARCH_USERNAME"),
        password=env("KCC_TEST_ELASTICSEARCH_PASSWORD"),
        ca_certs=env("KCC_TEST_ELASTICSEARCH_CA_CERTS") or None,
        request_timeout_s=30.0,
    )


async def _close(engine: SearchEngine) -> None:
    if isinstance(engine, ElasticEngine):
        await engine.drop()
    await engine.close()


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=needs_es)])
async def build(request: pytest.FixtureRequest) -> AsyncIterator[Build]:
    """``await build(articles, synonyms)``: a fresh engine of the parameter's kind, filled."""
    made: list[SearchEngine] = []

    async def make(
        articles: list[Article], synonyms: list[list[str]] | None = None
    ) -> SearchEngine:
        engine: SearchEngine = TantivyEngine() if request.param == "tantivy" else _es_engine()
        made.append(engine)
        await engine.set_synonyms(synonyms or [])
        await engine.index_many(articles)
        return engine

    yield make
    for engine in made:
        await _close(engine)


async def _slugs(engine: SearchEngine, q: str, size: int = 3, view: str = "resident") -> list[str]:
    return [h.slug for h in await engine.search(q, size, view)]  # type: ignore[arg-type]


async def _unmatched_word(engine: SearchEngine) -> str:
    """A made-up word no article matches yet, in either view: a random word can share a few letter
    grams or a typo's distance with a real one, so the premise is checked, not assumed."""
    for _ in range(20):
        word = unique_word()
        if await _slugs(engine, word) == [] and await _slugs(engine, word, view="staff") == []:
            return word
    raise AssertionError("20 made-up words in a row matched an article")


# ---------------------------------------------------------------------- both engines
async def test_eval_questions_on_the_shipped_content(
    build: Build, shipped: tuple[list[Article], list[list[str]]]
) -> None:
    articles, synonyms = shipped
    engine = await build(articles, synonyms)
    questions = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    top1 = top3 = 0
    misses = []
    for item in questions:
        hits = await engine.search(item["q"], 3)
        assert all(isinstance(h, Hit) and h.snippet for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        slugs = [h.slug for h in hits]
        top1 += slugs[:1] == [item["slug"]]
        top3 += item["slug"] in slugs
        if item["slug"] not in slugs:
            misses.append(f"{item['q']!r} -> {slugs} (want {item['slug']})")
    n = len(questions)
    print(f"{engine.name}: top-1 {top1 / n:.3f}, top-3 {top3 / n:.3f} on {n} questions")
    assert top3 / n >= TOP3_MIN, f"top-3 {top3 / n:.3f}; misses:\n" + "\n".join(misses[:40])


async def test_a_changed_article_shows_up_at_once(
    build: Build, shipped: tuple[list[Article], list[list[str]]]
) -> None:
    articles, synonyms = shipped
    engine = await build(articles, synonyms)
    article = next(a for a in articles if a.slug == "paspoort-aanvragen")
    word = await _unmatched_word(engine)
    changed = article.model_copy(
        update={
            "answer": article.answer + f"\n\nNieuw: de {word} vervangt het oude formulier.",
            "internal_note": f"Let op {word}.",
            "version": article.version + 1,
        }
    )
    await engine.index(changed)
    hits = await engine.search(word, 3)
    assert [h.slug for h in hits] == ["paspoort-aanvragen"]
    assert word in hits[0].snippet  # the snippet is the sentence that matched
    await engine.index(changed.model_copy(update={"status": "draft", "version": 3}))
    assert await _slugs(engine, word) == []
    assert await _slugs(engine, word, view="staff") == ["paspoort-aanvragen"]
    await engine.index(changed.model_copy(update={"status": "archived", "version": 4}))
    assert await _slugs(engine, word, view="staff") == []
    await engine.index(article.model_copy(update={"version": 5}))
    assert await _slugs(engine, "paspoort aanvragen", 1) == ["paspoort-aanvragen"]
    await engine.remove("paspoort-aanvragen")
    assert "paspoort-aanvragen" not in await _slugs(engine, "paspoort aanvragen", 10, "staff")


async def test_dutch_analysis_typos_compounds_and_english(build: Build) -> None:
    engine = await build(
        [
            _article(
                slug="kb-pas",
                title="Paspoort aanvragen",
                answer="Een paspoort vraagt u aan bij de gemeente. De kosten zijn 84 euro.",
                keywords=["paspoort"],
            ),
            _article(
                slug="kb-verg",
                title="Vergunning voor een evenement",
                answer="U vraagt de vergunning aan bij de gemeente.",
                keywords=[],
            ),
            _article(
                slug="kb-rat",
                title="Ongedierte bestrijden",
                answer="Heeft u last van ratten of muizen? Wij helpen met de bestrijding.",
                keywords=["ongediertebestrijding", "ratten"],
            ),
            _article(
                slug="kb-id",
                title="Identiteitskaart",
                answer="Een identiteitskaart is 10 jaar geldig.",
                keywords=["identiteitskaart"],
            ),
            _article(
                slug="kb-grof",
                title="Grofvuil laten ophalen",
                answer="Wij halen grofvuil op, zoals een oude kast.",
                keywords=["grofvuil"],
            ),
        ]
    )
    expected = {
        "vergunningen": "kb-verg",  # stemming
        "ik wil evenementen aanvragen": "kb-verg",
        "paspoot": "kb-pas",  # typos
        "paspoorrt": "kb-pas",
        "idenititeitskaart": "kb-id",
        "rattenbestrijding": "kb-rat",  # a compound of known words
        "how much does a new passport cost": "kb-pas",  # the English glossary
    }
    for q, slug in expected.items():
        assert (await _slugs(engine, q, 1)) == [slug], (engine.name, q)
    assert await engine.search("de het een", 5) == []  # stop words alone


async def test_synonym_groups_apply_without_reindexing(build: Build) -> None:
    long_form = _article(
        slug="kb-syn-long",
        title="Identiteitskaart aanvragen",
        question="Hoe vraag ik een identiteitskaart aan?",
        answer="U vraagt de identiteitskaart aan in het gemeentehuis.",
        keywords=[],
    )
    short_form = _article(
        slug="kb-syn-short",
        title="ID-kaart kwijt",
        question="Mijn ID-kaart is weg.",
        answer="Meld een verloren ID-kaart bij de balie.",
        keywords=[],
    )
    engine = await build([long_form, short_form])
    assert await engine.search("nik", 3) == []  # without the group the abbreviation finds nothing
    await engine.set_synonyms([["identiteitskaart", "id-kaart", "idkaart", "id kaart", "nik"]])
    assert (await _slugs(engine, "nik", 1))[0] in ("kb-syn-long", "kb-syn-short")
    assert await _slugs(engine, "idkaart aanvragen", 1) == ["kb-syn-long"]
    assert await _slugs(engine, "identiteitskaart kwijt", 1) == ["kb-syn-short"]
    assert set(await _slugs(engine, "id kaart", 5)) == {"kb-syn-long", "kb-syn-short"}
    await engine.set_synonyms([])
    assert await engine.search("nik", 3) == []


# ---------------------------------------------------------------------- Elasticsearch only
@pytest.fixture
async def es() -> AsyncIterator[ElasticEngine]:
    engine = _es_engine()
    yield engine
    await _close(engine)


@needs_es
async def test_same_shape_and_visibility_as_tantivy(es: ElasticEngine) -> None:
    word, secret = unique_word(), unique_word()
    now = utcnow()
    articles = [
        _article(title=f"Paspoort {word}", internal_note=f"intern {secret}"),
        _article(title=f"Concept {word}", status="draft"),
        _article(title=f"Toekomst {word}", publish_from=now + timedelta(days=1)),
        _article(title=f"Verlopen {word}", publish_until=now - timedelta(days=1)),
    ]
    await es.set_synonyms([["identiteitskaart", "id-kaart"]])
    await es.index_many(articles)
    tantivy = TantivyEngine()
    tantivy.put_many(articles)
    for view in ("resident", "staff"):
        es_hits = await es.search(word, 10, view)  # type: ignore[arg-type]
        tv_hits = tantivy.query(word, 10, view)  # type: ignore[arg-type]
        assert all(isinstance(h, Hit) for h in es_hits)
        assert {(h.slug, h.snippet) for h in es_hits} == {(h.slug, h.snippet) for h in tv_hits}
    assert await es.search(secret, 5, "resident") == []
    staff = await es.search(secret, 5, "staff")
    assert [h.slug for h in staff] == [articles[0].slug]
    assert staff[0].snippet.startswith("Intern: ")
    assert es.ready()


@needs_es
async def test_rebuild_switches_to_fresh_indexes(es: ElasticEngine) -> None:
    article = _article(
        title="Identiteitskaart aanvragen",
        answer="U vraagt een identiteitskaart aan in het gemeentehuis.",
    )
    await es.set_synonyms([["identiteitskaart", "legitimatiebewijs"]])
    await es.index(article)
    before = await es._indexes_behind(es.alias("resident"))
    await es.index(article.model_copy(update={"status": "archived", "version": 2}))
    assert await es.search("identiteitskaart", 3, "staff") == []
    await es.rebuild([article.model_copy(update={"version": 3})])
    after = await es._indexes_behind(es.alias("resident"))
    assert len(after) == 1 and after != before
    assert await _slugs(es, "legitimatiebewijs") == [article.slug]
    assert await _slugs(es, "identiteitskart") == [article.slug]  # typo


# ---------------------------------------------------------------------- no server needed
async def test_an_unreachable_server_fails_fast_and_is_not_ready() -> None:
    engine = ElasticEngine("http://127.0.0.1:9", "kcc-test", max_retries=0, request_timeout_s=2)
    try:
        with pytest.raises(TransportError):
            await engine.index(_article())
        with pytest.raises(TransportError):
            await engine.search("paspoort")
        assert not engine.ready()
    finally:
        await engine.close()


async def test_create_engine_follows_the_settings() -> None:
    assert isinstance(create_engine(Settings(elasticsearch_url=None)), TantivyEngine)
    engine = create_engine(
        Settings(
            elasticsearch_url="http://es.internal:9200",
            elasticsearch_index="gemeente",
            elasticsearch_request_timeout_s=4,
            elasticsearch_max_retries=5,
            elasticsearch_retry_on_timeout=False,
            elasticsearch_verify_certs=False,
        )
    )
    assert isinstance(engine, ElasticEngine)
    assert engine.alias("resident") == "gemeente-resident"
    client = engine.client
    assert (client._request_timeout, client._max_retries, client._retry_on_timeout) == (4, 5, False)
    await engine.close()


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("KCC test CA"))
        .issuer_name(name("KCC test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    folder.mkdir(exist_ok=True)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


async def test_tls_trust_and_credentials_reach_the_wire(tmp_path: Path) -> None:
    """Against a local TLS endpoint (not an Elasticsearch: it answers 401 to everything)."""
    ca, cert, key = _tls_files(tmp_path)
    seen: list[str | None] = []

    async def refuse(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"error": "no"}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"https://127.0.0.1:{port}"

    async def attempt(**connection: object) -> None:
        """One search through an engine made from the settings (KCC_ELASTICSEARCH_*)."""
        fields = {"api_key": None, "username": None, "password": None, "ca_certs": None}
        fields |= {"max_retries": 0, "request_timeout_s": 5, **connection}
        settings = Settings(
            elasticsearch_url=url, **{f"elasticsearch_{k}": v for k, v in fields.items()}
        )
        engine = create_engine(settings)
        try:
            await engine.search("paspoort")
        finally:
            await engine.close()

    try:
        with pytest.raises(TransportError):  # the server's certificate is not trusted
            await attempt(api_key="id:geheim")
        assert seen == []
        with pytest.raises(AuthenticationException):  # trusted through our CA: the server's 401
            await attempt(api_key="id:geheim", ca_certs=ca)
        with pytest.raises(AuthenticationException):
            await attempt(username="kcc", password="wachtwoord", ca_certs=str(ca))
        with pytest.raises(TransportError):  # a CA that did not sign it
            await attempt(api_key="id:geheim", ca_certs=_tls_files(tmp_path / "other")[0])
        with pytest.raises(AuthenticationException), pytest.warns(SecurityWarning):
            await attempt(verify_certs=False)
        assert seen == ["ApiKey aWQ6Z2VoZWlt", "Basic a2NjOndhY2h0d29vcmQ=", None]
    finally:
        await runner.cleanup()
