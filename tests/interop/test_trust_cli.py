"""``spbe interop ca|cert|oauth-client`` against a database of its own, as an operator would use them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.db import session_scope
from spbe.interop import ca, trust
from spbe.interop.config_document import build_snapshot, read_document
from tests.core.fresh_database import cli_database
from tests.interop.conftest import CONSUMER, register

runner = CliRunner()


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    with cli_database(tmp_path, monkeypatch) as session_factory:
        with session_scope(session_factory) as session:
            register(session, "http://127.0.0.1:9/api")
        yield session_factory


def _run(*args: str) -> str:
    result = runner.invoke(cli, ["interop", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_operator_issues_lists_revokes_and_links(factory: sessionmaker[Session], tmp_path: Path) -> None:
    assert "Platform CA created" in _run("ca", "init")
    assert runner.invoke(cli, ["interop", "ca", "init"]).exit_code != 0  # only once without --renew
    _run("ca", "export", "--out", str(tmp_path / "ca.pem"))
    assert (tmp_path / "ca.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")

    out = tmp_path / "bandung"
    assert "Issued serial" in _run("cert", "issue", str(CONSUMER), "--out", str(out))
    assert stat.S_IMODE(os.stat(out / "client.key").st_mode) == 0o600
    cert = x509.load_pem_x509_certificate((out / "client.pem").read_bytes())
    assert "ID/PEMDA/KOTA-32.73/MPP" in cert.subject.rfc4514_string()
    assert runner.invoke(cli, ["interop", "cert", "issue", str(CONSUMER), "--out", str(out)]).exit_code != 0

    key = ec.generate_private_key(ec.SECP256R1())
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).sign(key, hashes.SHA256())
    (tmp_path / "req.csr").write_bytes(request.public_bytes(serialization.Encoding.PEM))
    _run("cert", "issue", str(CONSUMER), "--csr", str(tmp_path / "req.csr"), "--out", str(tmp_path / "csr"))
    assert not (tmp_path / "csr" / "client.key").exists()
    (tmp_path / "bad.csr").write_text("not a csr")
    bad = runner.invoke(cli, ["interop", "cert", "issue", str(CONSUMER), "--csr", str(tmp_path / "bad.csr")])
    assert bad.exit_code != 0
    assert "certificate signing request" in bad.output

    _run("cert", "server", "gw.example.go.id", "127.0.0.1", "--out", str(tmp_path / "node"))
    assert {p.name for p in (tmp_path / "node").iterdir()} == {"server.pem", "server.key", "ca.pem"}

    serial = ca.load_certificate((out / "client.pem").read_bytes()).serial_number
    assert format(serial, "x") in _run("cert", "list", str(CONSUMER))
    assert "Revoked" in _run("cert", "revoke", format(serial, "x"))
    _run("oauth-client", "link", str(CONSUMER), "splp-bandung")
    assert "splp-bandung" in _run("oauth-client", "list")
    with session_scope(factory, write=False) as session:
        snapshot = build_snapshot(read_document(session))
        assert len(trust.list_certificates(session)) == 3
    assert snapshot.trust.oauth_clients == {"splp-bandung": CONSUMER}
    assert len(snapshot.trust.certificates) == 1  # the CSR one; the first was revoked
    _run("oauth-client", "unlink", "splp-bandung")
    assert runner.invoke(cli, ["interop", "oauth-client", "link", "ID/PEMDA/NOPE/X", "c"]).exit_code != 0
