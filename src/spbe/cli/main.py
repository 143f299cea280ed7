"""``spbe``: serve the platform, migrate, seed, and run each module's tools."""

from __future__ import annotations

import typer

from spbe.cli import db, demo, serve

app = typer.Typer(
    name="spbe",
    help="SPBE Platform — registry, SPLP gateway, IKD identity, MPP Digital and SPBE evaluation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")


def main() -> None:
    app()
