"""Knowledge search figures: quality on the evaluation set and query latency at 50 and 5,000 articles.

Runs a search engine directly (no MongoDB, no hub): the embedded Tantivy engine by default,
or Elasticsearch through the official client, with the same questions and figures:

    .venv/bin/python bench/knowledge.py [--total 5000] [--repeat 3] [--misses]
    .venv/bin/python bench/knowledge.py --engine elasticsearch [--url http://127.0.0.1:9200]

For Elasticsearch the bench makes indexes of its own (``kcc-bench-...``) and deletes them at
the end; credentials and TLS come from the KCC_ELASTICSEARCH_* settings.

Quality: top-1, top-3 and MRR (rank of the expected slug among the first 10) on
knowledge/eval/questions.jsonl against the shipped content in knowledge/content.
Latency: every evaluation question searched ``--repeat`` times (size 5, resident view,
snippets included, typo cache cleared before each query), first with the shipped articles,
then with generated articles added until there are 5,000. Wall-clock figures depend on
what else the machine runs; the CPU-time figures of this process do much less (for
Elasticsearch they are the client's share only). Also the time an edit takes to become
searchable (Tantivy: index + commit + reload; Elasticsearch: bulk + refresh) at 5,000 articles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench import evalset  # noqa: E402
from knowledge.importer import read_path, validate  # noqa: E402
from knowledge.models import Article  # noqa: E402
from knowledge.search.analysis import sentences  # noqa: E402
from knowledge.search.base import SearchEngine  # noqa: E402
from knowledge.search.tantivy_engine import TantivyEngine  # noqa: E402

CONTENT = ROOT / "knowledge" / "content"
EVAL = ROOT / "knowledge" / "eval" / "questions.jsonl"

# Vocabulary for generated articles: municipal subjects, actions and groups, so that the
# extra articles share words with the real ones (as a real, larger knowledge base would).
SUBJECTS = """subsidie sportvereniging speeltuin buurthuis bibliotheek zwembad begraafplaats markt kermis
ligplaats woonboot bootvergunning reclamebord uitrit inrit boomspiegel hondenuitlaatplaats hondenpoep
geluidsoverlast burenruzie bouwafval asbest zonnepanelen warmtepomp isolatie energietoeslag
huurtoeslag woningzoekende urgentie mantelzorgwoning kamerverhuur splitsing vakantieverhuur
parkeerplaats laadpaal deelauto fietsenstalling fietswrak weesfiets bushalte verkeersdrempel
zebrapad stoplicht snoeiafval bladkorf kerstboom vuurwerk carbid oud-en-nieuw evenemententerrein
jongerenwerk kinderopvang peuterspeelzaal voorschool leerplicht schoolverzuim taalcursus inburgering
statushouder vrijwilligerswerk ouderenadviseur dagbesteding maaltijdservice alarmering rolstoel
traplift woonvoorziening vervoerspas taxibus collectief-vervoer gehandicaptenvoorziening
bedrijfsafval reclamebelasting precariobelasting toeristenbelasting ondernemersloket
bedrijventerrein vestigingsvergunning horecaplan sluitingstijd ontheffing standplaats kansspel
speelautomaat loterij collecte bouwhek container steiger wegafsluiting graafwerk kabels leidingen
riolering regenwater grondwater wateroverlast dijk sloot duiker stuw gemaal natuurgebied
""".split()
ACTIONS = [
    "aanvragen",
    "melden",
    "wijzigen",
    "opzeggen",
    "verlengen",
    "betalen",
    "regelen",
    "huren",
    "plaatsen",
    "verwijderen",
    "bezwaar maken",
    "laten controleren",
    "inzien",
    "ophalen",
]
GROUPS = [
    "inwoners",
    "ondernemers",
    "ouderen",
    "jongeren",
    "ouders",
    "verenigingen",
    "huurders",
    "eigenaren",
    "studenten",
    "nieuwkomers",
    "mantelzorgers",
    "vrijwilligers",
]
TEMPLATES = [
    "Wilt u {s} {a}? Dat kan via Mijn Lindewaard met DigiD.",
    "Voor {s} betalen {g} een vast bedrag per jaar.",
    "De gemeente behandelt uw aanvraag voor {s} binnen 8 weken.",
    "Heeft u vragen over {s}? Bel dan 14 0456.",
    "Let op: voor {s} heeft u soms ook een vergunning nodig.",
    "{g} kunnen voor {s} hulp krijgen van een consulent.",
    "U kunt {s} ook {a} aan de balie in het gemeentehuis.",
    "Neem bij de afspraak over {s} uw identiteitsbewijs mee.",
]


def shipped() -> tuple[list[Article], list[list[str]]]:
    parsed = read_path(CONTENT)
    for error in parsed.errors:
        print(f"content error: {error}", file=sys.stderr)
    articles = []
    for record in parsed.records:
        if record.kind == "article":
            item, errors = validate(record)
            if item is not None:
                articles.append(Article(**item.model_dump()))
    return articles, parsed.synonyms


def generate(n: int, real: list[Article], seed: int = 7) -> list[Article]:
    """``n`` realistic-ish articles: generated subjects plus sentences borrowed from real answers."""
    rng = random.Random(seed)
    pool = [s for a in real for s in sentences(a.answer) if len(s) > 20]
    departments = sorted({a.department for a in real if a.department}) or ["Publiekszaken"]
    out = []
    for i in range(n):
        subject, action, group = rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(GROUPS)
        lines = [t.format(s=subject, a=action, g=group) for t in rng.sample(TEMPLATES, 3)]
        lines += rng.sample(pool, min(len(pool), rng.randint(4, 9)))
        rng.shuffle(lines)
        extra = rng.sample(SUBJECTS, 4)
        out.append(
            Article(
                slug=f"gen-{i:05d}-{subject}",
                title=f"{subject.replace('-', ' ').capitalize()} {action} voor {group}",
                question=f"Hoe kan ik {subject.replace('-', ' ')} {action}?",
                answer="\n\n".join([" ".join(lines[:4]), " ".join(lines[4:])]),
                keywords=[subject, f"{subject} {action}", *extra],
                audience=rng.choice(["resident", "resident", "business"]),
                department=rng.choice(departments),
                status="published",
                internal_note=f"Interne afspraak {i} over {subject}.",
            )
        )
    return out


async def evaluate(
    engine: SearchEngine, questions: list[dict[str, str]], show_misses: bool
) -> dict[str, float]:
    top1 = top3 = 0
    rr = 0.0
    for item in questions:
        slugs = [h.slug for h in await engine.search(item["q"], 10)]
        rank = slugs.index(item["slug"]) + 1 if item["slug"] in slugs else None
        top1 += rank == 1
        top3 += rank is not None and rank <= 3
        rr += 1 / rank if rank else 0.0
        if show_misses and rank != 1:
            print(f"  miss (rank {rank}): {item['q']!r} -> {slugs[:3]} want {item['slug']}")
    n = len(questions)
    return {"top1": top1 / n, "top3": top3 / n, "mrr": rr / n}


async def ranks(engine: SearchEngine, items: list[dict]) -> list[dict]:
    """Each topic item with the rank of its first accepted article among the first 10 hits, and the top hit."""
    out = []
    for item in items:
        slugs = [h.slug for h in await engine.search(item["text"], 10)]
        found = [slugs.index(s) + 1 for s in item["expect"]["article"] if s in slugs]
        out.append(
            {**item, "rank": min(found) if found else None, "top": slugs[0] if slugs else None}
        )
    return out


def split_report(split: str, ranked: list[dict], show_misses: bool) -> None:
    """Search top-1 / top-3 / MRR per style; dev also prints its costliest confusions."""
    print(f"{evalset.label(split)} topic items, search only:")
    groups: dict[str, list[dict]] = {}
    for r in ranked:
        groups.setdefault(r["style"], []).append(r)
    order = evalset.styles_in(ranked)
    for style, rows in [*((s, groups[s]) for s in order), ("ALL", ranked)]:
        n = len(rows)
        top1 = sum(r["rank"] == 1 for r in rows) / n
        top3 = sum(r["rank"] is not None and r["rank"] <= 3 for r in rows) / n
        mrr = sum(1 / r["rank"] for r in rows if r["rank"]) / n
        print(f"  {style:12} n {n:4d}   top-1 {top1:.3f}   top-3 {top3:.3f}   MRR {mrr:.3f}")
    if split != "dev" and not show_misses:
        print(f"  ({evalset.label(split)} misses are not shown, so nobody tunes on them; --show-test-misses prints them)")
        return
    pairs = Counter((r["expect"]["article"][0], r["top"]) for r in ranked if r["rank"] != 1)
    print("  costliest confusions (expected -> first hit: count):")
    for (want, got), n in pairs.most_common(15):
        print(f"    {want} -> {got}: {n}")
    if split != "dev":
        for r in ranked:
            if r["rank"] != 1:
                print(f"    miss [{r['style']}] {r['text']!r} -> {r['top']} (rank {r['rank']})")


async def latency(engine: SearchEngine, queries: list[str], repeat: int) -> dict[str, float]:
    """Wall-clock and CPU milliseconds per query; typo caches are cleared before every query."""
    clear = getattr(engine, "clear_caches", lambda: None)
    for q in queries[:20]:  # warm-up
        await engine.search(q, 5)
    wall, cpu = [], []
    for _ in range(repeat):
        for q in queries:
            clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            await engine.search(q, 5)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    wall.sort()
    cpu.sort()
    return {
        "p50": statistics.median(wall),
        "p95": wall[int(len(wall) * 0.95) - 1],
        "max": wall[-1],
        "cpu_p50": statistics.median(cpu),
        "cpu_p95": cpu[int(len(cpu) * 0.95) - 1],
    }


def _line(figures: dict[str, float], n: int) -> str:
    return (
        f"  p50 {figures['p50']:.2f} ms   p95 {figures['p95']:.2f} ms   max {figures['max']:.2f} ms   "
        f"(CPU time of this process: p50 {figures['cpu_p50']:.2f} ms, p95 {figures['cpu_p95']:.2f} ms; {n} queries)"
    )


def new_engine(args: argparse.Namespace, label: str) -> SearchEngine:
    if args.engine == "tantivy":
        return TantivyEngine()
    from hub.core.settings import Settings
    from knowledge.search.elastic_engine import ElasticEngine

    settings = Settings()
    url = args.url or settings.elasticsearch_url
    if not url:
        raise SystemExit("--engine elasticsearch needs --url or KCC_ELASTICSEARCH_URL")
    prefix = f"kcc-bench-{label}-{uuid.uuid4().hex[:8]}"
    return ElasticEngine.from_settings(
        settings.model_copy(update={"elasticsearch_url": url, "elasticsearch_index": prefix})
    )


async def check_server(*engines: SearchEngine) -> None:
    from elastic_transport import TransportError

    try:
        await engines[0].client.info()  # type: ignore[attr-defined]
    except TransportError as exc:
        for engine in engines:
            await engine.close()
        raise SystemExit(f"Elasticsearch cannot be reached: {exc}") from None


async def fill(engine: SearchEngine, articles: list[Article], synonyms: list[list[str]]) -> float:
    """Index the articles in one call (Elasticsearch: bulk requests of 500); the seconds it took."""
    await engine.set_synonyms(synonyms)
    started = time.perf_counter()
    await engine.index_many(articles)
    return time.perf_counter() - started


async def drop(engine: SearchEngine) -> None:
    """Delete the bench's own Elasticsearch indexes; close the engine either way."""
    remove = getattr(engine, "drop", None)
    try:
        if remove is not None:
            await remove()
    except Exception as exc:  # the server went away: say so, keep the first error
        print(f"could not delete the bench indexes of {engine.name}: {exc}", file=sys.stderr)
    finally:
        await engine.close()


