"""``spbe nik``: check NIKs (Nomor Induk Kependudukan) from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from spbe.cli.runtime import console, error_console, friendly_errors, runtime
from spbe.core.nik import service
from spbe.core.nik.parser import NikResult
from spbe.core.wilayah import service as wilayah

app = typer.Typer(help="NIK (Nomor Induk Kependudukan) tools.", no_args_is_help=True)

PACKAGED_NOTE = "Region names come from the packaged Kemendagri data ({reason})."


@app.command()
@friendly_errors
def check(
    niks: Annotated[list[str], typer.Argument(help="One or more NIKs; spaces, dots and dashes are ignored.")],
    show: Annotated[bool, typer.Option("--show", help="Print the NIKs in full instead of masked.")] = False,
) -> None:
    """Validate NIKs: region, birth date, sex, serial and every problem. Exits 1 if any is invalid."""
    results, note = _check(niks)
    console.print(_table(results, show=show))
    if note:
        error_console.print(f"[dim]{note}[/dim]")
    invalid = sum(not result.valid for result in results)
    console.print(f"{len(results) - invalid} valid, {invalid} invalid")
    raise typer.Exit(1 if invalid else 0)


def _check(niks: list[str]) -> tuple[list[NikResult], str | None]:
    """Check against the database's region codes; fall back to the packaged data when it has none."""
    try:
        with runtime.unit_of_work(write=False) as session:
            loaded = wilayah.regions_loaded(session)
            results = service.check_niks(session, niks)
    except SQLAlchemyError:
        return service.check_niks_offline(niks), PACKAGED_NOTE.format(reason="the database is not reachable")
    return results, None if loaded else PACKAGED_NOTE.format(reason="the database has no region codes yet")


def _table(results: list[NikResult], *, show: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0), show_lines=True)
    table.add_column("NIK", no_wrap=True, min_width=16)
    table.add_column("Valid", no_wrap=True)
    table.add_column("Region", ratio=2)
    table.add_column("Birth date", no_wrap=True)
    table.add_column("Sex", no_wrap=True)
    table.add_column("Serial", no_wrap=True)
    table.add_column("Problems", ratio=3)
    for result in results:
        table.add_row(
            Text(result.nik if show else result.masked, no_wrap=True),
            Text("yes", style="green") if result.valid else Text("no", style="bold red"),
            Text(_region(result)),
            str(result.birth_date or "—"),
            str(result.sex or "—"),
            f"{result.serial:04d}" if result.serial is not None else "—",
            _problems(result),
        )
    return table


def _region(result: NikResult) -> str:
    """District, regency and province, one a line; from the first unknown level on, only its code."""
    parts: list[str] = []
    levels = [
        (result.province_code, result.province_name),
        (result.regency_code, result.regency_name),
        (result.district_code, result.district_name),
    ]
    for code, name in levels:
        if code is None:
            break
        parts.insert(0, name or f"{code} (unknown)")
        if name is None:
            break
    return "\n".join(parts) or "—"


def _problems(result: NikResult) -> Text:
    text = Text()
    for problem in result.errors:
        text.append(f"✗ {problem.message}\n", style="red")
    for problem in result.warnings:
        text.append(f"! {problem.message}\n", style="yellow")
    text.rstrip()
    return text if text.plain else Text("—")
