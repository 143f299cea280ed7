"""``spbe registry``: import and export the application catalogue, ArchiMate exchange, search."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from spbe.cli import registry_duplicates
from spbe.cli.runtime import console, error_console, friendly_errors, runtime
from spbe.core.security import SYSTEM
from spbe.registry.schemas.exchange import ExportFormat, ImportReport
from spbe.registry.service import applications, archimate, exports, imports

app = typer.Typer(help="Registry (Arsitektur SPBE): applications, import, export, ArchiMate.", no_args_is_help=True)


def _read_rows(path: Path) -> tuple[list[dict[str, str]], str]:
    return imports.read_rows(path.read_bytes(), path.name)


@app.command("import")
@friendly_errors
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8, BOM or Windows-1252) or XLSX")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report every problem; write nothing.")] = False,
) -> None:
    """Import applications all-or-nothing (as the platform itself); re-importing the same file changes nothing."""
    started = time.perf_counter()
    rows, encoding = _read_rows(file)
    with _progress() as progress, runtime.unit_of_work() as session:
        task = progress.add_task("Checking rows", total=len(rows))
        report = imports.import_applications(
            session,
            rows,
            actor=SYSTEM,
            dry_run=dry_run,
            encoding=encoding,
            progress=lambda done: progress.update(task, completed=done),
        )
        progress.update(task, description="Done", completed=len(rows))
    _print_report(report, time.perf_counter() - started)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def _print_report(report: ImportReport, seconds: float) -> None:
    if report.problems:
        table = Table("Row", "Column", "Problem")
        for problem in report.problems[:200]:
            table.add_row(str(problem.row), problem.column, problem.message)
        error_console.print(table)
        if len(report.problems) > 200:
            error_console.print(f"… and {len(report.problems) - 200} more problem(s)")
        error_console.print(f"[red]✗[/red] {report.summary()}; nothing was written ({seconds:.1f} s)")
        raise typer.Exit(1)
    mark = "[green]✓[/green]" if report.applied else "[yellow]dry run[/yellow]"
    console.print(f"{mark} {report.summary()} in {seconds:.1f} s")


@app.command()
@friendly_errors
def export(
    output: Annotated[Path, typer.Argument(dir_okay=False, help="File to write")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.csv,
    agency: Annotated[str | None, typer.Option(help="Only this agency's applications")] = None,
) -> None:
    """Export applications as CSV, XLSX or JSON (the import format)."""
    with runtime.unit_of_work(write=False) as session:
        data = exports.export(session, format, agency.upper() if agency else None, SYSTEM)
    output.write_bytes(data)
    console.print(f"[green]✓[/green] wrote {output} ({len(data):,} bytes)")


@app.command("archimate")
@friendly_errors
def archimate_export(
    output: Annotated[Path, typer.Argument(dir_okay=False, help="XML file to write")],
    agency: Annotated[str | None, typer.Option(help="Only this agency's architecture")] = None,
) -> None:
    """Export ArchiMate 3.1 Open Exchange XML (opens in Archi: File › Import › Open Exchange XML Model)."""
    with runtime.unit_of_work(write=False) as session:
        data = archimate.export(session, agency.upper() if agency else None, SYSTEM)
    output.write_bytes(data)
    console.print(f"[green]✓[/green] wrote {output} ({len(data):,} bytes)")


@app.command()
@friendly_errors
def search(
    query: Annotated[str, typer.Argument(help="Words of the name, acronym or description")],
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
) -> None:
    """Find applications: exact acronym and name matches first."""
    started = time.perf_counter()
    with runtime.unit_of_work(write=False) as session:
        page = applications.search(session, q=query, per_page=limit)
    table = Table("Code", "Acronym", "Name", "Agency", "Kind")
    for item in page.items:
        table.add_row(item.code, item.acronym or "", item.name, item.agency_code, item.kind.value)
    console.print(table)
    console.print(f"{page.total} match(es) in {1000 * (time.perf_counter() - started):.0f} ms")


app.command("duplicates")(registry_duplicates.duplicates)
app.command("demo-generate")(registry_duplicates.demo_generate)
