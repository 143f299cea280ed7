"""Per client and per service request limits, enforced in memory on each worker (fixed windows).

With several worker processes each worker allows ``limit / workers`` (``SPBE_INTEROP_QUOTA_WORKERS``), so
a node as a whole stays close to the configured limit without shared state on the hot path.
"""

from __future__ import annotations

import math
import time

from spbe.interop.identifiers import ClientId, ServiceId
from spbe.interop.snapshot import QuotaDef, ServiceEntry


class QuotaTracker:
    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._windows: dict[tuple[ServiceId, ClientId | None, int], tuple[int, int]] = {}

    def check(self, service: ServiceEntry, client: ClientId, now: float | None = None) -> int | None:
        """Count one call; return the seconds to wait (``Retry-After``) when a quota is exhausted."""
        if not service.quotas:
            return None
        moment = time.monotonic() if now is None else now
        for quota in service.quotas:
            if quota.client is not None and quota.client != client:
                continue
            wait = self._count(service.id, quota, client, moment)
            if wait is not None:
                return wait
        return None

    def _count(self, service: ServiceId, quota: QuotaDef, client: ClientId, now: float) -> int | None:
        window = int(now // quota.window_seconds)
        key = (service, client, quota.window_seconds)
        started, used = self._windows.get(key, (window, 0))
        if started != window:
            used = 0
        allowed = max(1, quota.limit // self._workers)
        if used >= allowed:
            return max(1, math.ceil((window + 1) * quota.window_seconds - now))
        self._windows[key] = (window, used + 1)
        return None
