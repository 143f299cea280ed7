"""``spbe interop ca|cert|oauth-client``: the platform CA, client and server certificates, and IKD machine
clients linked to subsystems — how SPLP callers authenticate (see docs/modules/interop.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core.errors import ValidationFailed
from spbe.interop import ca, trust
from spbe.interop.identifiers import ClientId, InvalidIdentifier, parse_client

ACTOR = "cli"
ca_app = typer.Typer(help="The platform CA that issues SPLP certificates.", no_args_is_help=True)
cert_app = typer.Typer(help="Client certificates of subsystems and server certificates of gateways.")
oauth_app = typer.Typer(help="IKD machine clients whose access tokens authenticate a subsystem.")


def register(app: typer.Typer) -> None:
    """Add the trust commands to ``spbe interop``."""
    app.add_typer(ca_app, name="ca")
    app.add_typer(cert_app, name="cert", no_args_is_help=True)
    app.add_typer(oauth_app, name="oauth-client", no_args_is_help=True)


def _subsystem(text: str) -> ClientId:
    try:
        client = parse_client(text)
    except InvalidIdentifier as exc:
        raise ValidationFailed(f"bad subsystem {text!r}: {exc}") from None
    if client.subsystem is None:
        raise ValidationFailed("a subsystem is INSTANCE/CLASS/MEMBER/SUBSYSTEM, e.g. ID/PEMDA/KOTA-32.73/MPP")
    return client


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    """Write a file; private keys are created 0600 and never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if secret:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return
    path.write_bytes(data)


@ca_app.command("init")
@friendly_errors
def ca_init(
    name: Annotated[str, typer.Option(help="The CA's common name.")] = trust.DEFAULT_CA_NAME,
    days: Annotated[int, typer.Option(min=30, max=7300, help="Validity of the root.")] = ca.CA_DAYS,
    renew: Annotated[bool, typer.Option(help="Create a new CA; the old one stays trusted until it expires.")] = False,
) -> None:
    """Create the platform CA (ECDSA P-256, key sealed with the platform secret in the database)."""
    with runtime.unit_of_work() as session:
        row = trust.init_ca(session, actor=ACTOR, common_name=name, days=days, renew=renew)
    console.print(f"Platform CA created, valid until {row.not_after:%Y-%m-%d}; SHA-256 {row.fingerprint_sha256}")
    console.print("Export it for callers and gateways: spbe interop ca export --out ca.pem")


@ca_app.command("export")
@friendly_errors
def ca_export(out: Annotated[Path | None, typer.Option(help="Write the PEM bundle here.")] = None) -> None:
    """Print (or write) the CA certificates callers and gateways trust."""
    with runtime.unit_of_work(write=False) as session:
        bundle = trust.ca_bundle(session)
    if out is None:
        typer.echo(bundle, nl=False)
        return
    _write(out, bundle.encode())
    console.print(f"Wrote {out}")


@cert_app.command("issue")
@friendly_errors
def cert_issue(
    subsystem: Annotated[str, typer.Argument(help="INSTANCE/CLASS/MEMBER/SUBSYSTEM")],
    csr: Annotated[Path | None, typer.Option(help="Sign this PEM CSR (your key never leaves you).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for client.pem (and client.key without --csr).")] = Path("."),
    days: Annotated[int, typer.Option(min=1, max=ca.CA_DAYS)] = ca.CLIENT_DAYS,
) -> None:
    """Issue a TLS client certificate for a subsystem and record its serial and fingerprint."""
    client = _subsystem(subsystem)
    key_pem = None
    if csr is not None:
        try:
            public_key: object = ca.public_key_of_csr(csr.read_bytes())
        except (OSError, ca.CertificateError) as exc:
            raise ValidationFailed(f"{csr}: {exc}") from None
    else:
        private, key_pem = ca.new_client_key()
        public_key = private.public_key()
    if key_pem is not None and (out / "client.key").exists():
        raise ValidationFailed(f"{out / 'client.key'} exists; choose another --out folder")
    with runtime.unit_of_work() as session:
        issued = trust.issue_client_certificate(session, client, public_key, actor=ACTOR, days=days)
        bundle = trust.ca_bundle(session)
    _write(out / "client.pem", issued.pem.encode())
    _write(out / "ca.pem", bundle.encode())
    if key_pem is not None:
        _write(out / "client.key", key_pem, secret=True)
    console.print(f"Issued serial {issued.serial} to {client}, valid until {issued.not_after:%Y-%m-%d}")
    console.print(
        f"SHA-256 {issued.fingerprint_sha256}; files in {out}: client.pem, ca.pem" + (", client.key" if key_pem else "")
    )


