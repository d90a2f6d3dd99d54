"""axe-core (from the npm registry, installed by scripts/setup.sh into var/node) injected into real Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page

from hub.core.settings import ROOT

AXE = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


async def audit(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (WCAG 2.x A/AA and best practices)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make setup` (scripts/setup.sh installs it)")
    if not await page.evaluate("() => !!window.axe"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """Serious and critical violations as readable lines (rule, impact, first targets)."""
    lines = []
    for v in violations:
        if v["impact"] in BLOCKING:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:4])
            lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']} -> {targets}")
    return lines
