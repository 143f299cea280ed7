"""Caller trust travels in the gateway's configuration snapshot: certificates, linked OAuth clients and the
identity provider's token keys are refreshed from the database, cached on disk, and survive an outage and
a restart during it. A database of its own, since the refresher reads committed data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from spbe.core.config import Settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.interop import trust
from spbe.interop.auth import AuthenticationFailed, Credentials, PlatformAuthenticator
from spbe.interop.config_document import build_snapshot
from spbe.interop.refresher import DatabaseRefresher, SnapshotHolder
from spbe.interop.tokens import GatewayTokens
from tests.core.fresh_database import fresh_database
from tests.interop.conftest import CONSUMER, OTHER, register
from tests.interop.trust_support import ISSUER, issue_files


@pytest.fixture
def factory(tmp_path: Path, settings: Settings) -> Iterator[sessionmaker[Session]]:
    with fresh_database(tmp_path) as url:
        engine = create_db_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def _outage(tmp_path: Path) -> sessionmaker[Session]:
    """A session factory whose database cannot be reached."""
    return make_session_factory(create_db_engine(f"sqlite:///{tmp_path / 'gone' / 'nowhere.db'}"))


def test_trust_survives_an_outage_and_a_restart_during_it(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with session_scope(factory) as session:
        register(session, "http://127.0.0.1:9/api")
        trust.init_ca(session, actor="test")
        mine = issue_files(session, CONSUMER, tmp_path / "consumer")
        revoked = issue_files(session, OTHER, tmp_path / "other")
        trust.revoke_certificate(session, revoked.serial, actor="test")
        trust.link_oauth_client(session, CONSUMER, "splp-bandung", actor="test")
        keys.ensure_keys(session, Purpose.oidc)
    cache = tmp_path / "config-cache.json"
    holder = SnapshotHolder()
    refresher = DatabaseRefresher(holder, factory, cache, 5)
    assert refresher.load_once()
    loaded = holder.current.trust
    assert loaded.certificates == {mine.fingerprint: CONSUMER}
    assert loaded.revoked == frozenset({revoked.fingerprint})
    assert loaded.oauth_clients == {"splp-bandung": CONSUMER}
    assert len(loaded.token_keys) == 2  # active and next

    refresher.session_factory = _outage(tmp_path)
    assert not refresher.load_once()
    assert holder.current.trust is loaded  # still serving

    restarted = SnapshotHolder()
    DatabaseRefresher(restarted, _outage(tmp_path), cache, 5).load_once()
    assert restarted.current.trust.certificates == loaded.certificates
    assert restarted.current.trust.oauth_clients == loaded.oauth_clients
    assert set(restarted.current.trust.token_keys) == set(loaded.token_keys)
    authenticator = PlatformAuthenticator(GatewayTokens(ISSUER))
    authenticator.authenticate(restarted.current, CONSUMER, Credentials(peer_certificate=mine.fingerprint))
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authenticator.authenticate(restarted.current, OTHER, Credentials(peer_certificate=revoked.fingerprint))


def test_token_keys_follow_a_rotation_without_a_configuration_change(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_scope(factory) as session:
        keys.ensure_keys(session, Purpose.oidc)
    holder = SnapshotHolder()
    refresher = DatabaseRefresher(holder, factory, tmp_path / "cache.json", 5)
    assert refresher.load_once()
    version, before = holder.current.version, set(holder.current.trust.token_keys)
    assert not refresher.load_once()  # nothing changed
    with session_scope(factory) as session:
        rotated = keys.rotate(session, Purpose.oidc)
    assert refresher.load_once()
    assert holder.current.version == version
    assert rotated.next in holder.current.trust.token_keys
    assert before <= set(holder.current.trust.token_keys)  # the retired key still verifies tokens in flight
    cached = json.loads((tmp_path / "cache.json").read_text())
    assert {k["kid"] for k in cached["token_keys"]} == set(holder.current.trust.token_keys)


def test_a_cache_written_before_caller_trust_existed_still_loads() -> None:
    document = {
        "version": 3,
        "members": [],
        "subsystems": [],
        "services": [],
        "endpoints": [],
        "grants": [],
        "quotas": [],
        "keys": [],
    }
    snapshot = build_snapshot(document)
    assert snapshot.trust.certificates == {}
    assert snapshot.trust.token_keys == {}
