"""``spbe wilayah``: load, search and inspect the Kemendagri region codes (kode wilayah)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core.errors import Conflict
from spbe.core.wilayah import service
from spbe.core.wilayah.schemas import RegionLevel

app = typer.Typer(help="Kemendagri region codes (kode wilayah).", no_args_is_help=True)

PLURALS = {
    RegionLevel.regency: "regencies/cities",
    RegionLevel.district: "districts",
    RegionLevel.village: "villages",
}


@app.command()
@friendly_errors
def load(
    full: Annotated[bool, typer.Option("--full", help="Compare every row, even where the counts match.")] = False,
) -> None:
    """Load the packaged region codes (all validated first; only missing or changed rows are written)."""
    started = time.perf_counter()
    with runtime.unit_of_work() as session:
        report = service.load_regions(session, full=full)
    console.print(f"[green]✓[/green] {report.summary()} in {time.perf_counter() - started:.1f} s")


@app.command()
@friendly_errors
def search(
    query: Annotated[str, typer.Argument(help="Part of a name, any case (e.g. bandung).")],
    level: Annotated[RegionLevel | None, typer.Option(help="Only this level.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many results.")] = 20,
) -> None:
    """Find regions by name: exact names first, then names starting with QUERY, then the rest."""
    with runtime.unit_of_work(write=False) as session:
        _require_loaded(session)
        hits = service.search(session, query, level=level, limit=limit)
    table = Table("Match", "Level", "Code", "Name", "In")
    for hit in hits:
        parents = ", ".join(parent.name for parent in reversed(hit.parents))
        table.add_row(hit.match, hit.level.value, hit.code, hit.name, parents)
    console.print(table if hits else f"No region name contains {query!r}.")


@app.command()
@friendly_errors
def show(code: Annotated[str, typer.Argument(help="A region code, dotted or not (32.73 or 3273).")]) -> None:
    """One region with its parents and the number of regions it contains."""
    with runtime.unit_of_work(write=False) as session:
        _require_loaded(session)
        region = service.get_region(session, code)
    kind = f" ({region.kind})" if region.kind else ""
    console.print(f"[bold]{region.name}[/bold] — {region.level.value}{kind}, code {region.code}")
    for parent in region.parents:
        console.print(f"  in {parent.level.value} {parent.code} {parent.name}")
    if region.level.child is not None:
        console.print(f"  contains {region.children:,} {PLURALS[region.level.child]}")


@app.command()
@friendly_errors
def stats() -> None:
    """Regions per level in the database, next to the packaged data."""
    with runtime.unit_of_work(write=False) as session:
        counts = service.stats(session)
    table = Table("Level", "In database", "In packaged data")
    for count in counts:
        style = None if count.in_database == count.in_data else "yellow"
        table.add_row(count.level.value, f"{count.in_database:,}", f"{count.in_data:,}", style=style)
    console.print(table)


def _require_loaded(session: Session) -> None:
    if not service.regions_loaded(session):
        raise Conflict("Region codes are not loaded yet: run `spbe wilayah load` (or `spbe demo seed`).")
