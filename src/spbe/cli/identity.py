"""``spbe identity``: the population register, relying parties, machine clients, staff, counter checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core.errors import BadRequest
from spbe.identity import accounts, backchannel, clients, jwks_fetch, repository
from spbe.identity.seed import seed_population

app = typer.Typer(help="IKD identity: register, relying parties, machine clients, staff.", no_args_is_help=True)
ListOption = Annotated[list[str], typer.Option()]


def _jwks(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


@app.command("seed-register")
@friendly_errors
def seed_register() -> None:
    """Load the demo population register (a few hundred residents with valid NIKs)."""
    with runtime.unit_of_work() as session:
        console.print(seed_population(session))


@app.command("register-rp")
@friendly_errors
def register_rp(
    client_id: Annotated[str, typer.Argument(help="The client id the RP will use.")],
    name: Annotated[str, typer.Option(help="Service name shown on the consent page.")],
    agency: Annotated[str, typer.Option(help="Agency (instansi) code, e.g. KOMDIGI.")],
    redirect_uri: ListOption,
    jwks: Annotated[
        Path | None, typer.Option(help="File with the RP's public JWKS (EC P-256 or RSA, kid each).")
    ] = None,
    jwks_uri: Annotated[
        str | None, typer.Option(help="URL of the RP's JWKS (fetched now, re-fetched on a new kid).")
    ] = None,
    scope: ListOption = ["openid", "profile"],  # noqa: B006 (typer reads the default)
    application: Annotated[str | None, typer.Option(help="Registry application code.")] = None,
    purpose: Annotated[str, typer.Option(help="Why the service needs the data (shown at consent).")] = "",
    require_par: Annotated[bool, typer.Option(help="Require pushed authorization requests.")] = True,
    post_logout_redirect_uri: ListOption = [],  # noqa: B006
    backchannel_logout_uri: Annotated[
        str | None, typer.Option(help="Where the RP receives OIDC back-channel logout tokens.")
    ] = None,
) -> None:
    """Register a relying party (an application of an agency) — administrators only.

    Give its keys as a file (``--jwks``) or a URL (``--jwks-uri``, https; http only on loopback)."""
    if (jwks is None) == (jwks_uri is None):
        raise BadRequest("Give exactly one of --jwks and --jwks-uri.")
    keys = _jwks(jwks) if jwks is not None else jwks_fetch.fetch(str(jwks_uri))
    with runtime.unit_of_work() as session:
        row = clients.register_relying_party(
            session,
            client_id=client_id,
            name=name,
            agency_code=agency,
            redirect_uris=redirect_uri,
            jwks=keys,
            scopes=scope,
            application_code=application,
            purpose=purpose,
            require_par=require_par,
            post_logout_redirect_uris=post_logout_redirect_uri,
            actor="cli",
        )
        if jwks_uri is not None:
            jwks_fetch.register(session, row, jwks_uri, actor="cli", fetched=keys)
        if backchannel_logout_uri is not None:
            backchannel.set_logout_uri(session, row, backchannel_logout_uri, actor="cli")
        console.print(f"Registered relying party [bold]{row.client_id}[/bold] (sector {row.sector_identifier}).")


@app.command("register-machine")
@friendly_errors
def register_machine(
    client_id: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()],
    agency: Annotated[str, typer.Option()],
    jwks: Annotated[Path, typer.Option()],
    role: ListOption = [],  # noqa: B006
) -> None:
    """Register a machine client (client credentials with private_key_jwt) of an agency system."""
    with runtime.unit_of_work() as session:
        row = clients.register_machine_client(
            session, client_id=client_id, name=name, agency_code=agency, jwks=_jwks(jwks), roles=role, actor="cli"
        )
        console.print(
            f"Registered machine client [bold]{row.client_id}[/bold] with roles {', '.join(row.roles) or '—'}."
        )


@app.command("clients")
@friendly_errors
def list_clients() -> None:
    """Every registered client."""
    with runtime.unit_of_work(write=False) as session:
        rows = repository.clients(session)
    table = Table(title="OIDC clients")
    for column in ("Client id", "Kind", "Agency", "Scopes / roles", "PAR"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.client_id,
            row.kind,
            row.agency_code,
            row.allowed_scopes or ", ".join(row.roles),
            "yes" if row.require_par else "no",
        )
    console.print(table)


@app.command("add-staff")
@friendly_errors
def add_staff(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    agency: Annotated[str, typer.Option()],
    role: ListOption = [],  # noqa: B006
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create an agency staff account with roles."""
    with runtime.unit_of_work() as session:
        staff = accounts.create_staff(session, username, name, email, agency, role, password)
        console.print(f"Staff account [bold]{staff.username}[/bold] in {staff.agency_code}.")


@app.command("verify-in-person")
@friendly_errors
def verify_in_person(
    nik: Annotated[str, typer.Argument(help="The resident's NIK (checked at the counter against the KTP).")],
    officer: Annotated[str, typer.Option(help="The officer's staff username (active, role identity:officer).")],
) -> None:
    """Record an in-person check at a Dukcapil or MPP counter (raises the identity level)."""
    with runtime.unit_of_work() as session:
        account = accounts.verify_in_person(session, nik, officer)
        console.print(f"Account {account.public_id[:8]}… is now {account.identity_level}.")


@app.command("purge")
@friendly_errors
def purge() -> None:
    """Delete expired protocol state: assertion jti cache, pending requests, codes, revoked-token list."""
    from spbe.core.db import utcnow

    with runtime.unit_of_work() as session:
        repository.purge_expired(session, utcnow())
    console.print("Expired identity protocol state deleted.")
