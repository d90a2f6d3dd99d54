"""The agent console's server side: its HTTP API (``api``), its WebSocket (``ws``) and the
appointment calls of its panel (``appointments``). The page itself is ``handover/static``."""
