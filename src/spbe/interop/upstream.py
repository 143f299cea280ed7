"""Outbound calls to registered back ends: a small HTTP/1.1 client on ``asyncio.Protocol`` and httptools'
response parser, with a keep-alive connection pool per back end.

Chosen by measurement (bench/interop/README.md): httpx.AsyncClient managed a few hundred req/s here,
aiohttp's client ~1,500 through the whole gateway (≈460 µs per call in ``ClientSession._request``); this
client does one ``transport.write`` per request and parses the answer in C. Redirects are never followed,
bodies are passed through as sent (never decompressed), and every call has a total timeout.

SSRF: a back end registered by *name* could resolve to the cloud metadata service, a link-local or
multicast address, or (in production) loopback. So the client resolves the name itself, checks every
address with the registration rules (``backend_urls.address_problem``) and connects to a checked
address — never to a name the kernel resolves again. Answers are cached per host and port for
``DNS_TTL_S`` (only new connections resolve; keep-alive connections are reused as before).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from dataclasses import dataclass

import httptools

from spbe.interop import xroad_errors as xe
from spbe.interop.backend_urls import address_problem, host_problem
from spbe.interop.snapshot import Upstream
from spbe.interop.xroad_errors import GatewayError

CRLF = b"\r\n"
DNS_TTL_S = 30.0
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

    def __init__(
        self,
        *,
        connect_timeout_s: float,
        max_response_bytes: int,
        pool_size: int = 256,
        allow_loopback: bool = True,
        dns_ttl_s: float = DNS_TTL_S,
    ) -> None:
        """``allow_loopback`` is False in production (the node passes it)."""
        self._resolver = _Resolver(allow_loopback, dns_ttl_s)
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
        limit = max(min(self._connect_timeout, deadline - loop.time()), 0.001)
        try:
            addresses = await asyncio.wait_for(self._resolver.addresses(upstream.host, upstream.port), limit)
        except TimeoutError:
            raise OSError("name resolution timeout") from None
        failure: OSError = OSError("no address")
        for address in addresses:
            opening = loop.create_connection(
                lambda: _Connection(self._max),
                address,
                upstream.port,
                ssl=context,
                server_hostname=upstream.host if context else None,
            )
            try:
                limit = max(min(self._connect_timeout, deadline - loop.time()), 0.001)
                _, protocol = await asyncio.wait_for(opening, limit)
            except TimeoutError:
                failure = OSError("connect timeout")
            except OSError as exc:
                failure = exc
            else:
                return protocol
        raise failure

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


class _Resolver:
    """Resolve a back end's host and refuse it if any address is one the gateway must never call."""

    def __init__(self, allow_loopback: bool, ttl_s: float) -> None:
        self.allow_loopback, self.ttl_s = allow_loopback, ttl_s
        self._cache: dict[tuple[str, int], tuple[float, list[str] | str]] = {}

    async def addresses(self, host: str, port: int) -> list[str]:
        """Checked addresses to connect to; a refused host is a ``GatewayError`` naming the reason."""
        loop = asyncio.get_running_loop()
        cached = self._cache.get((host, port))
        if cached is None or cached[0] <= loop.time():
            cached = (loop.time() + self.ttl_s, await self._resolve(loop, host, port))
            self._cache[(host, port)] = cached
        result = cached[1]
        if isinstance(result, str):
            raise GatewayError(xe.NETWORK_ERROR, f"the service's address is refused: {result}")
        return result

    async def _resolve(self, loop: asyncio.AbstractEventLoop, host: str, port: int) -> list[str] | str:
        problem = host_problem(host, allow_loopback=self.allow_loopback)
        if problem:
            return problem
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)  # OSError: not cached
            found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        else:
            found = [str(literal)]
        for text in found:
            problem = address_problem(
                ipaddress.ip_address(text.split("%")[0]), f"{host} ({text})", allow_loopback=self.allow_loopback
            )
            if problem:
                return problem  # one bad answer refuses the name: DNS could hand either out
        return found


def _serialize(method: str, target: bytes, host: bytes, headers: Headers, body: bytes) -> bytes:
    """The request in one buffer: request line, ``Host``, the forwarded headers, framing, body."""
    parts = [method.encode(), b" ", target, b" HTTP/1.1\r\nhost: ", host, CRLF]
    for name, value in headers:
        parts += [name, b": ", value, CRLF]
    if body or method in ("POST", "PUT", "PATCH"):
        parts += [b"content-length: ", str(len(body)).encode(), CRLF]
    parts += [CRLF, body]
    return b"".join(parts)
