"""The ``jti`` replay cache of client assertions, group-committed.

The token endpoint's fast path verifies an assertion in memory and collects its ``jti``; before the token
is sent, ``AssertionLedger.remember`` records it. Requests that arrive while one batch is being written
wait for the next one, so one transaction (one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` on the
(client, jti) unique key) serves many requests. The database stays the single judge across worker
processes: a ``jti`` the statement does not return was recorded before — by this worker or another —
and the request is refused. Two uses of one ``jti`` inside the same batch: the first wins.

Expired entries are deleted by the batch writer once a minute (``PURGE_EVERY_SECONDS``), off the
request path, and by ``spbe identity purge``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from spbe.identity.oidc.context import AssertionUse

Key = tuple[str, str]
Store = Callable[[list[AssertionUse], bool], Awaitable[set[Key]]]
MAX_BATCH = 500  # rows per statement (3 parameters each, well under SQLite's variable limit)
PURGE_EVERY_SECONDS = 60.0


class AssertionLedger:
    """One per process (per application): batches ``jti`` records for ``store``.

    ``store(uses, purge)`` writes the uses in one transaction (deleting expired ones first when
    ``purge``) and returns the (client id, jti) pairs that were new.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: list[tuple[list[AssertionUse], asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._purged_at = time.monotonic()
        self.batches = 0  # transactions written (the benchmark and tests read it)

    async def remember(self, uses: list[AssertionUse]) -> bool:
        """Whether every one of ``uses`` is new (and now recorded); False for a replay."""
        if not uses:
            return True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._pending.append((uses, future))
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_batches())
        return await future

    async def _write_batches(self) -> None:
        while self._pending:
            batch: list[tuple[list[AssertionUse], asyncio.Future[bool]]] = []
            rows = 0
            while self._pending and (not batch or rows + len(self._pending[0][0]) <= MAX_BATCH):
                entry = self._pending.pop(0)
                batch.append(entry)
                rows += len(entry[0])
            await self._write(batch)

    async def _write(self, batch: list[tuple[list[AssertionUse], asyncio.Future[bool]]]) -> None:
        fresh, duplicated = _first_uses(batch)
        purge = time.monotonic() - self._purged_at >= PURGE_EVERY_SECONDS
        try:
            accepted = await self._store(fresh, purge)
        except BaseException as error:  # every waiting request fails (500), none is let through
            for _uses, future in batch:
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        self.batches += 1
        if purge:
            self._purged_at = time.monotonic()
        for index, (uses, future) in enumerate(batch):
            new = index not in duplicated and all((use.client_id, use.jti) in accepted for use in uses)
            if not future.done():
                future.set_result(new)


def _first_uses(batch: list[tuple[list[AssertionUse], asyncio.Future[bool]]]) -> tuple[list[AssertionUse], set[int]]:
    """The uses to write (each (client, jti) once) and the batch entries repeating an earlier one."""
    seen: set[Key] = set()
    fresh: list[AssertionUse] = []
    duplicated: set[int] = set()
    for index, (uses, _future) in enumerate(batch):
        for use in uses:
            key = (use.client_id, use.jti)
            if key in seen:
                duplicated.add(index)  # the same jti twice in this batch: the first one wins
            else:
                seen.add(key)
                fresh.append(use)
    return fresh, duplicated
