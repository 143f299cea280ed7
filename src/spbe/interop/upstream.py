"""Outbound calls to registered back ends: a small HTTP/1.1 client on ``asyncio.Protocol`` and httptools'
response parser, with a keep-alive connection pool per back end.

Chosen by measurement (bench/interop/README.md): httpx.AsyncClient managed a few hundred req/s here,
aiohttp's client ~1,500 through the whole gateway (≈460 µs per call in ``ClientSession._request``); this
client does one ``transport.write`` per request and parses the answer in C. Redirects are never followed,
bodies are passed through as sent (never decompressed), and every call has a total timeout.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import httptools

from spbe.interop import xroad_errors as xe
from spbe.interop.snapshot import Upstream
from spbe.interop.xroad_errors import GatewayError

CRLF = b"\r\n"
Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    status: int
    headers: Headers
    body: bytes


class _TooLarge(Exception):
    pass


class _Lost(Exception):
    """The connection closed before a complete response; ``fresh`` tells whether any byte had arrived."""

    def __init__(self, fresh: bool) -> None:
        super().__init__("connection lost")
        self.fresh = fresh


class _Connection(asyncio.Protocol):
    """One keep-alive connection; carries one request at a time."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.waiter: asyncio.Future[UpstreamResponse] | None = None
        self._reset(False)

    def _reset(self, head: bool) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.head, self.started, self.headers_done, self.keep_alive = head, False, False, False
        self.headers: Headers = []
        self.chunks: list[bytes] = []
        self.size = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    async def send(self, data: bytes, head: bool, deadline: float) -> UpstreamResponse:
        """Write one request and wait for its response; the connection is closed on any failure."""
        assert self.transport is not None
        self._reset(head)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[UpstreamResponse] = loop.create_future()
        self.waiter = waiter
        timer = loop.call_at(deadline, self._fail, TimeoutError())
        self.transport.write(data)
        try:
            return await waiter
        except BaseException:
            self.close()
            raise
        finally:
            timer.cancel()

    def data_received(self, data: bytes) -> None:
        self.started = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
        if self.size > self.max_body:
            self._fail(_TooLarge())

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        if self.head:  # no body follows a HEAD answer, whatever Content-Length says
            self._finish(keep_alive=False)

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size <= self.max_body:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        self._finish(keep_alive=self.parser.should_keep_alive())

    def _finish(self, keep_alive: bool) -> None:
        if self.size > self.max_body:
            return  # data_received fails the call once the parser returns
        waiter, self.waiter = self.waiter, None
        self.keep_alive = keep_alive
        if waiter is not None and not waiter.done():
            status = self.parser.get_status_code()
            waiter.set_result(UpstreamResponse(status, self.headers, b"".join(self.chunks)))

    def _fail(self, exc: BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.size > self.max_body:
            self._fail(_TooLarge())
        elif self.waiter is not None and self.headers_done and not self.head:
            self._finish(keep_alive=False)  # a response delimited by the end of the connection
        else:
            self._fail(_Lost(fresh=not self.started))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UpstreamClient:
    """Keep-alive pools per back end; ``call`` turns every network failure into a PR-REST error."""

    def __init__(self, *, connect_timeout_s: float, max_response_bytes: int, pool_size: int = 256) -> None:
        self._connect_timeout = connect_timeout_s
        self._max = max_response_bytes
        self._pool_size = pool_size
        self._idle: dict[Upstream, list[_Connection]] = {}
        self._ssl: ssl.SSLContext | None = None
        self._started = False

    async def start(self) -> None:
        self._started = True

    async def close(self) -> None:
        self._started = False
        for pool in self._idle.values():
            for connection in pool:
                connection.close()
        self._idle.clear()

    async def call(
        self, upstream: Upstream, method: str, target: bytes, headers: Headers, body: bytes, timeout_s: float
    ) -> UpstreamResponse:
        """One request; timeouts and network failures become ``Server.ServerProxy.NetworkError``."""
        if not self._started:
            raise GatewayError(xe.INTERNAL_ERROR, "upstream client not started")
        data = _serialize(method, target, upstream.host_header, headers, body)
        deadline = asyncio.get_running_loop().time() + timeout_s
        try:
            return await self._exchange(upstream, data, method == "HEAD", deadline)
        except TimeoutError:
            raise GatewayError(xe.NETWORK_ERROR, f"the service did not answer within {timeout_s:g} s") from None
        except _TooLarge:
            raise GatewayError(xe.SERVICE_FAILED, "the service's response exceeds the maximum message size") from None
        except (OSError, _Lost, httptools.HttpParserError) as exc:
            raise GatewayError(xe.NETWORK_ERROR, f"the service could not be reached: {type(exc).__name__}") from None

    async def _exchange(self, upstream: Upstream, data: bytes, head: bool, deadline: float) -> UpstreamResponse:
        connection, reused = await self._acquire(upstream, deadline)
        try:
            response = await connection.send(data, head, deadline)
        except _Lost as lost:
            if not (reused and lost.fresh):
                raise
            connection, _ = await self._acquire(upstream, deadline, fresh=True)  # the idle one had gone stale
            response = await connection.send(data, head, deadline)
        self._release(upstream, connection)
        return response

    async def _acquire(self, upstream: Upstream, deadline: float, fresh: bool = False) -> tuple[_Connection, bool]:
        pool = self._idle.get(upstream)
        while pool and not fresh:
            connection = pool.pop()
            if not connection.closed:
                return connection, True
        return await self._connect(upstream, deadline), False

    async def _connect(self, upstream: Upstream, deadline: float) -> _Connection:
        loop = asyncio.get_running_loop()
        context = self._ssl_context() if upstream.scheme == "https" else None
        opening = loop.create_connection(
            lambda: _Connection(self._max),
            upstream.host,
            upstream.port,
            ssl=context,
            server_hostname=upstream.host if context else None,
        )
        try:
            limit = min(self._connect_timeout, deadline - loop.time())
            _, protocol = await asyncio.wait_for(opening, max(limit, 0.001))
        except TimeoutError:
            raise OSError("connect timeout") from None
        return protocol

    def _release(self, upstream: Upstream, connection: _Connection) -> None:
        pool = self._idle.setdefault(upstream, [])
        if connection.keep_alive and not connection.closed and len(pool) < self._pool_size:
            pool.append(connection)
        else:
            connection.close()

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl


def _serialize(method: str, target: bytes, host: bytes, headers: Headers, body: bytes) -> bytes:
    """The request in one buffer: request line, ``Host``, the forwarded headers, framing, body."""
    parts = [method.encode(), b" ", target, b" HTTP/1.1\r\nhost: ", host, CRLF]
    for name, value in headers:
        parts += [name, b": ", value, CRLF]
    if body or method in ("POST", "PUT", "PATCH"):
        parts += [b"content-length: ", str(len(body)).encode(), CRLF]
    parts += [CRLF, body]
    return b"".join(parts)
