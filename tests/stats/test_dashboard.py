"""A supervisor logs in and opens /dashboard in real headless Chromium: the charts show the known totals."""

from __future__ import annotations

import uuid

import pytest

from hub.staff.auth import create_staff
from tests.conftest import LOG_DIR
from tests.e2e.browser import browser

pytestmark = pytest.mark.browser


async def bars(page, chart: str, selector: str = "rect.bar") -> dict[str, float]:
    return await page.eval_on_selector_all(
        f'svg[data-chart="{chart}"] {selector}',
        "els => Object.fromEntries(els.map(e => [e.dataset.label || e.dataset.bucket + ' ' + e.dataset.channel,"
        " Number(e.dataset.value)]))",
    )


async def test_dashboard_draws_the_known_month(hub_history, db):
    username, password = f"boss-{uuid.uuid4().hex[:6]}", "dashboard-test-123"
    await create_staff(db, username, password, ["supervisor"], name="Teamleider Test", team="kcc")
    async with browser() as b:
        page = await b.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(f"{hub_history.hub_url}/dashboard?from=2025-04-01&to=2025-04-30")
        assert "/login" in page.url  # not logged in: to the log-in page, and back after it
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", password)
        await page.click("button[type=submit]")
        # the log-in page sends back to the page (without its query)
        await page.wait_for_url(lambda url: url.endswith("/dashboard") and "/login" not in url)
        await page.wait_for_selector("body[data-loaded=true]", timeout=20_000)
        await page.goto(f"{hub_history.hub_url}/dashboard?from=2025-04-01&to=2025-04-30")
        await page.wait_for_selector("body[data-loaded=true]", timeout=20_000)

        # the period's totals
        assert await page.inner_text('[data-kpi="contacts"] .value') == "22"
        assert await page.get_attribute('[data-kpi="wait"]', "data-breach") == "true"
        assert await page.inner_text('[data-kpi="wait"] .value') == "50:00 min"
        assert await page.get_attribute('[data-kpi="satisfaction"]', "data-breach") == "false"

        # contacts per channel: counts identify nobody, so small ones are drawn too
        assert await bars(page, "by-channel") == {"whatsapp": 10, "webchat": 9, "email": 3}
        assert await page.locator('svg rect[data-suppressed="true"]').count() == 0
        assert await page.get_attribute('svg[data-chart="by-channel"]', "data-total") == "22"
        # per day and channel
        assert await bars(page, "series", "rect.seg") == {
            "2025-04-01 webchat": 3, "2025-04-02 webchat": 5, "2025-04-03 whatsapp": 6, "2025-04-07 webchat": 1,
            "2025-04-07 whatsapp": 4, "2025-04-08 email": 3}

        # wait p90 per day with the norm drawn in; the 3rd (WhatsApp) and the 8th (e-mail) are over it and red
        assert await page.get_attribute('svg[data-chart="wait-p90"] line.normline', "data-norm") == "120"
        assert await bars(page, "wait-p90", "rect.bar.breach") == {"2025-04-03": 600, "2025-04-08": 3000}
        # containment per day: 60% on the 2nd meets the 60% norm, the 3rd, 7th and 8th (0%) do not
        assert await bars(page, "containment") == {"2025-04-01": 1, "2025-04-02": 0.6, "2025-04-03": 0, "2025-04-07": 0,
                                                   "2025-04-08": 0}
        assert await bars(page, "containment", "rect.bar.breach") == {"2025-04-03": 0, "2025-04-07": 0, "2025-04-08": 0}

        # tables with CSV links; a breach is red in the daily table
        daily = await page.evaluate("fetch('/api/v1/stats/daily?from=2025-04-01&to=2025-04-30').then(r => r.json())")
        assert await page.locator('table[data-table="Per dag"] td.breach').count() == sum(
            len(r["breaches"]) for r in daily["daily"]["rows"])
        assert await page.locator('table[data-table="Per dag"] td.breach').count() > 4
        href = await page.get_attribute('a.csv >> text="CSV" >> nth=0', "href")
        assert href.startswith("/api/v1/stats/contacts?") and "format=csv" in href
        async with page.expect_download() as download:
            await page.click("#csv-all")
        assert (await download.value).suggested_filename == "kcc-cijfers-2025-04-01-2025-04-30.csv"

        # the live queue is drawn too (whatever other tests left waiting)
        await page.wait_for_selector('#live-rows tr[data-team="__total"]')
        await page.screenshot(path=str(LOG_DIR / "dashboard.png"), full_page=True)

        # a filter: WhatsApp only
        await page.fill("input[name=channel]", "whatsapp")
        await page.evaluate("document.body.dataset.loaded = 'false'")
        await page.click("#filters button[type=submit]")
        await page.wait_for_selector("body[data-loaded=true]")
        assert await page.inner_text('[data-kpi="contacts"] .value') == "10"
        assert "channel=whatsapp" in page.url
