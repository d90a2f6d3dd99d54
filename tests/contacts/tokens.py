"""Identity tokens as the municipality's portal would make them (tests only)."""

from __future__ import annotations

import time
from typing import Any

import jwt

from tests.contacts.stack_env import IDENTITY_KEY


def portal_token(key: str = IDENTITY_KEY, alg: str = "HS256", expires_in: int = 600, **claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + expires_in, **claims}, key, algorithm=alg)
