"""Per-client-address throttling of the sign-in and recovery submissions, beside the per-account lockout.

The lockout in ``accounts`` protects one account from guessing; this sliding window protects the service
from one address trying many accounts (password spraying, OTP or recovery-code guessing). It counts every
submission from an address to the throttled forms — passwords, OTP codes, passkey assertions, recovery —
and answers 429 with ``Retry-After`` once an address has made ``limit`` of them within ``window`` seconds.

The window lives in process memory, on the application object: each worker process counts on its own, so
with N workers an address may get up to N × ``limit`` attempts per window, and a restart forgets it. A
shared store (e.g. the database or Redis) would be needed for a hard global limit; the per-account
lockout, which is stored in the database, stays the hard limit per account.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.i18n import N_
from spbe.core.templating import render
from spbe.identity.settings import identity_settings

LIMIT = 20  # defaults; SPBE_IDENTITY_LOGIN_THROTTLE_LIMIT / _WINDOW override them (limit 0 switches it off)
WINDOW_SECONDS = 300.0
MAX_ADDRESSES = 100_000  # memory bound: the oldest addresses are forgotten beyond this
STATE_KEY = "identity_login_throttle"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    first_refusal: bool = False


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window`` seconds (thread-safe, in-process; ``limit`` 0: off)."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._refused: set[str] = set()
        self._lock = threading.Lock()

    def hit(self, key: str) -> Verdict:
        """Count one attempt by ``key``; a refused attempt is not counted (it did not reach the check)."""
        if self.limit <= 0:
            return Verdict(True)
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits  # re-inserted last: dict order is least recently used first
            if len(hits) >= self.limit:
                first = key not in self._refused
                self._refused.add(key)
                return Verdict(False, max(1, math.ceil(hits[0] + self.window - now)), first)
            hits.append(now)
            self._refused.discard(key)
            self._forget_oldest()
            return Verdict(True)

    def _forget_oldest(self) -> None:
        while len(self._hits) > MAX_ADDRESSES:
            oldest = next(iter(self._hits))
            del self._hits[oldest]
            self._refused.discard(oldest)


def window_of(request: Request) -> SlidingWindow:
    """The application's window (one per app, so tests and apps do not share counts)."""
    window: SlidingWindow | None = getattr(request.app.state, STATE_KEY, None)
    if window is None:
        config = identity_settings()
        window = SlidingWindow(config.login_throttle_limit, float(config.login_throttle_window))
        setattr(request.app.state, STATE_KEY, window)
    return window


def check(request: Request, session: Session, form: str) -> HTMLResponse | None:
    """None when the attempt may go ahead; else the friendly 429 page (audited once per blocked spell)."""
    address = request.client.host if request.client else "unknown"
    verdict = window_of(request).hit(address)
    if verdict.allowed:
        return None
    if verdict.first_refusal:
        audit.append(
            session,
            actor="anonymous",
            action="identity.login.throttled",
            outcome="denied",
            data={"form": form, "client_address": address, "retry_after": verdict.retry_after},
        )
    minutes = max(1, math.ceil(verdict.retry_after / 60))
    context = {
        "message": N_("Too many sign-in attempts from your connection. Please wait and try again."),
        "minutes": minutes,
    }
    headers = {"Retry-After": str(verdict.retry_after), "Cache-Control": "no-store"}
    return render(request, "identity/throttled.html", context, status_code=429, headers=headers)
