"""Access denials reach the audit log off the hot path: the gateway counts them in memory and a
background task writes one audit record per (client, service, reason) every few seconds, with the count,
so a flood of refused calls cannot flood the audit log or slow the gateway."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from spbe.core.audit import service as audit
from spbe.core.db import session_scope

logger = logging.getLogger("spbe.interop.denials")


class DenialRecorder:
    def __init__(self, session_factory: sessionmaker[Session] | None, interval_s: float = 2.0) -> None:
        self.session_factory = session_factory
        self.interval_s = interval_s
        self.pending: Counter[tuple[str, str, str]] = Counter()
        self._task: asyncio.Task[None] | None = None

    def record(self, client: str, service: str, reason: str) -> None:
        self.pending[(client, service, reason)] += 1

    def take(self) -> Counter[tuple[str, str, str]]:
        """The denials counted so far (called on the event loop, so no count is lost)."""
        batch, self.pending = self.pending, Counter()
        return batch

    def flush(self, batch: Counter[tuple[str, str, str]] | None = None) -> int:
        """Write counted denials to the audit log (blocking); return how many records were written."""
        batch = self.take() if batch is None else batch
        if not batch or self.session_factory is None:
            return 0
        try:
            with session_scope(self.session_factory) as session:
                for (client, service, reason), count in batch.items():
                    audit.append(
                        session,
                        actor=client,
                        action="interop.access.denied",
                        object_type="interop_service",
                        object_id=service,
                        outcome="denied",
                        data={"reason": reason, "count": count},
                    )
        except Exception:
            logger.exception("could not write access denials to the audit log; will retry")
            self.pending.update(batch)
            return 0
        return len(batch)

    async def start(self, run_in_thread: Callable[[Callable[[], int]], asyncio.Future[int]]) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(self.interval_s)
                batch = self.take()
                if batch:
                    await run_in_thread(functools.partial(self.flush, batch))

        self._task = asyncio.create_task(loop(), name="interop-denials")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
