"""``spbe audit``: verify the signed, hash-chained audit log and read its tail."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from spbe.cli.runtime import console, error_console, friendly_errors, runtime
from spbe.core.audit import service
from spbe.core.audit.schemas import AuditRecordOut, VerificationReport

app = typer.Typer(help="The audit log (jejak audit): verify the chain, show recent records.", no_args_is_help=True)

PROGRESS_THRESHOLD = 10_000  # smaller logs verify in well under a second: no bar


@app.command()
@friendly_errors
def verify(
    batch_size: Annotated[int, typer.Option(min=100, help="Records read per query.")] = service.VERIFY_BATCH_SIZE,
) -> None:
    """Walk the whole chain; exit 1 naming the first record that was edited, deleted or reordered."""
    with runtime.unit_of_work(write=False) as session:
        total = service.expected_length(session)
        with _progress(total) as progress:
            task = progress.add_task("Verifying audit log", total=total)
            report = service.verify(
                session, batch_size=batch_size, progress=lambda done: progress.update(task, completed=done)
            )
    _print_report(report)


def _progress(total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=total < PROGRESS_THRESHOLD,
    )


def _print_report(report: VerificationReport) -> None:
    if report.problem is None:
        console.print(
            f"[green]Audit log intact: {_records(report.records_checked)}, chain and signatures verified[/green]"
        )
        return
    problem = report.problem
    error_console.print(f"[red]Audit log BROKEN[/red] ({problem.kind.value}): {problem.message}")
    error_console.print(
        f"Verified before the break: {_records(report.records_checked)}; head says seq {report.head_seq}."
    )
    raise typer.Exit(1)


@app.command()
@friendly_errors
def tail(
    n: Annotated[int, typer.Option("-n", "--lines", min=1, max=1000, help="How many records.")] = 20,
) -> None:
    """Show the most recent records, oldest first."""
    with runtime.unit_of_work(write=False) as session:
        records = list(reversed(service.list_records(session, limit=n)))
    if not records:
        console.print("The audit log is empty.")
        return
    console.print(_table(records))


def _table(records: list[AuditRecordOut]) -> Table:
    table = Table(title="Audit log (latest)")
    table.add_column("Seq", justify="right", no_wrap=True)
    table.add_column("Time (UTC)", no_wrap=True)
    for column in ("Actor", "Action", "Object"):
        table.add_column(column, overflow="fold")
    table.add_column("Outcome", no_wrap=True)
    table.add_column("Key", no_wrap=True)
    for record in records:
        target = f"{record.object_type}:{record.object_id}" if record.object_type else "—"
        table.add_row(
            str(record.seq),
            record.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            record.actor,
            record.action,
            target,
            record.outcome,
            record.key_id[:8],
        )
    return table


def _records(count: int) -> str:
    return f"{count:,} record" + ("" if count == 1 else "s")
