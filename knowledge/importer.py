"""Import and export of the knowledge base.

Formats:

* the project's own format (knowledge/content/README.md): a folder with ``articles/*.yaml``,
  ``products/*.yaml`` and ``synonyms.yaml`` / ``synonyms_*.yaml``, or one ``.yaml``/``.json``
  file holding a list of records or ``{"articles": [...], "products": [...], "synonyms": [...]}``;
* the VAC objecttype of the Objecten API community schemas (open-objecten/objecttypes,
  ``community-concepts/VAC``): a JSON list of Objects API objects (``record.data`` holds
  ``vraag``, ``antwoord``, ``status``, ``doelgroep``, ``afdelingen``, ``toelichting``,
  ``trefwoorden``, ``gerelateerdeProducten``, ...), a paginated ``{"results": [...]}``, or a
  list of bare ``data`` objects.

A bad record never stops an import: it is reported with file, line and field, and the
good records are imported.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError

from knowledge.models import Article, NewArticle, NewProduct, Product, SynonymGroups, as_utc, utcnow
from knowledge.search.analysis import fold
from knowledge.store import Conflict, KnowledgeStore

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
VAC_NAMESPACE = uuid.UUID("5b0f6c1e-4f7b-4d0e-9a41-6b6e2f1c0a11")
VAC_STATUS_IN = {"actief": "published", "non-actief": "draft", "te-verwijderen": "archived"}
VAC_STATUS_OUT = {v: k for k, v in VAC_STATUS_IN.items()}
VAC_AUDIENCE_IN = {
    "eu-burger": "resident",
    "eu-bedrijf": "business",
    "eu-burger-bedrijf": "resident",
}
VAC_AUDIENCE_OUT = {"resident": "eu-burger", "business": "eu-bedrijf"}
EXPORT_FIELDS = (
    "slug",
    "title",
    "question",
    "answer",
    "keywords",
    "synonyms",
    "audience",
    "department",
    "related_products",
    "status",
    "publish_from",
    "publish_until",
    "internal_note",
    "review_at",
    "vac_uuid",
)
PRODUCT_EXPORT_FIELDS = (
    "slug",
    "name",
    "upl_name",
    "description",
    "costs",
    "lead_time",
    "conditions",
    "bring",
    "apply",
    "legal_deadline",
    "department",
    "appointment",
)


@dataclass
class RecordError:
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


@dataclass
class Record:
    kind: str  # article | product
    data: dict[str, Any]
    file: str
    line: int | None
    node: yaml.Node | None = None


@dataclass
class Parsed:
    records: list[Record] = field(default_factory=list)
    synonyms: list[list[str]] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    format: str = "project"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    synonym_groups: int = 0
    errors: list[RecordError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


# ---------------------------------------------------------------------- reading files
def _load(path: Path) -> tuple[Any, yaml.Node | None]:
    """Data and YAML node tree (for line numbers) of a .yaml or .json file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None  # valid JSON that PyYAML cannot read: no line numbers, data is fine
        return data, node
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of ``loc`` that can be found in the YAML tree."""
    best = _line(node)
    current = node
    for part in loc:
        current = _child(current, part)
        if current is None:
            break
        best = _line(current)
    return best


def _kind(data: dict[str, Any]) -> str | None:
    if "answer" in data or "question" in data or "title" in data:
        return "article"
    if "name" in data:
        return "product"
    return None


def _records_from(
    data: Any, node: yaml.Node | None, file: str, kind: str | None, parsed: Parsed
) -> None:
    items = data if isinstance(data, list) else [data]
    nodes = node.value if isinstance(node, yaml.SequenceNode) else [node] * len(items)
    for item, item_node in zip(items, nodes, strict=False):
        if not isinstance(item, dict):
            parsed.errors.append(
                RecordError(file, _line(item_node), None, "record is not a mapping")
            )
            continue
        record_kind = kind or _kind(item)
        if record_kind is None:
            parsed.errors.append(
                RecordError(
                    file, _line(item_node), None, "neither an article (answer) nor a product (name)"
                )
            )
            continue
        parsed.records.append(Record(record_kind, item, file, _line(item_node), item_node))


def _synonyms_from(data: Any, node: yaml.Node | None, file: str, parsed: Parsed) -> None:
    groups = data.get("groups", data.get("synonyms")) if isinstance(data, dict) else data
    if not isinstance(groups, list):
        parsed.errors.append(
            RecordError(file, _line(node), "synonyms", "expected a list of groups")
        )
        return
    seq = _child(node, "groups") or _child(node, "synonyms") or node
    for i, group in enumerate(groups):
        if not isinstance(group, list) or not all(isinstance(t, str | int) for t in group):
            parsed.errors.append(
                RecordError(
                    file, _line(_child(seq, i)), f"synonyms[{i}]", "a group is a list of words"
                )
            )
            continue
        parsed.synonyms.append([str(t) for t in group])


def _read_file(
    path: Path, parsed: Parsed, kind: str | None = None, slug_from_name: bool = False
) -> None:
    file = str(path)
    try:
        data, node = _load(path)
    except json.JSONDecodeError as exc:
        parsed.errors.append(RecordError(file, exc.lineno, None, f"invalid JSON: {exc.msg}"))
        return
    except yaml.YAMLError as exc:
        mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        where = (
            f" ({exc.context} at line {context.line + 1})"
            if context and getattr(exc, "context", None)
            else ""
        )
        problem = getattr(exc, "problem", None) or str(exc)
        parsed.errors.append(
            RecordError(
                file, mark.line + 1 if mark else None, None, f"invalid YAML: {problem}{where}"
            )
        )
        return
    except (OSError, UnicodeDecodeError) as exc:
        parsed.errors.append(RecordError(file, None, None, f"cannot read: {exc}"))
        return
    if data is None:
        return
    if _looks_like_vac(data):
        parsed.format = "vac"
        _vac_records(data, node, file, parsed)
        return
    if kind == "synonyms":
        _synonyms_from(data, node, file, parsed)
        return
    if (
        isinstance(data, dict)
        and {"articles", "products", "synonyms"} & data.keys()
        and kind is None
    ):
        if "articles" in data:
            _records_from(data["articles"] or [], _child(node, "articles"), file, "article", parsed)
        if "products" in data:
            _records_from(data["products"] or [], _child(node, "products"), file, "product", parsed)
        if "synonyms" in data:
            _synonyms_from(data["synonyms"] or [], _child(node, "synonyms"), file, parsed)
        return
    before = len(parsed.records)
    _records_from(data, node, file, kind, parsed)
    if slug_from_name and isinstance(data, dict):
        for record in parsed.records[before:]:
            record.data.setdefault("slug", path.stem)


def _is_content_file(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix.lower() in (".yaml", ".yml", ".json")
        and not path.name.startswith(".")
    )


def read_path(path: str | Path) -> Parsed:
    """Parse a content folder or a single file; no database access."""
    path = Path(path)
    parsed = Parsed()
    if path.is_dir():
        for sub, kind in (("articles", "article"), ("products", "product")):
            for file in sorted((path / sub).glob("*")) if (path / sub).is_dir() else []:
                if _is_content_file(file):
                    _read_file(file, parsed, kind, slug_from_name=True)
        for file in sorted(path.glob("synonyms*")):
            if _is_content_file(file):
                _read_file(file, parsed, "synonyms")
        for file in sorted(path.glob("*.vac.json")):
            _read_file(file, parsed)
    elif path.is_file():
        _read_file(path, parsed)
    else:
        parsed.errors.append(RecordError(str(path), None, None, "no such file or folder"))
    return parsed


# ---------------------------------------------------------------------- VAC
def _looks_like_vac(data: Any) -> bool:
    items = data.get("results") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return False
    first = items[0]
    body = (
        (first.get("record") or {}).get("data") if isinstance(first.get("record"), dict) else first
    )
    return isinstance(body, dict) and "antwoord" in body and "vraag" in body


def slugify(text: str, max_len: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_len].rstrip("-") or "vac"


def vac_uuid(slug: str) -> str:
    """Stable VAC uuid of an article that did not come from a VAC source."""
    return str(uuid.uuid5(VAC_NAMESPACE, slug))


def _vac_date(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    parsed = date.fromisoformat(str(value)[:10])
    return datetime.combine(parsed, time(0, 0), tzinfo=AMSTERDAM).astimezone(UTC)


def vac_to_article(obj: dict[str, Any]) -> dict[str, Any]:
    """One Objects API VAC object (or its bare ``data``) as a project article record."""
    record = obj.get("record") if isinstance(obj.get("record"), dict) else None
    data = dict(record.get("data") or {}) if record else dict(obj)
    uid = data.get("uuid") or obj.get("uuid")
    question = str(data.get("vraag") or "").strip()
    products = []
    for rel in data.get("gerelateerdeProducten") or []:
        url = str((rel or {}).get("product") or "").rstrip("/")
        if url:
            products.append(url.rsplit("/", 1)[-1])
    afdelingen = data.get("afdelingen") or []
    out: dict[str, Any] = {
        "slug": data.get("kcc_slug") or slugify(question),
        "title": question[:200],
        "question": question[:500],
        "answer": data.get("antwoord"),
        "keywords": [
            t.get("trefwoord") for t in data.get("trefwoorden") or [] if isinstance(t, dict)
        ],
        "audience": VAC_AUDIENCE_IN.get(data.get("doelgroep"), data.get("doelgroep")),
        "department": (afdelingen[0] or {}).get("afdelingNaam", "") if afdelingen else "",
        "related_products": products,
        "status": VAC_STATUS_IN.get(data.get("status"), data.get("status")),
        "internal_note": data.get("toelichting") or "",
        "vac_uuid": str(uid) if uid else None,
    }
    if record:
        start = _vac_date(record.get("startAt"))
        if start and start > utcnow():
            out["publish_from"] = start
        out["publish_until"] = _vac_date(record.get("endAt"))
    return out


_VAC_FIELD = {
    "title": "vraag",
    "question": "vraag",
    "answer": "antwoord",
    "keywords": "trefwoorden",
    "audience": "doelgroep",
    "department": "afdelingen",
    "status": "status",
    "internal_note": "toelichting",
    "related_products": "gerelateerdeProducten",
    "publish_until": "endAt",
    "publish_from": "startAt",
}


def _vac_records(data: Any, node: yaml.Node | None, file: str, parsed: Parsed) -> None:
    items = data.get("results") if isinstance(data, dict) else data
    seq = _child(node, "results") if isinstance(data, dict) else node
    for i, obj in enumerate(items):
        item_node = _child(seq, i)
        if not isinstance(obj, dict):
            parsed.errors.append(
                RecordError(file, _line(item_node), None, "VAC object is not a mapping")
            )
            continue
        try:
            record = vac_to_article(obj)
        except (ValueError, TypeError, AttributeError) as exc:
            parsed.errors.append(
                RecordError(file, _line(item_node), None, f"unreadable VAC object: {exc}")
            )
            continue
        data_node = _child(_child(item_node, "record"), "data") or item_node
        parsed.records.append(Record("article", record, file, _line(item_node), data_node))


def article_to_vac(
    article: Article, base_url: str, objecttype_url: str | None = None
) -> dict[str, Any]:
    """An article as an Objects API object of the VAC objecttype."""
    base = base_url.rstrip("/")
    uid = article.vac_uuid or vac_uuid(article.slug)
    keywords = list(dict.fromkeys([*article.keywords, *article.synonyms]))
    data = {
        "uuid": uid,
        "vraag": article.question or article.title,
        "antwoord": article.answer,
        "status": VAC_STATUS_OUT[article.status],
        "doelgroep": VAC_AUDIENCE_OUT[article.audience],
        "afdelingen": (
            [
                {
                    "afdelingId": str(uuid.uuid5(VAC_NAMESPACE, "afdeling:" + article.department)),
                    "afdelingNaam": article.department,
                }
            ]
            if article.department
            else []
        ),
        "toelichting": article.internal_note,
        "trefwoorden": [{"trefwoord": k} for k in keywords],
        "gerelateerdeVACs": [],
        "gerelateerdeProducten": [
            {"product": f"{base}/api/v1/knowledge/products/{p}"} for p in article.related_products
        ],
        "kcc_slug": article.slug,
    }
    start = (article.publish_from or article.updated_at).astimezone(AMSTERDAM).date()
    end = article.publish_until.astimezone(AMSTERDAM).date() if article.publish_until else None
    return {
        "url": f"{base}/api/v2/objects/{uid}",
        "uuid": uid,
        "type": objecttype_url or f"{base}/api/v2/objecttypes/vac",
        "record": {
            "index": article.version,
            "typeVersion": 1,
            "data": data,
            "geometry": None,
            "startAt": start.isoformat(),
            "endAt": end.isoformat() if end else None,
            "registrationAt": article.updated_at.astimezone(AMSTERDAM).date().isoformat(),
            "correctionFor": None,
            "correctedBy": None,
        },
    }


# ---------------------------------------------------------------------- validation and import
def _date_to_datetime(data: dict[str, Any]) -> dict[str, Any]:
    """YAML dates (2026-05-01) mean the start of that day in the Netherlands."""
    for key in ("publish_from", "publish_until", "review_at"):
        value = data.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            data[key] = datetime.combine(value, time(0, 0), tzinfo=AMSTERDAM).astimezone(UTC)
    return data


def validate(
    record: Record, fmt: str = "project"
) -> tuple[NewArticle | NewProduct | None, list[RecordError]]:
    model = NewArticle if record.kind == "article" else NewProduct
    data = _date_to_datetime(dict(record.data)) if record.kind == "article" else dict(record.data)
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            name = ".".join(str(p) for p in loc) or None
            node_loc: tuple[Any, ...] = loc
            if fmt == "vac" and loc and loc[0] in _VAC_FIELD:
                name = f"{_VAC_FIELD[loc[0]]} ({loc[0]})"
                node_loc = (_VAC_FIELD[loc[0]],)
            errors.append(
                RecordError(
                    record.file, _line_of(record.node, node_loc) or record.line, name, err["msg"]
                )
            )
        return None, errors


async def import_parsed(
    store: KnowledgeStore,
    parsed: Parsed,
    by: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate and store every record; bad records become errors, good ones are imported."""
    report = ImportReport(errors=list(parsed.errors))
    if parsed.format == "vac":
        await _resolve_vac_slugs(store, parsed)
    seen: set[tuple[str, str]] = set()
    for record in parsed.records:
        item, errors = validate(record, parsed.format)
        if item is None:
            report.errors.extend(errors)
        elif (record.kind, item.slug) in seen:
            report.errors.append(
                RecordError(
                    record.file, record.line, "slug", f"duplicate slug {item.slug!r} in this import"
                )
            )
        else:
            seen.add((record.kind, item.slug))
            try:
                if isinstance(item, NewArticle):
                    _, outcome = await store.upsert(item, by)
                else:
                    _, outcome = await store.upsert_product(item, by)
            except Conflict as exc:
                report.errors.append(
                    RecordError(record.file, record.line, "slug", f"not stored: {exc}")
                )
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
        if progress:
            progress(1)
    if parsed.synonyms:
        groups = SynonymGroups(groups=parsed.synonyms)
        await store.merge_synonyms(groups, by)
        report.synonym_groups = len(groups.groups)
    return report


