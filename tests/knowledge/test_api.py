"""The knowledge HTTP API of the running hub: exact search shape, validation, roles and CSRF."""

from __future__ import annotations

import aiohttp

from hub.staff.auth import PUBLISH_KNOWLEDGE
from knowledge import unanswered
from tests.knowledge.conftest import new_article, unique_slug, unique_word

SEARCH = "/api/v1/knowledge/search"
ARTICLES = "/api/v1/knowledge/articles"


async def test_search_answers_exactly_the_documented_shape(
    stack, http: aiohttp.ClientSession
) -> None:  # noqa: ANN001
    async with http.get(
        f"{stack.hub_url}{SEARCH}", params={"q": "paspoort aanvragen", "size": "3"}
    ) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        body = await resp.json()
    assert set(body) == {"hits", "took_ms"}
    assert isinstance(body["took_ms"], float)
    assert 1 <= len(body["hits"]) <= 3
    for hit in body["hits"]:
        assert set(hit) == {"slug", "title", "score", "snippet"}
        assert isinstance(hit["slug"], str) and isinstance(hit["title"], str)
        assert isinstance(hit["score"], float) and isinstance(hit["snippet"], str)
    assert body["hits"][0]["slug"] == "paspoort-aanvragen"
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)


async def test_search_input_errors_and_size_clamp(stack, http: aiohttp.ClientSession) -> None:  # noqa: ANN001
    for params in ({}, {"q": ""}, {"q": "   "}):
        async with http.get(f"{stack.hub_url}{SEARCH}", params=params) as resp:
            assert resp.status == 400
            body = await resp.json()
            assert body["error"]["code"] == "missing_query" and body["error"]["message"]
    async with http.get(f"{stack.hub_url}{SEARCH}", params={"q": "afval", "size": "twee"}) as resp:
        assert resp.status == 400
    async with http.get(
        f"{stack.hub_url}{SEARCH}", params={"q": "gemeente", "size": "500"}
    ) as resp:
        assert resp.status == 200 and len((await resp.json())["hits"]) <= 50
    async with http.get(f"{stack.hub_url}{SEARCH}", params={"q": "gemeente", "size": "0"}) as resp:
        assert resp.status == 200 and len((await resp.json())["hits"]) == 1


async def test_staff_view_needs_a_logged_in_staff_member(stack, http, login) -> None:  # noqa: ANN001
    secret = unique_word()
    editor = await login(["editor"])
    status, _ = await editor.call(
        "POST",
        ARTICLES,
        new_article(status="draft", title=f"Concept {secret}").model_dump(mode="json"),
    )
    assert status == 201
    async with http.get(f"{stack.hub_url}{SEARCH}", params={"q": secret, "view": "staff"}) as resp:
        assert resp.status == 401
    async with http.get(f"{stack.hub_url}{SEARCH}", params={"q": secret}) as resp:
        assert (await resp.json())["hits"] == [] or all(
            secret not in h["title"] for h in (await resp.json())["hits"]
        )
    agent = await login(["agent"])
    async with agent.http.get(
        f"{stack.hub_url}{SEARCH}", params={"q": secret, "view": "staff"}
    ) as resp:
        assert resp.status == 200
        assert any(secret in h["title"] for h in (await resp.json())["hits"])


