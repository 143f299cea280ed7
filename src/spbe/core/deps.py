"""FastAPI dependencies shared by every module: the unit of work and the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from spbe.core.config import Settings
from spbe.core.db import session_scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on error."""
    factory = request.app.state.session_factory
    with session_scope(factory, write=request.method not in SAFE_METHODS) as session:
        yield session


def get_read_session(request: Request) -> Iterator[Session]:
    """A read-only unit of work for POST endpoints that only compute (e.g. NIK validation)."""
    with session_scope(request.app.state.session_factory, write=False) as session:
        yield session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[Session, Depends(get_db_session, scope="function")]
DbReadSession = Annotated[Session, Depends(get_read_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
