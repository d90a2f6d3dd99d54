"""Import/export: the project's YAML/JSON format and the VAC objecttype, with errors per bad record."""

from __future__ import annotations

import json
from pathlib import Path

from motor.motor_asyncio import AsyncIOMotorDatabase

from knowledge.importer import (
    article_to_vac,
    export_path,
    import_path,
    read_path,
    vac_to_article,
    validate,
)
from knowledge.models import Article
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import CONTENT, new_article, unique_slug


def test_shipped_content_reads_without_errors() -> None:
    parsed = read_path(CONTENT)
    assert parsed.errors == []
    kinds = [r.kind for r in parsed.records]
    assert kinds.count("article") >= 46 and kinds.count("product") >= 1
    assert parsed.synonyms and all(len(g) >= 2 for g in parsed.synonyms)
    for record in parsed.records:
        item, errors = validate(record)
        assert errors == [], [str(e) for e in errors]


def test_every_topic_has_a_published_article() -> None:
    topics = Path(CONTENT.parent.parent.parent, "..", "shared", "topics.tsv").resolve()
    slugs = {
        r.data["slug"]
        for r in read_path(CONTENT).records
        if r.kind == "article" and r.data.get("status") == "published"
    }
    if topics.exists():
        wanted = {
            line.split("\t")[0]
            for line in topics.read_text(encoding="utf-8").splitlines()[1:]
            if line.strip()
        }
        assert wanted <= slugs, sorted(wanted - slugs)
    assert len(slugs) >= 46


async def test_bad_records_are_reported_and_good_ones_imported(
    db: AsyncIOMotorDatabase, tmp_path: Path
) -> None:
    good1, good2, bad_slug = unique_slug("good"), unique_slug("good"), unique_slug("bad")
    (tmp_path / "articles").mkdir()
    (tmp_path / "products").mkdir()
    (tmp_path / "articles" / f"{good1}.yaml").write_text(
        f"slug: {good1}\ntitle: Een goed artikel\nquestion: Werkt dit?\nanswer: Ja, dit werkt.\nstatus: published\n",
        encoding="utf-8",
    )
    (tmp_path / "articles" / f"{bad_slug}.yaml").write_text(
        f"slug: {bad_slug}\ntitle: Fout artikel\nquestion: Waar zit de fout?\n"
        "answer: In de doelgroep.\naudience: iedereen\nstatus: published\n",
        encoding="utf-8",
    )
    (tmp_path / "articles" / "kapot.yaml").write_text(
        "slug: kapot\ntitle: [niet gesloten\nanswer: x\n", encoding="utf-8"
    )
    (tmp_path / "articles" / f"{good2}.yaml").write_text(
        f"slug: {good2}\ntitle: Nog een goed artikel\nanswer: Ook goed.\npublish_from: 2020-01-01\nstatus: draft\n",
        encoding="utf-8",
    )
    (tmp_path / "products" / "zonder-naam.yaml").write_text(
        "slug: zonder-naam\nname: x\ncosts: 5\n", encoding="utf-8"
    )
    (tmp_path / "synonyms_test.yaml").write_text(
        f"- [{good1}-a, {good1}-b]\n- niet-een-groep\n", encoding="utf-8"
    )

    report = await import_path(KnowledgeStore(db), tmp_path, by="test")
    assert report.created == 2
    errors = {(Path(e.file).name, e.line, e.field) for e in report.errors}
    assert (f"{bad_slug}.yaml", 5, "audience") in errors
    assert any(
        name == "kapot.yaml" and line in (2, 3) for name, line, _ in errors
    )  # YAML syntax error, with its line
    assert any(
        name == "zonder-naam.yaml" and field in ("name", "costs") for name, _, field in errors
    )
    assert any(name == "synonyms_test.yaml" and field == "synonyms[1]" for name, _, field in errors)
    for error in report.errors:
        assert str(error).startswith(str(tmp_path))
    store = KnowledgeStore(db)
    assert (await store.get(good1)).status == "published"
    imported = await store.get(good2)
    assert imported.publish_from is not None and imported.publish_from.year in (2019, 2020)
    assert await store.get(bad_slug) is None
    assert [f"{good1}-a", f"{good1}-b"] in (await store.get_synonyms()).groups


async def test_single_json_file_with_line_numbers(db: AsyncIOMotorDatabase, tmp_path: Path) -> None:
    good, bad = unique_slug(), unique_slug()
    records = [
        {
            "slug": good,
            "title": "JSON artikel",
            "answer": "Uit een JSON-bestand.",
            "status": "published",
        },
        {"slug": bad, "title": "Te kort antwoord", "answer": "", "status": "published"},
    ]
    path = tmp_path / "import.json"
    path.write_text(json.dumps(records, indent=2), encoding="utf-8")
    report = await import_path(KnowledgeStore(db), path, by="test")
    assert report.created == 1
    [error] = report.errors
    assert error.field == "answer"
    assert path.read_text().splitlines()[error.line - 1].strip().startswith('"answer": ""')


