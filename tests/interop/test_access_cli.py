"""``spbe interop request-access / requests / approve / reject`` and ``service-add --openapi`` (YAML),
against a database of their own (the CLI commits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.db import session_scope
from spbe.interop.config_document import build_snapshot, read_document
from spbe.interop.identifiers import ClientId, ServiceId
from tests.core.fresh_database import cli_database
from tests.interop.onboarding_support import OPENAPI_YAML

SERVICE = "ID/GOV/KEMENKES/SATUSEHAT/vaksin"
CLIENT = "ID/PEMDA/KOTA-32.73/MPP"


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    with cli_database(tmp_path, monkeypatch) as session_factory:
        yield session_factory


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["interop", *args])
    return result.exit_code, result.output


def _onboard(tmp_path: Path) -> None:
    document = tmp_path / "vaksin.yaml"
    document.write_text(OPENAPI_YAML)
    for args in (
        ("member-add", "ID/GOV/KEMENKES", "--name", "Kementerian Kesehatan"),
        ("member-add", "ID/PEMDA/KOTA-32.73", "--name", "Kota Bandung", "--province", "32"),
        ("subsystem-add", "ID/GOV/KEMENKES/SATUSEHAT", "--name", "SATUSEHAT"),
        ("subsystem-add", CLIENT, "--name", "MPP"),
        ("service-add", SERVICE, "--url", "https://vaksin.kemenkes.go.id/api", "--openapi", str(document)),
    ):
        code, output = _run(*args)
        assert code == 0, output


def test_request_approve_and_list(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _onboard(tmp_path)
    code, output = _run(
        "request-access", SERVICE, "--client", CLIENT, "--purpose", "Layanan MPP", "--endpoint", "GET /riwayat/*"
    )
    assert code == 0, output
    assert "Access request 1" in output
    code, output = _run("request-access", SERVICE, "--client", CLIENT, "--purpose", "lagi")
    assert code == 1
    assert "still open" in output
    code, output = _run("requests", "--status", "requested")
    assert "Layanan MPP" in output
    assert f"#1 requested {CLIENT} → {SERVICE} [GET /riwayat/*]" in output
    code, output = _run("approve", "1")
    assert code == 0, output
    with session_scope(factory, write=False) as session:
        snapshot = build_snapshot(read_document(session))
    entry = snapshot.services[ServiceId(ClientId("ID", "GOV", "KEMENKES", "SATUSEHAT"), "vaksin")]
    assert entry.allowed(snapshot.clients[ClientId("ID", "PEMDA", "KOTA-32.73", "MPP")], "GET", "/riwayat/1")
    code, output = _run("reject", "1", "--reason", "terlambat")
    assert code == 1
    assert "already approved" in output


def test_reject_and_bad_input(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _onboard(tmp_path)
    _run("request-access", SERVICE, "--client", CLIENT, "--purpose", "Layanan MPP")
    code, output = _run("reject", "1", "--reason", "Belum ada perjanjian kerja sama")
    assert code == 0, output
    code, output = _run("requests")
    assert "rejected" in output
    code, output = _run("request-access", SERVICE, "--client", CLIENT, "--purpose", "")
    assert code != 0
    assert "purpose" in output
    assert "Traceback" not in output


def test_service_add_refuses_a_bad_openapi_file(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _onboard(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("swagger: '2.0'\n")
    code, output = _run(
        "service-add", "ID/GOV/KEMENKES/SATUSEHAT/lain", "--url", "https://x.go.id", "--openapi", str(bad)
    )
    assert code == 1
    assert "convert it to OpenAPI 3" in output
