"""Review fixes: a busy port is one clear line and leaves no log stream; the certificate kind without a CA
is a 409 naming ``spbe interop ca init``; a bad CSR request says the CSR goes inside ``params``; the CLI
needs an OpenAPI document for a new service and can publish/unpublish it; API keys are described as the
development option."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.db import session_scope
from spbe.core.errors import Conflict, ValidationFailed
from spbe.interop.config_document import build_snapshot, read_document
from spbe.interop.service import subsystem_of
from spbe.interop.trust_credentials import Certificates
from tests.core.fresh_database import cli_database
from tests.interop.conftest import CONSUMER, Env, register
from tests.interop.onboarding_support import OPENAPI_YAML
from tests.interop.test_trust_credentials import _csr

SPBE = str(Path(sys.executable).with_name("spbe"))
SERVICE = "ID/GOV/KEMENKES/SATUSEHAT/vaksin"


def test_busy_port_is_one_line_and_creates_no_stream(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "SPBE_DATA_DIR": str(tmp_path / "var"), "SPBE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
        done = subprocess.run(
            [SPBE, "serve", "--only", "interop", "--port", str(port)], env=env, capture_output=True, timeout=60
        )
    text = done.stdout.decode() + done.stderr.decode()
    assert done.returncode != 0
    assert "Traceback" not in text, text
    assert "already in use" in text
    log_dir = tmp_path / "var" / "interop" / "msglog"
    assert not log_dir.exists() or not any(log_dir.iterdir())


def test_certificate_without_a_ca_is_a_conflict_naming_ca_init(env: Env) -> None:
    register(env.session, "http://127.0.0.1:9/api")
    mine = subsystem_of(env.session, CONSUMER)
    with pytest.raises(Conflict, match="spbe interop ca init") as caught:
        Certificates().issue(env.session, mine, CONSUMER, {"csr": _csr()}, "budi")
    assert caught.value.status_code == 409
    with pytest.raises(ValidationFailed, match="inside 'params'"):
        Certificates().issue(env.session, mine, CONSUMER, {}, "budi")


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    with cli_database(tmp_path, monkeypatch) as session_factory:
        yield session_factory


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["interop", *args])
    return result.exit_code, result.output


def _enabled(factory: sessionmaker[Session]) -> bool:
    with session_scope(factory, write=False) as session:
        snapshot = build_snapshot(read_document(session))
    return any(entry.enabled for entry in snapshot.services.values() if str(entry.id) == SERVICE)


def test_service_add_needs_openapi_and_publish_unpublish(factory: sessionmaker[Session], tmp_path: Path) -> None:
    document = tmp_path / "vaksin.yaml"
    document.write_text(OPENAPI_YAML)
    assert _run("member-add", "ID/GOV/KEMENKES", "--name", "Kemenkes")[0] == 0
    assert _run("subsystem-add", "ID/GOV/KEMENKES/SATUSEHAT", "--name", "SATUSEHAT")[0] == 0
    code, output = _run("service-add", SERVICE, "--url", "https://vaksin.kemenkes.go.id/api")
    assert code == 1
    assert "--openapi is required" in output
    code, output = _run(
        "service-add", SERVICE, "--url", "https://vaksin.kemenkes.go.id/api", "--openapi", str(document), "--no-publish"
    )
    assert code == 0, output
    assert "unpublished" in output, output
    assert not _enabled(factory)
    code, output = _run("publish", SERVICE)
    assert code == 0, output
    assert "published" in output, output
    assert _enabled(factory)
    code, output = _run("service-add", SERVICE, "--url", "https://vaksin.kemenkes.go.id/v2")
    assert code == 0, "an update keeps the OpenAPI document it has"
    code, output = _run("unpublish", SERVICE)
    assert code == 0
    assert "unpublished" in output
    assert not _enabled(factory)
    code, output = _run("publish", "ID/GOV/KEMENKES/SATUSEHAT/nothing")
    assert code == 1
    assert "no service" in output


def test_api_keys_are_described_as_the_development_option() -> None:
    code, output = _run("key", "--help")
    assert code == 0
    assert "TEMPORARY" not in output
    assert "development" in output
    assert "certificate" in output
