"""The ``spbe`` command line (Typer)."""
