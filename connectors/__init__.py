"""Clients for systems outside the hub (BRP, KvK, Zaken API, Klantinteracties), each with a local test server."""
