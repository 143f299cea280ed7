"""``spbe``: serve the platform, migrate, seed, and run each module's tools."""

from __future__ import annotations

import typer

from spbe.cli import audit, db, demo, evaluation, identity, interop, interop_trust, keys, nik, registry, serve, wilayah

app = typer.Typer(
    name="spbe",
    help="SPBE Platform — registry, SPLP gateway, IKD identity, MPP Digital and SPBE evaluation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(interop.app, name="interop")
interop_trust.register(interop.app)  # spbe interop ca|cert|oauth-client
app.add_typer(demo.app, name="demo")
app.add_typer(evaluation.app, name="evaluation")
app.add_typer(nik.app, name="nik")
app.add_typer(wilayah.app, name="wilayah")
app.add_typer(audit.app, name="audit")
app.add_typer(keys.app, name="keys")
app.add_typer(registry.app, name="registry")
app.add_typer(identity.app, name="identity")


def main() -> None:
    app()