async def run(args: argparse.Namespace) -> int:
    questions = [
        json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    queries = [q["q"] for q in questions]
    real, synonyms = shipped()
    extra = generate(max(0, args.total - len(real)), real)

    engine = new_engine(args, "small")
    big = new_engine(args, "large")
    if hasattr(engine, "client"):  # Elasticsearch: reachable at all?
        await check_server(engine, big)
    try:
        build_small = await fill(engine, real, synonyms)
        quality = await evaluate(engine, questions, args.misses)
        names = evalset.splits(args.split, args.file)
        topic = {n: [i for i in evalset.load(n) if i["kind"] == "topic"] for n in names}
        ranked = {n: await ranks(engine, topic[n]) for n in names}
        small = await latency(engine, queries, args.repeat)

        build_big = await fill(big, [*real, *extra], synonyms)
        large = await latency(big, queries, args.repeat)
        quality_big = await evaluate(big, questions, False)
        updates = []
        for article in real[:20]:
            changed = article.model_copy(
                update={"title": article.title + " (bijgewerkt)", "version": article.version + 1}
            )
            started = time.perf_counter()
            await big.index(changed)
            updates.append((time.perf_counter() - started) * 1000)
        updates.sort()
    finally:
        await drop(engine)
        await drop(big)

    print(
        f"engine {engine.name}; older evaluation set (legacy, part of dev): {len(questions)} questions, {len(real)} shipped articles, "
        f"{len(synonyms)} synonym groups"
    )
    print(f"  top-1 {quality['top1']:.3f}   top-3 {quality['top3']:.3f}   MRR {quality['mrr']:.3f}")
    for name in names:
        split_report(name, ranked[name], args.show_test_misses)
    print(f"latency at {len(real)} articles (index built in {build_small * 1000:.0f} ms):")
    print(_line(small, len(queries) * args.repeat))
    print(f"latency at {len(real) + len(extra)} articles (index built in {build_big:.1f} s):")
    print(_line(large, len(queries) * args.repeat))
    print(
        f"  an edit is searchable after p50 {statistics.median(updates):.1f} ms, max {updates[-1]:.1f} ms "
        "(index + commit/refresh)"
    )
    print(
        f"  same evaluation among {len(extra)} generated distractors: top-1 {quality_big['top1']:.3f}   "
        f"top-3 {quality_big['top3']:.3f}   MRR {quality_big['mrr']:.3f}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--engine",
        choices=["tantivy", "elasticsearch"],
        default="tantivy",
        help="search engine to measure (default tantivy, the embedded one)",
    )
    parser.add_argument(
        "--url",
        default=None,
        help="Elasticsearch URL (default KCC_ELASTICSEARCH_URL; credentials and TLS from KCC_ELASTICSEARCH_*)",
    )
    parser.add_argument(
        "--total", type=int, default=5000, help="articles in the large run (default 5000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="passes over the questions per latency run"
    )
    parser.add_argument(
        "--misses", action="store_true", help="print the legacy questions not answered first"
    )
    parser.add_argument(
        "--split",
        choices=["dev", "test", "both", "none"],
        default="both",
        help="evaluation set(s) of bench/eval for the search figures per style (default both)",
    )
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="also an evaluation file of your own in the bench/eval format (messages the project never saw); "
        "reported like the test set; may be given more than once",
    )
    parser.add_argument(
        "--show-test-misses",
        action="store_true",
        help="also print the test set's confusions and misses (for a final note, not for tuning)",
    )
    parser.add_argument(
        "--e2e",
        action="store_true",
        help="also send the split's topic items through the web chat API on the real stack (see bench/nlu.py)",
    )
    args = parser.parse_args()
    args.split = "" if args.split == "none" else args.split
    code = asyncio.run(run(args))
    if args.e2e:
        e2e(args)
    return code


def e2e(args: argparse.Namespace) -> None:
    """Topic items end to end: did the resident get the article (``meta.article``) in the web chat?"""
    from bench import endtoend

    names = evalset.splits(args.split, args.file)
    items = {n: [i for i in evalset.load(n) if i["kind"] == "topic"] for n in names}
    results = endtoend.run([i for n in names for i in items[n]])
    at = 0
    for name in names:
        endtoend.report(name, results[at : at + len(items[name])], args.show_test_misses)
        at += len(items[name])


if __name__ == "__main__":
    sys.exit(main())
