"""Client certificates of the platform CA over real TLS on 127.0.0.1: the gateway's own server with the
node's server certificate, client certificates requested (optional) and mapped to subsystems."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.core.errors import Conflict, NotFound, ValidationFailed
from spbe.interop import ca, trust
from spbe.interop import xroad_errors as xe
from spbe.interop.httpserver import HttpProtocol
from spbe.interop.identifiers import ClientId
from spbe.interop.noderun import make_handler
from spbe.interop.refresher import SnapshotHolder
from spbe.interop.settings import GatewaySettings
from spbe.interop.tls import server_context
from spbe.interop.trust_models import CertificateAuthority
from tests.interop.conftest import CONSUMER, OTHER, SERVICE, Env, register, running_backend
from tests.interop.trust_support import ClientFiles, issue_files, make_gateway, refresh, snapshot_holder

URL = f"/r1/{SERVICE}/penduduk/3273"


class Pki:
    """The CA bundle and the gateway node's server key pair, as files."""

    def __init__(self, session: Session, folder: Path) -> None:
        trust.init_ca(session, actor="test")
        folder.mkdir(parents=True, exist_ok=True)
        self.ca = folder / "ca.pem"
        self.ca.write_text(trust.ca_bundle(session))
        private, key_pem = ca.new_client_key()
        issued = trust.issue_server_certificate(session, ["localhost", "127.0.0.1"], private.public_key(), actor="t")
        self.server_cert, self.server_key = folder / "server.pem", folder / "server.key"
        self.server_cert.write_text(issued.pem)
        self.server_key.write_bytes(key_pem)

    def settings(self) -> GatewaySettings:
        return GatewaySettings(tls_cert=self.server_cert, tls_key=self.server_key, tls_client_ca=self.ca)

    def client_context(self, files: ClientFiles | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca))
        if files is not None:
            context.load_cert_chain(files.cert, files.key)
        return context


Scenario = Callable[[Callable[..., Awaitable[httpx.Response]], SnapshotHolder], Awaitable[None]]


def run_tls(env: Env, pki: Pki, scenario: Scenario, *, loop: str = "asyncio") -> None:
    """A back end, the gateway on its own HTTP server with TLS, and ``call(context, client, **headers)``."""

    async def main() -> None:
        async with running_backend() as backend:
            env.api_key, env.other_key = register(env.session, f"http://127.0.0.1:{backend.port}/api")
            holder = snapshot_holder(env.session)
            gateway = await make_gateway(holder)
            handler = make_handler(gateway, demo=False)
            loop = asyncio.get_running_loop()
            server = await loop.create_server(
                lambda: HttpProtocol(handler, 4096), "127.0.0.1", 0, ssl=server_context(pki.settings())
            )
            port = server.sockets[0].getsockname()[1]

            async def call(context: ssl.SSLContext, client: Any = CONSUMER, **headers: str) -> httpx.Response:
                async with httpx.AsyncClient(verify=context, base_url=f"https://localhost:{port}") as http:
                    return await http.get(URL, headers={"X-Road-Client": str(client), **headers})

            try:
                await scenario(call, holder)
            finally:
                server.close()
                await gateway.parts.upstream.close()

    (uvloop.run if loop == "uvloop" else asyncio.run)(main())


def _refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["x-road-error"] == xe.AUTH_FAILED
    assert reason in response.json()["message"]


@pytest.fixture
def pki(env: Env, tmp_path: Path) -> Pki:
    return Pki(env.session, tmp_path / "pki")


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])  # the node runs on uvloop
def test_a_certificate_of_the_subsystem_authenticates_it_over_tls(
    env: Env, pki: Pki, tmp_path: Path, loop: str
) -> None:
    async def scenario(call: Callable[..., Awaitable[httpx.Response]], holder: SnapshotHolder) -> None:
        mine = issue_files(env.session, CONSUMER, tmp_path / "consumer")
        refresh(holder, env.session)
        response = await call(pki.client_context(mine))
        assert response.status_code == 200, response.text
        assert response.headers["x-road-client"] == str(CONSUMER)

    run_tls(env, pki, scenario, loop=loop)


def test_a_certificate_of_another_subsystem_is_refused(env: Env, pki: Pki, tmp_path: Path) -> None:
    async def scenario(call: Callable[..., Awaitable[httpx.Response]], holder: SnapshotHolder) -> None:
        theirs = issue_files(env.session, OTHER, tmp_path / "other")
        refresh(holder, env.session)
        _refused(await call(pki.client_context(theirs), CONSUMER), "does not match X-Road-Client")
        # ...even with a valid API key of the claimed subsystem: the certificate is the credential that counts
        _refused(await call(pki.client_context(theirs), CONSUMER, **{"X-SPLP-Api-Key": env.api_key}), "does not")

    run_tls(env, pki, scenario)


def test_a_revoked_certificate_is_refused(env: Env, pki: Pki, tmp_path: Path) -> None:
    async def scenario(call: Callable[..., Awaitable[httpx.Response]], holder: SnapshotHolder) -> None:
        mine = issue_files(env.session, CONSUMER, tmp_path / "consumer")
        refresh(holder, env.session)
        assert (await call(pki.client_context(mine))).status_code == 200
        trust.revoke_certificate(env.session, mine.serial.upper(), actor="test")
        refresh(holder, env.session)
        _refused(await call(pki.client_context(mine)), "revoked")

    run_tls(env, pki, scenario)
    with pytest.raises(Conflict):
        trust.revoke_certificate(
            env.session, "0x" + trust.list_certificates(env.session, CONSUMER)[0].serial, actor="t"
        )
    with pytest.raises(NotFound):
        trust.revoke_certificate(env.session, "abcdef", actor="test")


