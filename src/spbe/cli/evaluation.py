"""``spbe evaluation``: import levels, score agencies, write reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core.errors import NotFound
from spbe.core.security import SYSTEM
from spbe.evaluation import scoring
from spbe.evaluation.api import agency_report
from spbe.evaluation.service import importing, national, views

app = typer.Typer(help="SPBE evaluation (PermenPANRB 59/2020).", no_args_is_help=True)


@app.command("import")
@friendly_errors
def import_levels(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX: agency_code,year,indicator,level")
    ],
    apply: Annotated[bool, typer.Option("--apply", help="Write the levels (default: dry run)")] = False,
) -> None:
    """Check a file of levels (dry run) or import it as final results, all or nothing."""
    with runtime.unit_of_work() as session:
        plan = importing.plan_import(session, importing.read_rows(file))
        if not apply:
            console.print(f"[green]✓[/green] Dry run: {plan.summary} would be imported. Add --apply to write.")
            return
        summary = importing.apply_import(session, SYSTEM, plan)
    console.print(f"[green]✓[/green] Imported {summary}.")


@app.command()
@friendly_errors
def score(
    year: Annotated[int, typer.Option(help="Evaluation year")],
    agency: Annotated[str | None, typer.Option(help="One agency's code (default: national)")] = None,
) -> None:
    """Print an agency's index, or the national index with its distribution."""
    with runtime.unit_of_work(write=False) as session:
        if agency:
            result = views.final_assessment(session, agency.upper(), year)
            if result.score is None:
                raise NotFound(f"{agency} {year} is incomplete.")
            console.print(
                f"{agency.upper()} {year}: [bold]{result.score.index}[/bold] ({result.score.predikat}), "
                f"instrument {result.instrument}"
            )
            console.print("  " + "  ".join(f"{k} {v}" for k, v in result.score.domains.items()))
            return
        picture = national.picture(session, year)
    if picture.index is None:
        raise NotFound(f"No final evaluations for {year}.")
    instrument = picture.instrument
    console.print(
        f"National {year}: [bold]{scoring.published(picture.index)}[/bold] ({picture.predikat}), "
        f"{len(picture.agencies)} agencies, instrument {instrument.code}@{instrument.version}"
    )
    table = Table("group", "agencies", "index")
    for group in picture.groups:
        table.add_row(group.group, str(group.count), "–" if group.index is None else str(group.index))
    console.print(table)


@app.command()
@friendly_errors
def report(
    agency: Annotated[str, typer.Option(help="Agency code")],
    year: Annotated[int, typer.Option(help="Evaluation year")],
    out: Annotated[Path, typer.Option(help="Where to write the report")],
    fmt: Annotated[str, typer.Option("--format", help="pdf, csv or xlsx")] = "pdf",
) -> None:
    """Write an agency's report (PDF, CSV or XLSX)."""
    with runtime.unit_of_work(write=False) as session:
        content, _ = agency_report(session, agency.upper(), year, fmt)
    out.write_bytes(content)
    console.print(f"[green]✓[/green] Wrote {out} ({len(content):,} bytes).")
