"""``kcc kb``: import, export and re-index the knowledge base."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from tqdm import tqdm

from hub.core.settings import get_settings

EPILOG_IMPORT = """\
PATH is a content folder (articles/*.yaml, products/*.yaml, synonyms*.yaml, see
knowledge/content/README.md), a single .yaml/.json file with records, or a JSON file of
VAC objects (Objecten API, objecttype VAC). Records that exist are updated (a new version
is written), unchanged records are left alone. A bad record is reported with its file,
line and field; all good records are imported. Exit status 1 when any record was bad.
"""

EPILOG_EXPORT = """\
Without --format vac: a PATH ending in .yaml/.yml/.json gets one file, any other PATH a
content folder in the import format. With --format vac: one JSON file of Objects API
objects of the VAC objecttype (articles only).
"""


def _db() -> Any:
    from hub.core.db import connect, ensure_indexes

    settings = get_settings()
    db = connect(settings)
    return settings, db, ensure_indexes


async def _import(args: argparse.Namespace) -> int:
    from knowledge.importer import import_parsed, read_path
    from knowledge.store import KnowledgeStore

    settings, db, ensure_indexes = _db()
    try:
        await ensure_indexes(db)
        parsed = read_path(args.path)
        with tqdm(
            total=len(parsed.records), unit="record", desc="import", disable=args.quiet
        ) as bar:
            report = await import_parsed(
                KnowledgeStore(db), parsed, by=args.by, progress=bar.update
            )
    finally:
        db.client.close()
    print(
        f"imported {report.imported} records ({report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged), {report.synonym_groups} synonym groups, {len(report.errors)} errors"
    )
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    return 1 if report.errors else 0


async def _export(args: argparse.Namespace) -> int:
    from knowledge.importer import export_path
    from knowledge.store import KnowledgeStore

    settings, db, _ = _db()
    try:
        store = KnowledgeStore(db)
        total = await store.count() + (
            0 if args.format == "vac" else await db["products"].count_documents({})
        )
        with tqdm(total=total, unit="record", desc="export", disable=args.quiet) as bar:
            written = await export_path(
                store,
                args.path,
                fmt=args.format,
                base_url=args.base_url or settings.public_url,
                progress=bar.update,
            )
    finally:
        db.client.close()
    print(f"exported {written} records to {args.path}")
    return 0


async def _reindex(args: argparse.Namespace) -> int:
    from knowledge.models import Article
    from knowledge.search import create_engine
    from knowledge.store import KnowledgeStore

    settings, db, _ = _db()
    engine = create_engine(settings)
    started = time.perf_counter()
    try:
        store = KnowledgeStore(db)
        articles = [
            Article.model_validate(doc) async for doc in db["articles"].find({}, {"_id": 0})
        ]
        await engine.set_synonyms((await store.get_synonyms()).groups)
        with tqdm(
            total=len(articles), unit="article", desc=f"reindex ({engine.name})", disable=args.quiet
        ) as bar:
            rebuild = getattr(engine, "rebuild", None)
            if rebuild is not None:
                await rebuild(articles, progress=bar.update)
            else:
                for i in range(0, len(articles), 500):
                    await engine.index_many(articles[i : i + 500])
                    bar.update(len(articles[i : i + 500]))
    finally:
        await engine.close()
        db.client.close()
    print(
        f"indexed {len(articles)} articles with {engine.name} in {time.perf_counter() - started:.1f}s"
    )
    if engine.name == "tantivy":
        print(
            "note: the embedded index lives in each running process and follows MongoDB by itself; "
            "this run only checked that every article can be indexed"
        )
    return 0


def _run(coro_fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(coro_fn(args))

    return run


def register(subparsers: Any) -> None:
    kb = subparsers.add_parser("kb", help="knowledge base: import, export, reindex")
    sub = kb.add_subparsers(dest="kb_command", required=True)

    imp = sub.add_parser(
        "import",
        help="import articles, products and synonyms (project YAML/JSON or VAC JSON)",
        description="Import knowledge base content into MongoDB.",
        epilog=EPILOG_IMPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("path", help="content folder or .yaml/.json file")
    imp.add_argument(
        "--by", default="import", help="name recorded in the version history (default: import)"
    )
    imp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=_run(_import))

    exp = sub.add_parser(
        "export",
        help="export the knowledge base (project format or VAC JSON)",
        description="Export the knowledge base from MongoDB.",
        epilog=EPILOG_EXPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exp.add_argument("path", help="target folder or .yaml/.json file")
    exp.add_argument(
        "--format",
        choices=["project", "vac"],
        default="project",
        help="output format (default: project)",
    )
    exp.add_argument(
        "--base-url",
        default=None,
        help="base URL for VAC object and product URLs (default: KCC_PUBLIC_URL)",
    )
    exp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    exp.set_defaults(func=_run(_export))

    rei = sub.add_parser(
        "reindex",
        help="rebuild the search index of the configured engine from MongoDB",
        description="Rebuild the search index from MongoDB. For Elasticsearch fresh indexes "
        "are made (Dutch analysis, current synonyms, the compound word list of today's "
        "articles), filled, and put behind the aliases in one step; the embedded "
        "Tantivy index is rebuilt in memory as a check.",
    )
    rei.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rei.set_defaults(func=_run(_reindex))
