"""Shared fixtures: a real, migrated database (SQLite, or PostgreSQL when SPBE_DATABASE_URL is set),
one rolled-back transaction per test, and the app wired to it.

Run against PostgreSQL with ``make test-pg`` (or ``SPBE_DATABASE_URL=postgresql+psycopg://… make test``):
a fresh database is created for the run and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from spbe.app import create_app
from spbe.core import migrate
from spbe.core.config import Settings, load_settings
from spbe.core.db import (
    create_db_engine,
    make_session_factory,
    run_surviving_writes,
    session_scope,
    take_surviving_writes,
)
from spbe.core.deps import get_db_session, get_read_session
from spbe.core.keys import service as keys_service
from spbe.seeding import SEED_STEPS

BASE_URL_ENV = "SPBE_DATABASE_URL"


def _worker_suffix() -> str:
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A brand-new empty database for this test run."""
    base = os.environ.get(BASE_URL_ENV)
    if not base or base.startswith("sqlite"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = f"spbe_test_{_worker_suffix()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("var")
    settings = load_settings(env="test", data_dir=data_dir, database_url=database_url, log_format="console")
    keys_service.use_secret(settings.resolved_secret_key)  # keys sealed with the test secret, not ./var's
    return settings


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The run's database, migrated to head and loaded with reference data (region codes, agencies)."""
    migrate.upgrade(settings.resolved_database_url)
    engine = create_db_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    for step in SEED_STEPS:
        if step.reference:
            with session_scope(factory) as session:
                step.run(session)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def app(settings: Settings, engine: Engine, db_session: Session) -> FastAPI:
    """The whole platform, its requests sharing the test's rolled-back transaction."""
    application = create_app(settings)

    def test_session() -> Iterator[Session]:
        """Like ``session_scope``: commit (a savepoint here), or roll back and keep surviving writes."""
        try:
            yield db_session
            run_surviving_writes(take_surviving_writes(db_session), db_session)
            db_session.commit()
        except BaseException:
            survivors = take_surviving_writes(db_session)
            db_session.rollback()
            run_surviving_writes(survivors, db_session)
            db_session.commit()
            raise

    application.dependency_overrides[get_db_session] = test_session
    application.dependency_overrides[get_read_session] = test_session
    application.state.engine = engine
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
