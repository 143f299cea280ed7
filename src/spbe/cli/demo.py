"""``spbe demo``: reference and demo data, safe to run again (nothing is duplicated)."""

from __future__ import annotations

import typer

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.seeding import SEED_STEPS

app = typer.Typer(help="Reference and demo data.", no_args_is_help=True)


@app.command()
@friendly_errors
def seed() -> None:
    """Load region codes, agencies and each module's demo data (idempotent; demo data never in production)."""
    production = runtime.settings.is_production
    for step in SEED_STEPS:
        if production and not step.reference:
            console.print(f"[yellow]–[/yellow] {step.title}: skipped (demo data is not loaded in production)")
            continue
        with runtime.unit_of_work() as session:
            summary = step.run(session)
        console.print(f"[green]✓[/green] {step.title}: {summary}")
