"""``spbe registry duplicates`` and ``spbe registry demo-generate``: the duplicate finder from the shell."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.registry.demo.generator import NATIONAL_COUNT, generate, summary, write_csv, write_labels
from spbe.registry.duplicates import service
from spbe.registry.duplicates.schemas import GroupSummary


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


CSV_COLUMNS = ("key", "label", "score", "applications", "agencies", "affairs", "umum_target", "reasons")


@friendly_errors
def duplicates(
    agency: Annotated[
        str | None, typer.Option(help="Only groups with an application of this agency (KAB-32.04)")
    ] = None,
    affair: Annotated[str | None, typer.Option(help="Only groups serving this Proses Bisnis affair (09.06)")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json")] = OutputFormat.table,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many groups")] = 50,
) -> None:
    """List duplicate groups: applications of different agencies doing the same job."""
    with runtime.unit_of_work(write=False) as session:
        page = service.list_groups(session, agency=agency, affair=affair, limit=limit)
    if output is OutputFormat.json:
        sys.stdout.write(page.model_dump_json(indent=2) + "\n")
    elif output is OutputFormat.csv:
        _write_csv(page.items)
    else:
        _print_table(page.items, page.total, page.applications_in_groups)


def _write_csv(items: list[GroupSummary]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(CSV_COLUMNS)
    for g in items:
        writer.writerow([g.key, g.label, g.score, g.applications, g.agencies, ";".join(g.affairs), g.umum_target or "",
                         " | ".join(r.text for r in g.reasons)])  # fmt: skip


def _print_table(items: list[GroupSummary], total: int, applications: int) -> None:
    table = Table(title=f"{total} duplicate groups, {applications} applications")
    for column in ("Group", "Apps", "Agencies", "Score", "Aplikasi Umum", "Why"):
        table.add_column(column, justify="right" if column in {"Apps", "Agencies", "Score"} else "left")
    for g in items:
        why = "; ".join(r.text for r in g.reasons[:3])
        table.add_row(g.label, str(g.applications), str(g.agencies), f"{g.score:.2f}", g.umum_target or "–", why)
    console.print(table)


def demo_generate(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write (the registry's import columns)")],
    count: Annotated[
        int, typer.Option(min=656, max=5_000_000, help="Applications (≥ one per agency)")
    ] = NATIONAL_COUNT,
    seed: Annotated[int, typer.Option()] = 1,
    labels: Annotated[Path | None, typer.Option(help="JSON file for the ground truth (code → group)")] = None,
) -> None:
    """Write a realistic national application inventory as CSV (deterministic by seed)."""
    inventory = generate(count, seed)
    write_csv(inventory, out)
    if labels is not None:
        write_labels(inventory, labels)
    console.print(f"[green]✓[/green] {out}: {json.dumps(summary(inventory))}")
