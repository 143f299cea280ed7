"""A brand-new, migrated database for tests that must commit (concurrency, the CLI).

The shared test database is only ever written inside rolled-back transactions. The audit log is
append-only and the key store's rows are sealed with a test secret, so a test that commits writes into a
database of its own: a temporary SQLite file, or — when the run targets PostgreSQL — a database created
for the test and dropped afterwards (the test user may create databases: ``tests/conftest.py`` does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from spbe.cli import runtime as runtime_module
from spbe.core import migrate
from spbe.core.config import get_settings, load_settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.keys import service as keys
from spbe.seeding import SEED_STEPS

BASE_URL_ENV = "SPBE_DATABASE_URL"


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database migrated to head, removed afterwards."""
    base = os.environ.get(BASE_URL_ENV)
    if not base or base.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        migrate.upgrade(url)
        yield url
        return
    name = f"spbe_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def cli_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, reference: bool = False
) -> Iterator[sessionmaker[Session]]:
    """A fresh database the ``spbe`` CLI is pointed at (``SPBE_DATABASE_URL``/``SPBE_DATA_DIR``), optionally
    loaded with the reference data; the CLI's cached settings and engine are reset before and after."""
    with fresh_database(tmp_path) as url:
        monkeypatch.setenv("SPBE_DATABASE_URL", url)
        monkeypatch.setenv("SPBE_DATA_DIR", str(tmp_path / "var"))
        _reset_cli_runtime()
        keys.use_secret(load_settings().resolved_secret_key)
        engine = create_db_engine(url)
        factory = make_session_factory(engine)
        if reference:
            for step in SEED_STEPS:
                if step.reference:
                    with session_scope(factory) as session:
                        step.run(session)
        try:
            yield factory
        finally:
            engine.dispose()
            if "engine" in runtime_module.runtime.__dict__:
                runtime_module.runtime.engine.dispose()
            _reset_cli_runtime()
            keys.use_secret(None)


def _reset_cli_runtime() -> None:
    get_settings.cache_clear()
    for cached in ("settings", "engine", "session_factory"):
        runtime_module.runtime.__dict__.pop(cached, None)
