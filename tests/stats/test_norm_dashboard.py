"""The norms on /dashboard in real headless Chromium: target lines drawn at their norm, readable text
(at least 12 px on a desktop and a phone), one colour per channel, Dutch dates. June 2025 norm history."""

from __future__ import annotations

import re
import uuid

import pytest

from hub.staff.auth import create_staff
from tests.conftest import LOG_DIR
from tests.e2e.axe import audit, blocking
from tests.e2e.browser import browser

pytestmark = pytest.mark.browser
URL = "/dashboard?from=2025-06-01&to=2025-06-30"
TARGETS = {"within-term": 0.95, "pickup": 0.95, "first-contact": 0.8, "containment": 0.6, "satisfaction": 7.5}

LINE = """(chart) => {
  const svg = document.querySelector(`svg[data-chart="${chart}"]`);
  const line = svg.querySelector("line.normline"), axis = svg.querySelector("line.axis");
  const box = line.getBoundingClientRect();
  const label = [...svg.querySelectorAll("text.normlabel")].map((t) => t.textContent);
  return { norm: Number(line.dataset.norm), y: Number(line.getAttribute("y1")), axis: Number(axis.getAttribute("y1")),
           width: box.width, shown: getComputedStyle(line).visibility === "visible" && getComputedStyle(line).display !== "none",
           stroke: getComputedStyle(line).stroke, label };
}"""
SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll("svg text")]
  .filter((t) => t.getBoundingClientRect().width > 0)
  .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""


async def _login(page, base: str, db) -> None:
    username, password = f"boss-{uuid.uuid4().hex[:6]}", "dashboard-norms-123"
    await create_staff(db, username, password, ["supervisor"], name="Teamleider Normen", team="kcc")
    await page.goto(f"{base}{URL}")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(lambda url: url.endswith("/dashboard") and "/login" not in url)
    await page.goto(f"{base}{URL}")
    await page.wait_for_selector("body[data-loaded=true]", timeout=20_000)


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
async def test_target_lines_readable_text_colours_and_dutch_dates(hub_norms, db, viewport):
    async with browser() as b:
        page = await b.new_page(viewport=viewport)
        await _login(page, hub_norms.hub_url, db)
        for chart, norm in TARGETS.items():
            line = await page.evaluate(LINE, chart)
            assert line["norm"] == norm, chart
            assert line["shown"] and line["width"] > 100, (chart, line)
            # the line sits at its norm: (axis - y) / (axis - top) = norm / scale maximum
            top = 22  # the chart's top margin (T in barChart)
            scale = 10 if chart == "satisfaction" else 1
            assert abs((line["axis"] - line["y"]) / (line["axis"] - top) - norm / scale) < 0.01, (chart, line)
            assert line["label"] and line["label"][0].startswith("doel minimaal"), line
        assert (await page.evaluate(LINE, "within-term"))["label"] == ["doel minimaal 95%"]
        # 2 June: W1 and B1 and E1 within their term, W2 late: 75%, under the 95% target and red
        bar = page.locator('svg[data-chart="within-term"] rect.bar[data-label="2025-06-02"]')
        assert await bar.get_attribute("data-value") == "0.75" and "breach" in await bar.get_attribute("class")

        assert await page.evaluate(SMALLEST_TEXT) >= 12

        colours = await page.evaluate("""() => [...document.querySelectorAll('svg [data-channel][data-color], svg rect.channel')]
            .map((e) => [e.dataset.channel || e.dataset.label, getComputedStyle(e).fill])""")  # as drawn, not as meant
        per_channel: dict[str, set[str]] = {}
        for channel, colour in colours:
            per_channel.setdefault(channel, set()).add(colour)
        assert set(per_channel) >= {"webchat", "email", "whatsapp"}
        assert all(len(c) == 1 for c in per_channel.values()), per_channel  # one colour per channel on every chart
        assert len({next(iter(c)) for c in per_channel.values()}) == len(per_channel)  # and no two alike

        ticks = await page.eval_on_selector_all('svg[data-chart="series"] text.tick', "els => els.map(e => e.textContent)")
        assert "2 jun" in ticks and not [t for t in ticks if re.fullmatch(r"\d\d-\d\d", t)]
        assert "1 juni 2025 tot en met 30 juni 2025" in await page.inner_text("#status")
        day = await page.inner_text('table[data-table="Per dag"] tbody tr:first-child td:first-child')
        assert re.fullmatch(r"\d{1,2} jun", day), day
        # axe-core with every norm, breach and hidden grade on the page (legend, status line, tables)
        assert blocking(await audit(page)) == []
        await page.screenshot(path=str(LOG_DIR / f"dashboard-norms-{viewport['width']}.png"), full_page=True)