def test_no_certificate_and_no_other_credential_is_refused_but_a_key_still_works(env: Env, pki: Pki) -> None:
    async def scenario(call: Callable[..., Awaitable[httpx.Response]], _: SnapshotHolder) -> None:
        _refused(await call(pki.client_context()), "caller authentication is required")
        keyed = await call(pki.client_context(), **{"X-SPLP-Api-Key": env.api_key})
        assert keyed.status_code == 200, keyed.text

    run_tls(env, pki, scenario)


def _expired_files(session: Session, folder: Path) -> ClientFiles:
    """A client certificate signed by the platform CA that expired yesterday."""
    signer = trust.signing_ca(session)
    private, key_pem = ca.new_client_key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(ca.client_name(CONSUMER))
        .issuer_name(signer.cert.subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now - dt.timedelta(days=1))
        .sign(signer.key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / "client.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "client.key").write_bytes(key_pem)
    return ClientFiles(folder / "client.pem", folder / "client.key", "", ca.certificate_fingerprint(cert))


def _self_made_files(folder: Path) -> ClientFiles:
    """A certificate naming the consumer, but from a CA the platform never heard of."""
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue = ca.self_signed_root(rogue_key, "Rogue CA")
    private, key_pem = ca.new_client_key()
    issued = ca.issue_client(rogue_key, rogue, CONSUMER, private.public_key())
    folder.mkdir(parents=True)
    (folder / "client.pem").write_text(issued.pem)
    (folder / "client.key").write_bytes(key_pem)
    return ClientFiles(folder / "client.pem", folder / "client.key", issued.serial, issued.fingerprint_sha256)


@pytest.mark.parametrize("make", ["expired", "foreign"])
def test_an_expired_or_foreign_certificate_never_gets_through(env: Env, pki: Pki, tmp_path: Path, make: str) -> None:
    async def scenario(call: Callable[..., Awaitable[httpx.Response]], _: SnapshotHolder) -> None:
        files = _expired_files(env.session, tmp_path / "x") if make == "expired" else _self_made_files(tmp_path / "x")
        try:
            response = await call(pki.client_context(files))
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
            return  # the TLS layer refused the certificate
        _refused(response, "not registered")

    run_tls(env, pki, scenario)


def test_ca_init_once_renew_keeps_the_old_ca_trusted_and_seals_the_key(env: Env, pki: Pki) -> None:
    with pytest.raises(Conflict):
        trust.init_ca(env.session, actor="test")
    first = trust.ca_bundle(env.session)
    trust.init_ca(env.session, actor="test", renew=True)
    bundle = trust.ca_bundle(env.session)
    assert bundle.startswith(first)
    assert bundle.count("BEGIN CERTIFICATE") == 2
    rows = env.session.scalars(select(CertificateAuthority)).all()
    assert all(row.sealed_private_key.startswith("fernet-hkdf-v1:") for row in rows)
    assert all("PRIVATE KEY" not in row.sealed_private_key for row in rows)
    root = ca.load_certificate(rows[-1].certificate_pem)
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)


def test_client_certificate_names_the_subsystem_and_is_recorded_and_audited(env: Env, pki: Pki, tmp_path: Path) -> None:
    register(env.session, "http://127.0.0.1:9/api")
    files = issue_files(env.session, CONSUMER, tmp_path / "c")
    cert = ca.load_certificate(files.cert.read_bytes())
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "ID/PEMDA/KOTA-32.73/MPP"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["urn:splp:ID/PEMDA/KOTA-32.73/MPP"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.ExtendedKeyUsageOID.CLIENT_AUTH]
    [row] = trust.list_certificates(env.session, CONSUMER)
    assert (row.serial, row.fingerprint_sha256) == (files.serial, files.fingerprint)
    actions = env.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("interop.c%"))).all()
    assert {"interop.ca.init", "interop.certificate.issue"} <= set(actions)


def test_a_csr_is_signed_with_the_platforms_subject_and_bad_ones_are_refused(env: Env, pki: Pki) -> None:
    register(env.session, "http://127.0.0.1:9/api")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "ID/GOV/KEMENDAGRI/DUKCAPIL")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    public = ca.public_key_of_csr(csr.public_bytes(serialization.Encoding.PEM))
    issued = trust.issue_client_certificate(env.session, CONSUMER, public, actor="test")
    assert "CN=ID/PEMDA/KOTA-32.73/MPP" in issued.subject  # the CSR's own subject is ignored
    with pytest.raises(ca.CertificateError, match="not a PEM"):
        ca.public_key_of_csr(b"-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n-----END CERTIFICATE REQUEST-----\n")
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ValidationFailed, match="at least 2048"):
        trust.issue_client_certificate(env.session, CONSUMER, weak.public_key(), actor="test")
    with pytest.raises(NotFound):
        trust.issue_client_certificate(env.session, ClientId("ID", "GOV", "NOPE", "X"), public, actor="test")


def test_without_a_ca_issuing_says_what_to_do(env: Env) -> None:
    register(env.session, "http://127.0.0.1:9/api")
    with pytest.raises(NotFound, match="spbe interop ca init"):
        trust.issue_client_certificate(env.session, CONSUMER, ca.new_client_key()[0].public_key(), actor="test")
