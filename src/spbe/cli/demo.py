"""``spbe demo``: reference and demo data, safe to run again (nothing is duplicated)."""

from __future__ import annotations

import typer

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core import migrate
from spbe.seeding import SEED_STEPS

app = typer.Typer(help="Reference and demo data.", no_args_is_help=True)


@app.command()
@friendly_errors
def seed() -> None:
    """Load region codes, agencies and each module's demo data (idempotent; demo data never in production)."""
    production = runtime.settings.is_production
    if not migrate.is_at_head(runtime.engine, runtime.settings.resolved_database_url):
        # a newcomer may call this before `spbe db upgrade`: bring the schema up to date first
        migrate.upgrade(runtime.settings.resolved_database_url)
        console.print("[green]✓[/green] Database schema upgraded to the latest migration")
    for step in SEED_STEPS:
        if production and not step.reference:
            console.print(f"[yellow]–[/yellow] {step.title}: skipped (demo data is not loaded in production)")
            continue
        with runtime.unit_of_work() as session:
            summary = step.run(session)
        console.print(f"[green]✓[/green] {step.title}: {summary}")
