"""Wiring only: the aiohttp app factory, pages, OpenAPI, rate limits, request ids."""
