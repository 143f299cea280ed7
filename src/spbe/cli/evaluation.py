"""``spbe evaluation``: import levels, score agencies, write reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core.errors import BadRequest, NotFound
from spbe.core.security import SYSTEM
from spbe.evaluation import repository, scoring
from spbe.evaluation.api import agency_report
from spbe.evaluation.service import importing, national, periods, views
from spbe.evaluation.service import instruments as instrument_service

app = typer.Typer(help="SPBE evaluation (PermenPANRB 59/2020).", no_args_is_help=True)
cycle_app = typer.Typer(help="Evaluation cycles: open a year, close (publish) it.", no_args_is_help=True)
instruments_app = typer.Typer(help="Evaluation instruments: load a file, list the loaded ones.", no_args_is_help=True)
app.add_typer(cycle_app, name="cycle")
app.add_typer(instruments_app, name="instruments")
Year = Annotated[int, typer.Argument(help="Evaluation year, e.g. 2026")]


@cycle_app.command("open")
@friendly_errors
def cycle_open(year: Year) -> None:
    """Open a year's evaluation cycle: agencies may then assess themselves for it."""
    with runtime.unit_of_work() as session:
        periods.open_cycle(session, SYSTEM, year)
    console.print(f"[green]✓[/green] The {year} evaluation cycle is open.")


@cycle_app.command("close")
@friendly_errors
def cycle_close(year: Year) -> None:
    """Close a year's cycle: its final results are published (national index, ranking, history)."""
    with runtime.unit_of_work() as session:
        _row, counts = periods.close_cycle(session, SYSTEM, year)
    unfinished = counts.draft + counts.submitted
    console.print(f"[green]✓[/green] The {year} evaluation cycle is closed: {counts.final} final result(s) published.")
    if unfinished:
        console.print(f"[yellow]![/yellow] {unfinished} assessment(s) were not final and are not published.")


@cycle_app.command("list")
@friendly_errors
def cycle_list() -> None:
    """Every cycle with its status and how many assessments it has."""
    with runtime.unit_of_work(write=False) as session:
        rows = [periods.coverage(session, row.year, 0) for row in repository.list_cycles(session)]
    table = Table("year", "status", "draft", "submitted", "final")
    for row in rows:
        table.add_row(str(row.year), str(row.status), str(row.draft), str(row.submitted), str(row.final))
    console.print(table)


@instruments_app.command("load")
@friendly_errors
def instruments_load(
    path: Annotated[Path, typer.Argument(help="An instrument file (JSON), from anywhere")],
) -> None:
    """Validate and load one instrument file, all or nothing (a new version or a successor instrument)."""
    with runtime.unit_of_work() as session:
        outcome = instrument_service.load_file(session, path)
    console.print(f"[green]✓[/green] {path.name}: {outcome}.")


@instruments_app.command("list")
@friendly_errors
def instruments_list() -> None:
    """The loaded instruments: version, the year each is in force from, how many assessments use it."""
    with runtime.unit_of_work(write=False) as session:
        rows = instrument_service.list_loaded(session)
    table = Table("instrument", "title", "in force from", "indicators", "assessments")
    for row in rows:
        since = str(row.in_force_from) if row.in_force_from else "first year"
        table.add_row(f"{row.code}@{row.version}", row.title, since, str(row.indicators), str(row.assessments))
    console.print(table)


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
        source = (file.name, importing.file_digest(file))
        plan = importing.plan_import(session, importing.read_rows(file), source)
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
    _write(out, content)
    console.print(f"[green]✓[/green] Wrote {out} ({len(content):,} bytes).")


def _write(out: Path, content: bytes) -> None:
    """Write the report, creating its folder; a path that cannot be written is one clear error line."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
    except OSError as exc:
        raise BadRequest(f"Cannot write {out}: {exc.strerror or exc}.") from None
