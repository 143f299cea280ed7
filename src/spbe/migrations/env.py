"""Alembic environment: batch mode (so SQLite can alter tables) and the metadata of every module."""

from __future__ import annotations

from alembic import context

from spbe.core.config import get_settings
from spbe.core.db import Base, create_db_engine
from spbe.models import load_all_models

load_all_models()
target_metadata = Base.metadata
config = context.config


def _database_url() -> str:
    """The URL `spbe db upgrade` passed in, or the platform's settings when alembic runs by hand."""
    return config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = create_db_engine(_database_url())
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
