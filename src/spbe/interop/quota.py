"""Per service and per client request limits, enforced in memory on each worker (fixed windows).

Every quota has its own counter, keyed by the quota itself (service, client or ``None``, window, position):

- a quota without a client is service-wide: every caller's calls count against one counter;
- a quota with a client counts only that client's calls;
- a call counts once against every quota that applies to it, and only when none of them is exhausted
  (a refused call uses up nothing). ``Retry-After`` comes from the quota that refused (the longest wait
  when several did).

With several worker processes each worker allows ``limit / workers`` (``SPBE_INTEROP_QUOTA_WORKERS``), so
a node as a whole stays close to the configured limit without shared state on the hot path.
"""

from __future__ import annotations

import math
import time

from spbe.interop.identifiers import ClientId, ServiceId
from spbe.interop.snapshot import QuotaDef, ServiceEntry

# (service, quota's client or None for all callers, window seconds, position in the service's quota list)
CounterKey = tuple[ServiceId, ClientId | None, int, int]


class QuotaTracker:
    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._windows: dict[CounterKey, tuple[int, int]] = {}  # key -> (window number, calls counted)

    def check(self, service: ServiceEntry, client: ClientId, now: float | None = None) -> int | None:
        """Count one call; return the seconds to wait (``Retry-After``) when a quota is exhausted."""
        if not service.quotas:
            return None
        moment = time.monotonic() if now is None else now
        counted: list[tuple[CounterKey, int, int]] = []
        wait: int | None = None
        for index, quota in enumerate(service.quotas):
            if quota.client is not None and quota.client != client:
                continue
            key = (service.id, quota.client, quota.window_seconds, index)
            window = int(moment // quota.window_seconds)
            started, used = self._windows.get(key, (window, 0))
            if started != window:
                used = 0
            if used >= self._allowed(quota):
                wait = max(wait or 0, max(1, math.ceil((window + 1) * quota.window_seconds - moment)))
            else:
                counted.append((key, window, used + 1))
        if wait is not None:
            return wait
        for key, window, used in counted:
            self._windows[key] = (window, used)
        return None

    def _allowed(self, quota: QuotaDef) -> int:
        return max(1, quota.limit // self._workers)
