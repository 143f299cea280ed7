"""Renew the browser's access token before it expires, so a long form survives the five-minute token.

Pure ASGI in front of the app: when a request carries the sealed refresh token and its access token is
missing or within ``RENEW_BEFORE`` seconds of expiry, the refresh grant runs (in a worker thread; the
provider may be this very process) and the request continues with the new token, whose cookies are
added to the response. Parallel requests holding the same refresh token share one refresh (refresh
tokens work once; a second use would revoke the whole family).
"""

from __future__ import annotations

import json
import threading
import time
from base64 import urlsafe_b64decode
from collections.abc import Callable
from http.cookies import SimpleCookie

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spbe.core.errors import SpbeError
from spbe.core.websignin import cookies
from spbe.core.websignin.client import SigninClient, Tokens

RENEW_BEFORE = 30
SKIPPED_PREFIXES = ("/static/", "/oidc/", "/.well-known/", "/r1/", "/masuk", "/keluar", "/healthz", "/readyz")
SHARED_FOR = 30.0


def token_expiry(token: str) -> int | None:
    """``exp`` of a JWT, read without verifying (only to decide whether to renew; ``core.security`` verifies)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        expiry = claims.get("exp")
        return int(expiry) if isinstance(expiry, int | float) else None
    except (IndexError, ValueError, TypeError):
        return None


class _SharedRefreshes:
    """Results of recent refreshes by the old refresh token, so concurrent requests reuse one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[str, tuple[float, Tokens | None]] = {}

    def run(self, old: str, refresh: Callable[[str], Tokens]) -> Tokens | None:
        with self._lock:
            now = time.monotonic()
            self._results = {key: value for key, value in self._results.items() if now - value[0] < SHARED_FOR}
            if old in self._results:
                return self._results[old][1]
            try:
                tokens: Tokens | None = refresh(old)
            except SpbeError:
                tokens = None
            self._results[old] = (now, tokens)
            return tokens


class SessionRefreshMiddleware:
    def __init__(self, app: ASGIApp, client: Callable[[], SigninClient]) -> None:
        self.app = app
        self.client = client
        self.shared = _SharedRefreshes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(SKIPPED_PREFIXES):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        sealed = connection.cookies.get(cookies.REFRESH)
        access = connection.cookies.get(cookies.SESSION, "")
        expiry = token_expiry(access) if access else None
        if not sealed or (expiry is not None and expiry - time.time() > RENEW_BEFORE):
            await self.app(scope, receive, send)
            return
        old = cookies.unseal(sealed)
        tokens = None if old is None else await anyio.to_thread.run_sync(self.shared.run, old, self.client().refresh)
        await self.app(_with_session_cookie(scope, tokens), receive, _adding_cookies(send, connection, tokens))


def _with_session_cookie(scope: Scope, tokens: Tokens | None) -> Scope:
    """The request as if the browser had sent the new access token (or none, when renewal failed)."""
    jar = SimpleCookie()
    for key, value in HTTPConnection(scope).cookies.items():
        if key not in (cookies.SESSION, cookies.REFRESH):
            jar[key] = value
    if tokens is not None:
        jar[cookies.SESSION] = tokens.access_token
    header = "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items()).encode("latin-1")
    headers = [(name, value) for name, value in scope["headers"] if name != b"cookie"]
    headers.append((b"cookie", header))
    return {**scope, "headers": headers}


def _adding_cookies(send: Send, connection: HTTPConnection, tokens: Tokens | None) -> Send:
    carrier = Response()
    if tokens is None:
        cookies.clear_session(carrier)
    else:
        cookies.set_session(carrier, cookies.is_secure(connection), tokens.access_token, tokens.refresh_token, None)
    extra = [value for name, value in carrier.raw_headers if name == b"set-cookie"]

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for value in extra:
                headers.append("set-cookie", value.decode("latin-1"))
        await send(message)

    return wrapped
