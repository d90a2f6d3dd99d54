"""The signed identity token: good, expired, forged, wrong algorithm, bad numbers (HS256 and RS256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.contacts.portal_token import Identity, verify
from hub.core.settings import Settings
from tests.contacts.stack_env import IDENTITY_KEY
from tests.contacts.tokens import portal_token

BSN = "999993653"
HS = Settings(identity_jwt_key=IDENTITY_KEY, identity_jwt_alg="HS256")


def rejected(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.__dict__.get("reason") for r in caplog.records if r.name == "hub.contacts.portal_token"]


def test_good_token_gives_the_person():
    assert verify(portal_token(bsn=BSN), HS) == Identity(kind="person", bsn=BSN)


def test_organisation_with_branch():
    found = verify(portal_token(kvk="69599084", vestigingsnummer="000038509504", loa="substantieel"), HS)
    assert found == Identity(kind="organisation", kvk="69599084", vestigingsnummer="000038509504", level="substantieel")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (portal_token(bsn=BSN, expires_in=-120), "expired"),
        (portal_token(key="someone-elses-secret-key-0123456789abcdef", bsn=BSN), "bad_signature"),
        (jwt.encode({"bsn": BSN, "exp": 9999999999}, None, algorithm="none"), "wrong_algorithm"),
        (jwt.encode({"bsn": BSN}, IDENTITY_KEY, algorithm="HS256"), "missing_claim"),
        (portal_token(bsn="123456789"), "invalid_bsn"),
        (portal_token(kvk="1234"), "invalid_kvk"),
        (portal_token(sub="nobody"), "no_bsn_or_kvk"),
        ("not.a.token", "malformed"),
    ],
)
def test_bad_tokens_leave_the_resident_anonymous_and_are_logged_without_bsn(token, reason, caplog):
    caplog.set_level(logging.INFO, logger="hub.contacts.portal_token")
    assert verify(token, HS) is None
    assert rejected(caplog) == [reason]
    assert BSN not in caplog.text


def test_without_a_configured_key_tokens_are_ignored(caplog):
    caplog.set_level(logging.INFO, logger="hub.contacts.portal_token")
    assert verify(portal_token(bsn=BSN), Settings(identity_jwt_key=None)) is None
    assert rejected(caplog) == ["no_key_configured"]


def test_rs256_public_key_from_a_file(tmp_path):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "portal.pem").write_bytes(pem)
    settings = Settings(identity_jwt_key=str(tmp_path / "portal.pem"), identity_jwt_alg="RS256")
    assert verify(portal_token(key=private, alg="RS256", bsn=BSN), settings) == Identity(kind="person", bsn=BSN)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert verify(portal_token(key=forger, alg="RS256", bsn=BSN), settings) is None
    # an HS256 token "signed" with the public key must not pass (algorithm confusion)
    assert verify(_hmac_token(pem, {"bsn": BSN, "exp": 9999999999}), settings) is None


def _hmac_token(secret: bytes, claims: dict) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def test_audience_and_issuer_are_checked_when_configured():
    settings = Settings(identity_jwt_key=IDENTITY_KEY, identity_jwt_audience="kcc-hub", identity_jwt_issuer="https://mijn.lindewaard.nl")
    good = portal_token(bsn=BSN, aud="kcc-hub", iss="https://mijn.lindewaard.nl")
    assert verify(good, settings) is not None
    assert verify(portal_token(bsn=BSN, aud="other", iss="https://mijn.lindewaard.nl"), settings) is None

