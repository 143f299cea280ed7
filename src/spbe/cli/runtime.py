"""What every command needs: settings, an engine, a unit of work, and clean failure messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property, wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from spbe.core.config import Settings, get_settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.errors import ConfigurationError, SpbeError

console = Console()
error_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


class Runtime:
    """Lazily built database access for one CLI invocation."""

    @cached_property
    def settings(self) -> Settings:
        settings = get_settings()
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return settings

    @cached_property
    def engine(self) -> Engine:
        return create_db_engine(self.settings.resolved_database_url, echo=self.settings.sql_echo)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        with session_scope(self.session_factory, write=write) as session:
            yield session


runtime = Runtime()


def friendly_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Print an expected error as one red line and exit non-zero, never a traceback."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except ConfigurationError as exc:
            error_console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(2) from None
        except SpbeError as exc:
            error_console.print(f"[red]Error:[/red] {exc.detail}")
            for error in exc.errors:
                where = f"row {error.row}, " if error.row is not None else ""
                error_console.print(f"  - {where}{error.field}: {error.message}")
            raise typer.Exit(1) from None

    return wrapper
