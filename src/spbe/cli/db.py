"""``spbe db``: migrations."""

from __future__ import annotations

import typer

from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core import migrate

app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)


@app.command()
@friendly_errors
def upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Migrate the database to the latest schema (safe to repeat)."""
    migrate.upgrade(runtime.settings.resolved_database_url, revision)
    console.print(f"Database at {', '.join(sorted(migrate.current_revisions(runtime.engine)))}")


@app.command()
@friendly_errors
def current() -> None:
    """Show the database's revision and whether it is at head."""
    url = runtime.settings.resolved_database_url
    at_head = migrate.is_at_head(runtime.engine, url)
    revisions = ", ".join(sorted(migrate.current_revisions(runtime.engine))) or "(empty)"
    console.print(f"{revisions} — {'at head' if at_head else 'migrations pending'}")
