"""Keeps the gateway's snapshot fresh: every ``refresh_seconds`` it reads the configuration version and,
when it changed, the whole configuration; it caches the last good document on disk. When the database is
unreachable the node keeps serving from the snapshot it has (or from the disk cache after a restart).

The identity provider's published token keys change without a configuration version (``spbe keys rotate``),
so they are compared on every poll too (a few rows); the snapshot is rebuilt when they differ."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from spbe.core.db import session_scope
from spbe.interop import repository
from spbe.interop.config_document import Document, build_snapshot, read_document, read_token_keys
from spbe.interop.snapshot import Snapshot

logger = logging.getLogger("spbe.interop.config")


class SnapshotHolder:
    """The current snapshot (``current``) and where it came from."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.current = snapshot or Snapshot.empty()
        self.loaded_at = time.time() if snapshot else 0.0
        self.last_error: str | None = None

    def replace(self, snapshot: Snapshot) -> None:
        self.current = snapshot
        self.loaded_at = time.time()
        self.last_error = None


class DatabaseRefresher:
    def __init__(
        self,
        holder: SnapshotHolder,
        session_factory: sessionmaker[Session],
        cache_path: Path,
        interval_s: float,
    ) -> None:
        self.holder, self.session_factory, self.cache_path, self.interval_s = (
            holder,
            session_factory,
            cache_path,
            interval_s,
        )
        self._task: asyncio.Task[None] | None = None
        self._document: Document | None = None

    def load_once(self) -> bool:
        """Refresh now (blocking); return whether a new snapshot was installed."""
        try:
            with session_scope(self.session_factory, write=False) as session:
                document = self._changed_document(session)
                if document is None:
                    return False
        except Exception as exc:  # database down: keep serving what we have
            self.holder.last_error = f"{type(exc).__name__}: {exc}"[:300]
            logger.warning("configuration refresh failed; serving the cached snapshot", exc_info=False)
            if not self.holder.loaded_at:
                self._load_cache()
            return False
        self.holder.replace(build_snapshot(document))
        self._document = document
        self._write_cache(document)
        return True

    def _changed_document(self, session: Session) -> Document | None:
        """The new configuration document, or ``None`` when nothing changed since the last load."""
        known = self._document
        if not self.holder.loaded_at or known is None:
            return read_document(session)
        if repository.config_version(session) != self.holder.current.version:
            return read_document(session)
        token_keys = read_token_keys(session)
        return None if token_keys == known.get("token_keys") else {**known, "token_keys": token_keys}

    def _write_cache(self, document: Document) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.cache_path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
        temporary.replace(self.cache_path)

    def _load_cache(self) -> None:
        if self.cache_path.exists():
            document = json.loads(self.cache_path.read_text(encoding="utf-8"))
            self.holder.replace(build_snapshot(document))
            self._document = document
            logger.warning("started from the cached configuration (version %s)", document.get("version"))

    async def start(self, run_in_thread: Callable[[Callable[[], bool]], asyncio.Future[bool]]) -> None:
        await run_in_thread(self.load_once)
        self._task = asyncio.create_task(self._loop(run_in_thread), name="interop-config-refresh")

    async def _loop(self, run_in_thread: Callable[[Callable[[], bool]], asyncio.Future[bool]]) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await run_in_thread(self.load_once)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
