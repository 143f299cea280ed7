"""Database: the declarative base with a naming convention, engines and the unit of work.

One unit of work per request or command: ``session_scope`` commits on success and rolls back on any
error, so a failed operation leaves the data as it was. Services and repositories ``flush()``, never
``commit()``.

SQLite (the embedded default) runs in WAL mode with foreign keys on. A write session starts with
``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing when a
deferred read transaction tries to upgrade to a write.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_OPTION = "spbe_write"
_SURVIVORS_KEY = "spbe_survivors"

logger = logging.getLogger("spbe.db")

SurvivingWrite = Callable[[Session], None]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of every ORM model; constraint names follow ``NAMING_CONVENTION`` (Alembic batch needs it)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UtcDateTime}  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and explicit transaction control."""
    if url.startswith("sqlite"):
        # As many connections as FastAPI's worker threads (40), so a burst of sync requests never waits
        # on the pool while holding a thread another request needs.
        engine = create_engine(
            url,
            echo=echo,
            pool_size=40,
            max_overflow=10,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def keep_even_on_rollback(session: Session, write: SurvivingWrite) -> None:
    """Schedule a write that must happen whether this unit of work commits or rolls back.

    The audit log uses it for refusals: a denied request rolls back everything it did, yet the record
    of the denial must stay. On commit the write joins the transaction; on rollback it runs afterwards
    in a fresh one.
    """
    session.info.setdefault(_SURVIVORS_KEY, []).append(write)


def take_surviving_writes(session: Session) -> list[SurvivingWrite]:
    writes: list[SurvivingWrite] = session.info.pop(_SURVIVORS_KEY, [])
    return writes


def run_surviving_writes(writes: list[SurvivingWrite], session: Session) -> None:
    for write in writes:
        write(session)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        if write:
            session.connection(execution_options={WRITE_OPTION: True})
        yield session
        run_surviving_writes(take_surviving_writes(session), session)
        session.commit()
    except BaseException:
        survivors = take_surviving_writes(session)
        session.rollback()
        _write_after_rollback(factory, survivors)
        raise
    finally:
        session.close()


def _write_after_rollback(factory: sessionmaker[Session], writes: list[SurvivingWrite]) -> None:
    if not writes:
        return
    try:
        with session_scope(factory) as fresh:
            run_surviving_writes(writes, fresh)
    except Exception:  # the original error matters more; this one is logged, not raised over it
        logger.exception("could not write records that must survive a rollback")


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"