async def test_editor_endpoints_require_the_editor_role(stack, http, login) -> None:  # noqa: ANN001
    slug = "paspoort-aanvragen"
    endpoints = [
        ("GET", ARTICLES),
        ("POST", ARTICLES),
        ("GET", f"{ARTICLES}/{slug}"),
        ("PUT", f"{ARTICLES}/{slug}"),
        ("POST", f"{ARTICLES}/{slug}/publish"),
        ("POST", f"{ARTICLES}/{slug}/archive"),
        ("GET", f"{ARTICLES}/{slug}/versions"),
        ("GET", f"{ARTICLES}/{slug}/versions/1/diff"),
        ("POST", f"{ARTICLES}/{slug}/rollback"),
        ("GET", "/api/v1/knowledge/products"),
        ("POST", "/api/v1/knowledge/products"),
        ("GET", "/api/v1/knowledge/products/paspoort"),
        ("PUT", "/api/v1/knowledge/products/paspoort"),
        ("GET", "/api/v1/knowledge/synonyms"),
        ("PUT", "/api/v1/knowledge/synonyms"),
        ("GET", "/api/v1/knowledge/unanswered"),
    ]
    agent = await login(["agent"])
    for method, path in endpoints:
        async with http.request(method, stack.hub_url + path, json={}) as resp:
            assert resp.status == 401, (method, path, resp.status)
            assert (await resp.json())["error"]["code"] == "not_logged_in"
        status, body = await agent.call(method, path, json={})
        assert status == 403, (method, path, status)
        assert body["error"]["code"] == "forbidden"
    async with http.get(f"{stack.hub_url}/editor", allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"].startswith("/login?next=/editor")
    async with agent.http.get(f"{stack.hub_url}/editor", allow_redirects=False) as resp:
        assert resp.status == 403
    editor = await login(["editor"])
    async with editor.http.get(f"{stack.hub_url}/editor") as resp:
        assert resp.status == 200 and "Kennisbank" in await resp.text()


async def test_unsafe_methods_need_the_csrf_token(login) -> None:  # noqa: ANN001
    editor = await login(["editor"])
    status, body = await editor.call(
        "POST", ARTICLES, new_article().model_dump(mode="json"), csrf=False
    )
    assert status == 403 and body["error"]["code"] == "csrf"


async def test_validation_errors_name_the_fields(login) -> None:  # noqa: ANN001
    editor = await login(["editor"])
    bad = {
        "slug": "Geen Geldige Slug",
        "title": "",
        "answer": "",
        "audience": "iedereen",
        "onbekend": 1,
    }
    status, body = await editor.call("POST", ARTICLES, bad)
    assert status == 422
    assert body["error"]["code"] == "invalid_fields"
    assert {"slug", "title", "answer", "audience", "onbekend"} <= set(body["error"]["fields"])
    async with editor.http.post(
        editor.url(ARTICLES), data="geen json", headers={**editor.headers(), "Content-Type": "application/json"}
    ) as resp:
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_json"
    status, body = await editor.call("GET", f"{ARTICLES}/bestaat-echt-niet")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await editor.call(
        "POST", f"{ARTICLES}/paspoort-aanvragen/rollback", {"version": 0}
    )
    assert status == 422 and "version" in body["error"]["fields"]


async def test_article_lifecycle_versions_diff_rollback(login) -> None:  # noqa: ANN001
    editor = await login(["editor"], rights=[PUBLISH_KNOWLEDGE])
    slug = unique_slug()
    status, created = await editor.call(
        "POST",
        ARTICLES,
        new_article(slug, status="draft", title="Eerste titel").model_dump(mode="json"),
    )
    assert status == 201 and created["version"] == 1 and created["updated_by"] == editor.username
    assert "readability" in created and 0 <= created["readability"]["score"] <= 100
    assert created["draft"] is None and created["current_version"] == 1
    status, _ = await editor.call("POST", ARTICLES, new_article(slug).model_dump(mode="json"))
    assert status == 409
    update = {
        k: created[k] for k in ("title", "question", "answer", "keywords", "audience", "department")
    }
    status, v2 = await editor.call(
        "PUT", f"{ARTICLES}/{slug}", {**update, "title": "Tweede titel", "version": 1}
    )
    assert status == 200 and v2["current_version"] == 2
    assert v2["title"] == "Eerste titel" and v2["draft"]["content"]["title"] == "Tweede titel"
    status, body = await editor.call(
        "PUT", f"{ARTICLES}/{slug}", {**update, "title": "Botsing", "version": 1}
    )
    assert status == 409 and body["error"]["code"] == "conflict"
    status, v3 = await editor.call("POST", f"{ARTICLES}/{slug}/publish")
    assert status == 200 and v3["status"] == "published" and v3["visible_to_residents"]
    assert v3["title"] == "Tweede titel" and v3["draft"] is None and v3["version"] == 3
    status, history = await editor.call("GET", f"{ARTICLES}/{slug}/versions")
    assert [v["action"] for v in history["versions"]] == ["publish", "draft", "create"]
    status, diff = await editor.call("GET", f"{ARTICLES}/{slug}/versions/2/diff")
    assert status == 200
    [change] = diff["changes"]
    assert change["field"] == "title" and change["diff"] == ["- Eerste titel", "+ Tweede titel"]
    assert change["rows"] == [{
        "kind": "changed",
        "left": [{"text": "Eerste", "changed": True}, {"text": " titel", "changed": False}],
        "right": [{"text": "Tweede", "changed": True}, {"text": " titel", "changed": False}],
    }]
    status, rolled = await editor.call("POST", f"{ARTICLES}/{slug}/rollback", {"version": 1})
    assert status == 200 and rolled["title"] == "Tweede titel"  # live stays: the old text is a draft now
    assert rolled["draft"]["content"]["title"] == "Eerste titel" and rolled["current_version"] == 4
    status, listing = await editor.call("GET", f"{ARTICLES}?status=published&q={slug}")
    assert [a["slug"] for a in listing["articles"]] == [slug]
    assert "answer" not in listing["articles"][0] and "readability" in listing["articles"][0]
    assert listing["articles"][0]["draft_label"] == "concept"
    status, archived = await editor.call("POST", f"{ARTICLES}/{slug}/archive")
    assert archived["status"] == "archived" and not archived["visible_to_residents"]


async def test_products_api(login) -> None:  # noqa: ANN001
    editor = await login(["editor"])
    slug = unique_slug("product")
    product = {
        "slug": slug,
        "name": "Testvergunning",
        "costs": "€ 25",
        "conditions": ["U bent 18 jaar"],
        "apply": {"online": "Via Mijn Lindewaard", "appointment": None, "at_home": None},
    }
    status, created = await editor.call("POST", "/api/v1/knowledge/products", product)
    assert status == 201 and created["version"] == 1
    status, got = await editor.call("GET", f"/api/v1/knowledge/products/{slug}")
    assert got["apply"]["online"] == "Via Mijn Lindewaard"
    body = {k: v for k, v in product.items() if k != "slug"} | {"costs": "€ 30", "version": 1}
    status, updated = await editor.call("PUT", f"/api/v1/knowledge/products/{slug}", body)
    assert status == 200 and updated["costs"] == "€ 30" and updated["version"] == 2
    status, listing = await editor.call("GET", "/api/v1/knowledge/products")
    assert slug in [p["slug"] for p in listing["products"]] and "paspoort" in [
        p["slug"] for p in listing["products"]
    ]
    status, body = await editor.call(
        "POST", "/api/v1/knowledge/products", {"slug": slug, "name": "x"}
    )
    assert status == 422 and "name" in body["error"]["fields"]


async def test_synonyms_api_changes_search_at_once(stack, http, login) -> None:  # noqa: ANN001
    editor = await login(["editor"], rights=[PUBLISH_KNOWLEDGE])
    word, alias = unique_word(), unique_word()
    slug = unique_slug()
    await editor.call(
        "POST", ARTICLES, new_article(slug, title=f"Woord {word}").model_dump(mode="json")
    )
    status, before = await editor.call("GET", "/api/v1/knowledge/synonyms")
    assert status == 200 and isinstance(before["groups"], list)
    try:
        status, saved = await editor.call(
            "PUT",
            "/api/v1/knowledge/synonyms",
            {"groups": [*before["groups"], [word, alias.upper()]]},
        )
        assert status == 200 and [word, alias] in saved["groups"]
        async with http.get(f"{stack.hub_url}{SEARCH}", params={"q": alias}) as resp:
            assert slug in [h["slug"] for h in (await resp.json())["hits"]]
    finally:
        await editor.call("PUT", "/api/v1/knowledge/synonyms", before)
    status, body = await editor.call("PUT", "/api/v1/knowledge/synonyms", {"groups": "geen lijst"})
    assert status == 422


async def test_unanswered_questions_are_grouped_and_counted(db, login) -> None:  # noqa: ANN001
    word = unique_word()
    key = await unanswered.record(
        db, f"Hoe vraag ik een {word}vergunning aan?", ["omgevingsvergunning"]
    )
    await unanswered.record(db, f"{word}vergunning aanvragen", [])
    await unanswered.record(db, f"{word}vergunning aanvragen 123456782", ["evenementenvergunning"])
    editor = await login(["editor"])
    status, body = await editor.call("GET", "/api/v1/knowledge/unanswered")
    assert status == 200
    group = next(g for g in body["groups"] if g["key"] == key)
    assert group["count"] == 3
    assert set(group["slugs_offered"]) == {"omgevingsvergunning", "evenementenvergunning"}
    assert all("123456782" not in text for text in [group["text"], *group["examples"]])
    status, _ = await editor.call("POST", "/api/v1/knowledge/unanswered/dismiss", {"key": key})
    assert status == 200
    status, body = await editor.call("GET", "/api/v1/knowledge/unanswered")
    assert key not in [g["key"] for g in body["groups"]]


async def test_readability_endpoint(login) -> None:  # noqa: ANN001
    editor = await login(["editor"])
    status, body = await editor.call(
        "POST",
        "/api/v1/knowledge/readability",
        {"text": "Indien u reeds verhuisd bent, dient u dit te melden."},
    )
    assert status == 200
    assert {j["word"] for j in body["jargon"]} >= {"indien", "reeds", "dienen te"} or {
        "indien",
        "reeds",
    } <= {j["word"] for j in body["jargon"]}
    assert body["hints"] and body["score"] < 100
