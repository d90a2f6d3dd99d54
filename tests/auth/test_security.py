"""Three security rules of the log-in: no open redirect, Secure cookies behind https, no demo accounts by default."""

from __future__ import annotations

import aiohttp
import pytest

from hub.cli.main import run_env
from hub.core.settings import Settings
from hub.staff.auth import DEMO_ACCOUNTS
from hub.staff.oidc import safe_next
from tests.auth import hubs
from tests.conftest import Stack

OFF_SITE = [
    "//evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example", "https://evil.example",
    "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
    "/%252F%252Fevil.example", "/\t/evil.example", "/\n/evil.example", "/%09/evil.example", "javascript:alert(1)",
    "", None, "console",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_next_that_leaves_the_site_goes_to_the_console(target: str | None) -> None:
    assert safe_next(target) == "/console"


@pytest.mark.parametrize("target", ["/console", "/dashboard", "/editor?article=paspoort", "/console#gesprek-1"])
def test_a_local_next_is_kept(target: str) -> None:
    assert safe_next(target) == target


def test_kcc_run_turns_demo_on_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KCC_DEMO", raising=False)
    assert Settings(_env_file=None).demo is False
    assert run_env(Settings(_env_file=None)) == {"KCC_DEMO": "false"}  # no demo channel secrets either
    monkeypatch.setenv("KCC_DEMO", "true")
    env = run_env(Settings(_env_file=None))
    assert env["KCC_DEMO"] == "true" and env["KCC_TWILIO_AUTH_TOKEN"]


@pytest.fixture(scope="module")
def https_hub(stack: Stack):  # noqa: ANN201
    """A hub whose public URL is https (TLS ends at the proxy in front of it); demo accounts on."""
    yield hubs.start(stack, "https", {"KCC_DEMO": "true", "KCC_PUBLIC_URL": "https://kcc.lindewaard.example"})
    hubs.stop("https")


async def _login_cookie(url: str) -> str:
    user, password = DEMO_ACCOUNTS[0][:2]
    async with aiohttp.ClientSession() as http, http.post(
        f"{url}/api/v1/auth/login", json={"username": user, "password": password}
    ) as resp:
        assert resp.status == 200, await resp.text()
        return resp.headers["Set-Cookie"]


async def test_the_session_cookie_is_secure_behind_https(https_hub: hubs.ExtraHub) -> None:
    cookie = await _login_cookie(https_hub.url)
    assert "Secure" in cookie and "HttpOnly" in cookie


async def test_the_session_cookie_is_not_secure_on_plain_http(demo_hub: hubs.ExtraHub) -> None:
    cookie = await _login_cookie(demo_hub.url)  # a laptop on http://127.0.0.1 must still be able to log in
    assert "Secure" not in cookie and "HttpOnly" in cookie
