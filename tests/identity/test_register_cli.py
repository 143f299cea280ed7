"""``spbe identity register-rp`` with ``--jwks-uri`` (fetched from a real local server) and
``--backchannel-logout-uri``, against a database of its own (the CLI commits)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli import runtime as runtime_module
from spbe.cli.main import app as cli
from spbe.core.config import get_settings, load_settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.keys import service as keys
from spbe.identity import repository
from spbe.seeding import SEED_STEPS
from tests.core.fresh_database import fresh_database

from .conftest import new_key, public_jwks
from .receiver import Route, serving


def _reset_runtime() -> None:
    get_settings.cache_clear()
    for cached in ("settings", "engine", "session_factory"):
        runtime_module.runtime.__dict__.pop(cached, None)


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    with fresh_database(tmp_path) as url:
        monkeypatch.setenv("SPBE_DATABASE_URL", url)
        monkeypatch.setenv("SPBE_DATA_DIR", str(tmp_path / "var"))
        _reset_runtime()
        keys.use_secret(load_settings().resolved_secret_key)
        engine = create_db_engine(url)
        session_factory = make_session_factory(engine)
        for step in SEED_STEPS:
            if step.reference:
                with session_scope(session_factory) as session:
                    step.run(session)
        yield session_factory
        engine.dispose()
        if "engine" in runtime_module.runtime.__dict__:
            runtime_module.runtime.engine.dispose()
        _reset_runtime()
    keys.use_secret(None)


def register(client_id: str, *options: str) -> tuple[int, str]:
    args = ["identity", "register-rp", client_id, "--name", "Layanan", "--agency", "KOMDIGI"]
    args += ["--redirect-uri", "https://rp.example.go.id/cb", *options]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output


def test_register_rp_with_jwks_uri_and_back_channel(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with serving() as server:
        server.routes["/jwks.json"] = Route(body=json.dumps(public_jwks(new_key("cli-key"))).encode())
        code, output = register(
            "cli-rp",
            "--jwks-uri",
            server.base + "/jwks.json",
            "--backchannel-logout-uri",
            "https://rp.example.go.id/backchannel",
        )
        assert code == 0, output
        assert server.gets == ["/jwks.json"]
        bad_uri, _ = register(
            "cli-rp-2", "--jwks-uri", server.base + "/jwks.json", "--backchannel-logout-uri", "http://rp.example/bc"
        )
        unreachable, _ = register("cli-rp-3", "--jwks-uri", server.base + "/missing.json")
    keys_file = tmp_path / "jwks.json"
    keys_file.write_text(json.dumps(public_jwks(new_key("file-key"))))
    both, _ = register("cli-rp-4", "--jwks", str(keys_file), "--jwks-uri", "https://rp.example.go.id/jwks")
    neither, _ = register("cli-rp-5")
    assert (bad_uri, unreachable, both, neither) == (1, 1, 1, 1)
    with session_scope(factory, write=False) as session:
        row = repository.client(session, "cli-rp")
        assert row is not None
        assert row.jwks_uri
        assert row.jwks_uri.endswith("/jwks.json")
        assert row.backchannel_logout_uri == "https://rp.example.go.id/backchannel"
        assert row.jwks
        assert row.jwks["keys"][0]["kid"] == "cli-key"
        for missing in ("cli-rp-2", "cli-rp-3", "cli-rp-4", "cli-rp-5"):
            assert repository.client(session, missing) is None  # nothing half-written
