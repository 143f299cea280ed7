"""``spbe identity register-rp`` with ``--jwks-uri`` (fetched from a real local server) and
``--backchannel-logout-uri``, against a database of its own (the CLI commits)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.db import session_scope
from spbe.identity import repository
from tests.core.fresh_database import cli_database

from .conftest import new_key, public_jwks
from .receiver import Route, serving


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    with cli_database(tmp_path, monkeypatch, reference=True) as session_factory:
        yield session_factory


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