async def _resolve_vac_slugs(store: KnowledgeStore, parsed: Parsed) -> None:
    """Keep the slug of an article we already hold for the same VAC uuid."""
    by_uuid: dict[str, str] = {}
    for article in await store.all():
        by_uuid[article.vac_uuid or vac_uuid(article.slug)] = article.slug
    for record in parsed.records:
        uid = record.data.get("vac_uuid")
        if uid and uid in by_uuid:
            record.data["slug"] = by_uuid[uid]


async def import_path(
    store: KnowledgeStore, path: str | Path, by: str, progress: Callable[[int], None] | None = None
) -> ImportReport:
    return await import_parsed(store, read_path(path), by, progress)


# ---------------------------------------------------------------------- export
class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def article_record(article: Article) -> dict[str, Any]:
    data = article.model_dump(include=set(EXPORT_FIELDS))
    record = {k: data[k] for k in EXPORT_FIELDS if k in data}
    for key in ("publish_from", "publish_until", "review_at", "vac_uuid"):
        if record.get(key) is None:
            record.pop(key, None)
    return record


def product_record(product: Product) -> dict[str, Any]:
    data = product.model_dump(include=set(PRODUCT_EXPORT_FIELDS))
    return {k: data[k] for k in PRODUCT_EXPORT_FIELDS}


