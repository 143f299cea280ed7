"""``spbe keys``: list and rotate the platform's signing keys."""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Annotated

import typer
from rich.table import Table

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core.audit import service as audit
from spbe.core.keys import service
from spbe.core.keys.schemas import Purpose, SigningKeyOut

app = typer.Typer(help="Signing keys: list them, rotate them (published as JWKS).", no_args_is_help=True)


@app.command("list")
@friendly_errors
def list_keys(
    purpose: Annotated[str | None, typer.Option(help="Only keys of this purpose (platform, oidc).")] = None,
) -> None:
    """Every key with its status; the private parts are never shown."""
    with runtime.unit_of_work(write=False) as session:
        keys = service.list_keys(session, purpose)
    if not keys:
        console.print("No signing keys yet; they are created on first use (or by `spbe keys rotate`).")
        return
    console.print(_table(keys))


def _table(keys: list[SigningKeyOut]) -> Table:
    table = Table(title="Signing keys")
    table.add_column("Purpose")
    table.add_column("Kid", overflow="fold")
    for column in ("Algorithm", "Status", "Created", "Activated", "Retired"):
        table.add_column(column, no_wrap=True)
    for key in keys:
        table.add_row(
            key.purpose,
            key.kid,
            key.algorithm,
            key.status.value,
            _date(key.created_at),
            _date(key.activated_at),
            _date(key.retired_at),
        )
    return table


def _date(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "—"


@app.command()
@friendly_errors
def rotate(
    purpose: Annotated[str, typer.Option(help="Which keys to rotate.")] = Purpose.platform.value,
    algorithm: Annotated[str | None, typer.Option(help="Algorithm of the new next key (default: unchanged).")] = None,
) -> None:
    """Promote the next key to active, retire the active one, publish a new next key. Audited."""
    with runtime.unit_of_work() as session:
        result = service.rotate(session, purpose, algorithm)
        audit.append(
            session,
            actor=f"cli:{_operator()}",
            action="keys.rotate",
            object_type="signing_key",
            object_id=result.active,
            data=result.model_dump(),
        )
    console.print(f"Rotated {purpose} keys: active [bold]{result.active}[/bold], next {result.next}")
    for kid in result.retired:
        console.print(f"  retired {kid} (still verifies; left the JWKS after the grace period)")


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "unknown"
