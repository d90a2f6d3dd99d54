"""The signed identity token that the municipality's portal hands to the web chat.

After a DigiD (person) or eHerkenning (company) log-in, the portal puts a short-lived
JWT in the chat widget. The hub checks it with the configured key and algorithm
(``KCC_IDENTITY_JWT_KEY`` / ``KCC_IDENTITY_JWT_ALG``: an HS256 shared secret or an RS256
public key) and reads one claim: ``bsn`` (a person) or ``kvk`` (an organisation, with an
optional ``vestigingsnummer``). ``exp`` is required; ``aud``/``iss`` are checked when
configured. Anything else (expired, forged, wrong algorithm, bad number) means the
resident stays anonymous; a log line says why, never which BSN.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Literal

import jwt
from pydantic import BaseModel

from hub.core.identifiers import valid_bsn, valid_kvk, valid_vestigingsnummer
from hub.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

class Identity(BaseModel):
    kind: Literal["person", "organisation"]
    bsn: str | None = None
    kvk: str | None = None
    vestigingsnummer: str | None = None
    level: str | None = None  # assurance level the portal reports (e.g. "substantieel"), informative


@lru_cache(maxsize=8)
def _key(raw: str, alg: str) -> str:
    """The verification key: a secret for HS256; for RS256 PEM text or a path to a PEM file."""
    if alg == "RS256" and not raw.lstrip().startswith("-----BEGIN"):
        path = Path(raw)
        if path.is_file():
            return path.read_text()
    return raw.replace("\\n", "\n")


def verify(token: str | None, settings: Settings | None = None) -> Identity | None:
    """The identity in a valid token, or None (anonymous). Never raises."""
    if not token:
        return None
    settings = settings or get_settings()
    if not settings.identity_jwt_key:
        log.warning("identity token ignored", extra={"reason": "no_key_configured"})
        return None
    try:
        claims = jwt.decode(
            token,
            _key(settings.identity_jwt_key, settings.identity_jwt_alg),
            algorithms=[settings.identity_jwt_alg],
            audience=settings.identity_jwt_audience,
            issuer=settings.identity_jwt_issuer,
            options={"require": ["exp"], "verify_aud": bool(settings.identity_jwt_audience)},
            leeway=30,
        )
    except jwt.ExpiredSignatureError:
        return _rejected("expired")
    except jwt.InvalidSignatureError:
        return _rejected("bad_signature")
    except jwt.InvalidAlgorithmError:
        return _rejected("wrong_algorithm")
    except jwt.MissingRequiredClaimError:
        return _rejected("missing_claim")
    except (jwt.InvalidAudienceError, jwt.InvalidIssuerError):
        return _rejected("wrong_audience_or_issuer")
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return _rejected("malformed")
    return _identity(claims)


def _identity(claims: dict[str, object]) -> Identity | None:
    level = str(claims["loa"]) if claims.get("loa") else None
    bsn, kvk = claims.get("bsn"), claims.get("kvk")
    if bsn is not None:
        if not isinstance(bsn, str) or not valid_bsn(bsn):
            return _rejected("invalid_bsn")
        return Identity(kind="person", bsn=bsn, level=level)
    if kvk is not None:
        branch = claims.get("vestigingsnummer")
        if not isinstance(kvk, str) or not valid_kvk(kvk):
            return _rejected("invalid_kvk")
        if branch is not None and (not isinstance(branch, str) or not valid_vestigingsnummer(branch)):
            return _rejected("invalid_vestigingsnummer")
        return Identity(kind="organisation", kvk=kvk, vestigingsnummer=branch, level=level)
    return _rejected("no_bsn_or_kvk")


def _rejected(reason: str) -> None:
    log.warning("identity token rejected, resident treated as anonymous", extra={"reason": reason})
    return None
