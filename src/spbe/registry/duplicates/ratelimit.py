"""A cheap per-client limit for the public duplicate check (each check costs ~10–50 ms of CPU).

In-process sliding window per client address: ``LIMIT`` checks per ``WINDOW`` seconds. The table is
bounded (the oldest clients are forgotten past ``MAX_CLIENTS``), so a flood of addresses cannot grow it.
Behind several processes each counts alone — a limit against a careless script, not an attacker with
many addresses (that is the reverse proxy's job).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import ClassVar

from fastapi import Request

from spbe.core.errors import SpbeError

LIMIT = 30
WINDOW = 60.0
MAX_CLIENTS = 10_000


class TooManyChecks(SpbeError):
    status_code: ClassVar[int] = 429
    title: ClassVar[str] = "Too many requests"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(int(WINDOW))}


class SlidingWindow:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, max_clients: int = MAX_CLIENTS) -> None:
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            self._seen[client] = times
            while len(self._seen) > self.max_clients:
                self._seen.popitem(last=False)
            return allowed


checks = SlidingWindow()


def limit_checks(request: Request) -> None:
    """Dependency of the check routes: 429 past ``LIMIT`` checks a minute from one client address."""
    client = request.client.host if request.client else "unknown"
    limiter: SlidingWindow = getattr(request.app.state, "duplicate_check_limiter", checks)
    if not limiter.allow(client):
        raise TooManyChecks(f"At most {limiter.limit} duplicate checks a minute; wait a moment and try again.")
