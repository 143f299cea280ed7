"""Key store: keys per purpose, sealed at rest, rotated with the next key published first, JWKS."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import thumbprint
from sqlalchemy.orm import Session

from spbe.core.config import Settings
from spbe.core.db import utcnow
from spbe.core.errors import BadRequest, ConfigurationError, NotFound
from spbe.core.keys import service as keys
from spbe.core.keys.crypto import SEAL_SCHEME


@pytest.fixture(autouse=True)
def _sealing_secret(settings: Settings) -> Iterator[None]:
    keys.use_secret(settings.resolved_secret_key)
    yield
    keys.use_secret(settings.resolved_secret_key)


def _purpose() -> str:
    """A purpose of this test alone, so tests never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}"


def test_ensure_keys_creates_an_active_and_a_next_key_once(db_session: Session) -> None:
    purpose = _purpose()
    active, upcoming = keys.ensure_keys(db_session, purpose)
    assert (active.status, upcoming.status) == ("active", "next")
    assert active.activated_at is not None
    assert upcoming.activated_at is None
    assert keys.ensure_keys(db_session, purpose) == (active, upcoming)


def test_platform_keys_are_ed25519_by_default(db_session: Session) -> None:
    key = keys.generate(db_session, "platform")
    assert key.algorithm == "Ed25519"
    assert key.public_jwk["crv"] == "Ed25519"


def test_kid_is_the_rfc7638_thumbprint_and_the_jwk_is_public(db_session: Session) -> None:
    key = keys.generate(db_session, _purpose(), "ES256")
    members = {name: value for name, value in key.public_jwk.items() if name not in {"kid", "alg", "use"}}
    assert key.kid == thumbprint(members)
    assert key.public_jwk["alg"] == "ES256"
    assert key.public_jwk["use"] == "sig"
    assert "d" not in key.public_jwk


@pytest.mark.parametrize("algorithm", ["Ed25519", "EdDSA", "ES256", "ES384", "PS256", "RS256"])
def test_each_algorithm_signs_and_verifies(db_session: Session, algorithm: str) -> None:
    purpose = _purpose()
    keys.ensure_keys(db_session, purpose, algorithm)
    kid, signature = keys.signer(db_session, purpose).sign(b"surat keputusan")
    assert keys.verify(db_session, kid, b"surat keputusan", signature)
    assert not keys.verify(db_session, kid, b"surat keputusan palsu", signature)
    assert not keys.verify(db_session, kid, b"surat keputusan", signature[:-1])


def test_an_unknown_kid_is_not_found(db_session: Session) -> None:
    with pytest.raises(NotFound, match="no-such-kid"):
        keys.verify(db_session, "no-such-kid", b"data", b"signature")


@pytest.mark.parametrize(("purpose", "algorithm"), [("x", "HS256"), ("x", "none"), ("platform", "RS256")])
def test_unsuitable_algorithms_are_refused(db_session: Session, purpose: str, algorithm: str) -> None:
    with pytest.raises(BadRequest, match=algorithm):
        keys.generate(db_session, purpose, algorithm)


def test_private_keys_are_sealed_at_rest_and_unseal_with_the_secret(db_session: Session) -> None:
    purpose = _purpose()
    active, _ = keys.ensure_keys(db_session, purpose, "Ed25519")
    assert active.sealed_private_key.startswith(SEAL_SCHEME)
    assert "PRIVATE KEY" not in active.sealed_private_key
    db_session.commit()  # a new transaction: the signer is looked up again
    keys.clear_cache()  # and the private key must be unsealed from the database
    kid, signature = keys.signer(db_session, purpose).sign(b"x")
    assert kid == active.kid
    assert keys.verify(db_session, kid, b"x", signature)


def test_a_wrong_secret_is_a_clear_configuration_error(db_session: Session) -> None:
    purpose = _purpose()
    keys.ensure_keys(db_session, purpose)
    keys.clear_cache()
    keys.use_secret(lambda: "not the secret these keys were sealed with")
    with pytest.raises(ConfigurationError) as raised:
        keys.signer(db_session, purpose)
    assert "sealed with a different secret" in raised.value.detail
    assert "SPBE_SECRET_KEY" in raised.value.detail


def test_rotation_promotes_next_retires_active_and_old_signatures_still_verify(db_session: Session) -> None:
    purpose = _purpose()
    first, upcoming = keys.ensure_keys(db_session, purpose)
    kid, signature = keys.signer(db_session, purpose).sign(b"signed before rotation")
    assert kid == first.kid

    result = keys.rotate(db_session, purpose)

    assert (result.retired, result.active) == ([first.kid], upcoming.kid)
    assert keys.signer(db_session, purpose).kid == upcoming.kid  # the remembered signer was forgotten
    assert keys.verify(db_session, first.kid, b"signed before rotation", signature)
    statuses = {key.kid: key.status.value for key in keys.list_keys(db_session, purpose)}
    assert statuses == {first.kid: "retired", upcoming.kid: "active", result.next: "next"}


def test_an_algorithm_change_is_published_one_rotation_ahead(db_session: Session) -> None:
    purpose = _purpose()
    keys.ensure_keys(db_session, purpose, "ES256")
    first = keys.rotate(db_session, purpose, "Ed25519")
    assert keys.signer(db_session, purpose).algorithm == "ES256"
    second = keys.rotate(db_session, purpose)
    assert second.active == first.next
    assert keys.signer(db_session, purpose).algorithm == "Ed25519"


def test_a_key_rolled_back_with_its_savepoint_is_not_used_afterwards(db_session: Session) -> None:
    purpose = _purpose()
    savepoint = db_session.begin_nested()
    doomed = keys.signer(db_session, purpose).kid
    savepoint.rollback()
    survivor = keys.signer(db_session, purpose).kid
    assert survivor != doomed
    assert keys.verifying_key(db_session, survivor) is not None


def test_retired_keys_leave_the_jwks_after_the_grace_period_but_still_verify(db_session: Session) -> None:
    purpose = _purpose()
    first, _ = keys.ensure_keys(db_session, purpose)
    _, signature = keys.signer(db_session, purpose).sign(b"old")
    keys.rotate(db_session, purpose)
    soon = {key.kid for key in keys.published_keys(db_session, [purpose])}
    later = utcnow() + keys.PUBLICATION_GRACE + dt.timedelta(hours=1)
    much_later = {key.kid for key in keys.published_keys(db_session, [purpose], now=later)}
    assert first.kid in soon
    assert first.kid not in much_later
    assert len(much_later) == 2
    assert keys.verify(db_session, first.kid, b"old", signature)


def test_jwks_publishes_the_next_key_before_it_signs(client: TestClient, db_session: Session) -> None:
    active, upcoming = keys.ensure_keys(db_session, "platform")
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    published = {key["kid"]: key for key in response.json()["keys"]}
    assert {active.kid, upcoming.kid} <= set(published)
    assert all(key["use"] == "sig" and key["alg"] and "d" not in key for key in published.values())

    result = keys.rotate(db_session, "platform")

    assert result.active == upcoming.kid  # the key that signs now was published before
    after = {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]}
    assert {active.kid, upcoming.kid, result.next} <= after  # the retired key stays during its grace
