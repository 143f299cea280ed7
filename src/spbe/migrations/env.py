"""Alembic environment: batch mode (so SQLite can alter tables) and the metadata of every module."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from spbe.core.db import Base, create_db_engine
from spbe.models import load_all_models

load_all_models()
target_metadata = Base.metadata
config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    connectable = (
        create_db_engine(url)
        if url
        else engine_from_config(config.get_section(config.config_ini_section) or {}, poolclass=pool.NullPool)
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
