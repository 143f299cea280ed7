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

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from spbe.core import migrate

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