def _dump(data: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n",
            encoding="utf-8",
        )
    else:
        path.write_text(
            yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


async def export_path(
    store: KnowledgeStore,
    path: str | Path,
    fmt: str = "project",
    base_url: str = "http://127.0.0.1:8080",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the knowledge base; returns the number of records written.

    ``fmt="vac"`` writes one JSON file of VAC objects (articles only). Otherwise a path
    ending in .yaml/.yml/.json gets one file, any other path a content folder.
    """
    path = Path(path)
    articles = await store.all()
    if fmt == "vac":
        objects = []
        for article in articles:
            objects.append(article_to_vac(article, base_url))
            if progress:
                progress(1)
        _dump(objects, path if path.suffix else path / "vac.json")
        return len(objects)
    products = await store.list_products()
    synonyms = (await store.get_synonyms()).groups
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        _dump(
            {
                "articles": [article_record(a) for a in articles],
                "products": [product_record(p) for p in products],
                "synonyms": synonyms,
            },
            path,
        )
        if progress:
            progress(len(articles) + len(products))
        return len(articles) + len(products)
    for article in articles:
        _dump(article_record(article), path / "articles" / f"{article.slug}.yaml")
        if progress:
            progress(1)
    for product in products:
        _dump(product_record(product), path / "products" / f"{product.slug}.yaml")
        if progress:
            progress(1)
    _dump(synonyms, path / "synonyms.yaml")
    return len(articles) + len(products)