@cert_app.command("server")
@friendly_errors
def cert_server(
    hosts: Annotated[list[str], typer.Argument(help="Host names and IP addresses of the gateway node.")],
    out: Annotated[Path, typer.Option(help="Folder for server.pem, server.key and ca.pem.")] = Path("."),
    days: Annotated[int, typer.Option(min=1, max=ca.CA_DAYS)] = ca.SERVER_DAYS,
) -> None:
    """Issue a gateway node's TLS server certificate (for SPBE_INTEROP_TLS_CERT/_KEY)."""
    if (out / "server.key").exists():
        raise ValidationFailed(f"{out / 'server.key'} exists; choose another --out folder")
    private, key_pem = ca.new_client_key()
    with runtime.unit_of_work() as session:
        issued = trust.issue_server_certificate(session, hosts, private.public_key(), actor=ACTOR, days=days)
        bundle = trust.ca_bundle(session)
    _write(out / "server.pem", issued.pem.encode())
    _write(out / "ca.pem", bundle.encode())
    _write(out / "server.key", key_pem, secret=True)
    console.print(f"Issued server certificate {issued.serial} for {', '.join(hosts)}; files in {out}")
    console.print(
        f"SPBE_INTEROP_TLS_CERT={out / 'server.pem'} SPBE_INTEROP_TLS_KEY={out / 'server.key'} "
        f"SPBE_INTEROP_TLS_CLIENT_CA={out / 'ca.pem'}"
    )


@cert_app.command("revoke")
@friendly_errors
def cert_revoke(serial: Annotated[str, typer.Argument(help="Serial in hex, as `cert list` shows it.")]) -> None:
    """Revoke a certificate; gateways refuse it within SPBE_INTEROP_REFRESH_SECONDS."""
    with runtime.unit_of_work() as session:
        row = trust.revoke_certificate(session, serial, actor=ACTOR)
    console.print(f"Revoked certificate {row.serial}")


@cert_app.command("list")
@friendly_errors
def cert_list(subsystem: Annotated[str | None, typer.Argument(help="Only this subsystem's.")] = None) -> None:
    """Certificates the platform CA issued: serial, kind, owner, expiry, revocation, SHA-256."""
    with runtime.unit_of_work(write=False) as session:
        rows = trust.list_certificates(session, _subsystem(subsystem) if subsystem else None)
        names = trust.subsystem_names(session)
        for row in rows:
            owner = names.get(row.subsystem_id or 0, row.subject)
            revoked = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "valid"
            line = f"{row.serial}  {row.kind}  {owner}  until {row.not_after:%Y-%m-%d}  {revoked}"
            typer.echo(f"{line}  sha256:{row.fingerprint_sha256}")
    if not rows:
        typer.echo("No certificates.")


@oauth_app.command("link")
@friendly_errors
def oauth_link(
    subsystem: Annotated[str, typer.Argument(help="INSTANCE/CLASS/MEMBER/SUBSYSTEM")],
    client_id: Annotated[str, typer.Argument(help="The IKD machine client (spbe identity register-machine).")],
) -> None:
    """Let an IKD machine client's access tokens authenticate this subsystem."""
    client = _subsystem(subsystem)
    with runtime.unit_of_work() as session:
        trust.link_oauth_client(session, client, client_id, actor=ACTOR)
    console.print(f"OAuth client {client_id} now calls as {client}")


@oauth_app.command("unlink")
@friendly_errors
def oauth_unlink(client_id: Annotated[str, typer.Argument(help="The IKD machine client id.")]) -> None:
    """Stop accepting the client's tokens (within SPBE_INTEROP_REFRESH_SECONDS)."""
    with runtime.unit_of_work() as session:
        trust.unlink_oauth_client(session, client_id, actor=ACTOR)
    console.print(f"Unlinked {client_id}")


@oauth_app.command("list")
@friendly_errors
def oauth_list() -> None:
    """Linked OAuth clients and their subsystems."""
    with runtime.unit_of_work(write=False) as session:
        links = trust.linked_oauth_clients(session)
    for client_id, subsystem, linked in links:
        typer.echo(f"{client_id}  {subsystem}  linked {linked:%Y-%m-%d}")
    if not links:
        typer.echo("No linked OAuth clients.")
