"""A page of the municipality's own site: another local port, so another origin than the hub."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from hub.cli import launcher


@contextlib.asynccontextmanager
async def serving(html: str, path: str) -> AsyncIterator[str]:
    """Serve ``html`` at ``path`` on a free port; yields the page's URL."""
    port = launcher.free_port()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get(path, page)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        await runner.cleanup()