async def test_project_format_round_trip(db: AsyncIOMotorDatabase, tmp_path: Path) -> None:
    store = KnowledgeStore(db)
    article = await store.create(
        new_article(answer="Regel een.\n\nRegel twee:\n- punt", internal_note="intern"), by="t"
    )
    out = tmp_path / "export"
    written = await export_path(store, out)
    assert written >= 46
    exported = (out / "articles" / f"{article.slug}.yaml").read_text(encoding="utf-8")
    assert "answer: |" in exported and "version" not in exported
    parsed = read_path(out)
    assert parsed.errors == []
    record = next(r for r in parsed.records if r.data["slug"] == article.slug)
    item, errors = validate(record)
    assert not errors and Article(**item.model_dump()).content() == article.content()
    single = tmp_path / "alles.json"
    await export_path(store, single)
    data = json.loads(single.read_text(encoding="utf-8"))
    assert set(data) == {"articles", "products", "synonyms"}


async def test_vac_round_trip(db: AsyncIOMotorDatabase, tmp_path: Path) -> None:
    store = KnowledgeStore(db)
    article = await store.create(
        new_article(
            title="Hoe vraag ik een VAC aan?",
            question="Hoe vraag ik een VAC aan?",
            keywords=["vac", "kiss"],
            synonyms=["vraag-antwoord"],
            internal_note="Alleen voor het KCC.",
            related_products=["paspoort"],
            audience="business",
            department="Burgerzaken",
            status="draft",
        ),
        by="t",
    )
    out = tmp_path / "vac.json"
    await export_path(store, out, fmt="vac", base_url="https://kcc.example.nl")
    objects = json.loads(out.read_text(encoding="utf-8"))
    obj = next(o for o in objects if o["record"]["data"].get("kcc_slug") == article.slug)
    data = obj["record"]["data"]
    assert obj["type"] == "https://kcc.example.nl/api/v2/objecttypes/vac"
    assert obj["url"].endswith(obj["uuid"]) and data["uuid"] == obj["uuid"]
    assert data["vraag"] == article.question and data["antwoord"] == article.answer
    assert data["status"] == "non-actief" and data["doelgroep"] == "eu-bedrijf"
    assert data["toelichting"] == "Alleen voor het KCC."
    assert data["afdelingen"][0]["afdelingNaam"] == "Burgerzaken"
    assert {t["trefwoord"] for t in data["trefwoorden"]} == {"vac", "kiss", "vraag-antwoord"}
    assert data["gerelateerdeProducten"] == [
        {"product": "https://kcc.example.nl/api/v1/knowledge/products/paspoort"}
    ]
    for required in ("doelgroep", "status", "vraag", "antwoord"):
        assert data[required]

    back = vac_to_article(obj)
    assert back["slug"] == article.slug and back["vac_uuid"] == obj["uuid"]
    assert back["question"] == article.question and back["answer"] == article.answer
    assert back["status"] == "draft" and back["audience"] == "business"
    assert back["internal_note"] == article.internal_note and back["related_products"] == [
        "paspoort"
    ]
    assert set(back["keywords"]) == {"vac", "kiss", "vraag-antwoord"}

    # importing the export changes nothing but the VAC uuid it now remembers
    report = await import_path(store, out, by="test")
    assert report.errors == []
    again = await store.get(article.slug)
    assert again.answer == article.answer and again.vac_uuid == obj["uuid"]
    assert again.internal_note == article.internal_note
    assert article_to_vac(again, "https://kcc.example.nl")["uuid"] == obj["uuid"]


async def test_vac_import_from_an_objects_api_listing(
    db: AsyncIOMotorDatabase, tmp_path: Path
) -> None:
    listing = {
        "count": 2,
        "results": [
            {
                "uuid": "22d89eb2-2238-4885-a352-07c02cf8fcdf",
                "type": "https://objecten.example.nl/api/v2/objecttypes/1",
                "record": {
                    "index": 1,
                    "typeVersion": 1,
                    "startAt": "2024-11-05",
                    "endAt": None,
                    "geometry": None,
                    "data": {
                        "uuid": "22d89eb2-2238-4885-a352-07c02cf8fcdf",
                        "vraag": "Wat is het proces om een testdocument aan te vragen?",
                        "antwoord": "U maakt een afspraak en neemt een pasfoto mee.",
                        "status": "actief",
                        "doelgroep": "eu-burger",
                        "afdelingen": [{"afdelingNaam": "Burgerzaken"}],
                        "toelichting": None,
                        "trefwoorden": [{"trefwoord": "testdocument"}],
                        "gerelateerdeVACs": [],
                        "gerelateerdeProducten": [],
                    },
                },
            },
            {
                "uuid": "00000000-0000-0000-0000-000000000001",
                "record": {
                    "data": {
                        "vraag": "Een VAC zonder antwoord",
                        "antwoord": "",
                        "status": "onbekend",
                        "doelgroep": "eu-burger",
                    }
                },
            },
        ],
    }
    path = tmp_path / "objecten.json"
    path.write_text(json.dumps(listing, indent=2, ensure_ascii=False), encoding="utf-8")
    report = await import_path(KnowledgeStore(db), path, by="test")
    assert report.imported == 1
    fields = {e.field for e in report.errors}
    assert any(f and f.startswith("antwoord") for f in fields) and any(
        f and f.startswith("status") for f in fields
    )
    assert all(e.line for e in report.errors)
    article = await KnowledgeStore(db).get("wat-is-het-proces-om-een-testdocument-aan-te-vragen")
    assert (
        article is not None
        and article.status == "published"
        and article.keywords == ["testdocument"]
    )
    assert (
        article.vac_uuid == "22d89eb2-2238-4885-a352-07c02cf8fcdf"
        and article.department == "Burgerzaken"
    )
