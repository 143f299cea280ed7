"""The gateway node's own HTTP/1.1 server: ``asyncio.Protocol`` with httptools' request parser and a
response written in one ``transport.write`` — no ASGI messages, no per-request dictionaries.

Chosen by measurement against uvicorn's ASGI layer (bench/interop/README.md). It does what the data plane
needs and no more: keep-alive, pipelining (answered in order), ``Expect: 100-continue``, request bodies
buffered up to the message limit (the rest is discarded, the call refused), ``Connection: close`` and
HTTP/1.0. Anything the handler does not serve is answered by ``fallback``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from http import HTTPStatus

import httptools

from spbe.interop.exchange import RawRequest
from spbe.interop.gateway import Reply
from spbe.interop.tls import peer_certificate

CRLF = b"\r\n"
Handler = Callable[[RawRequest], Awaitable[Reply]]
MAX_PIPELINE = 16
MAX_HEAD_BYTES = 64 * 1024  # request line + headers; more is refused (400) before any work is done
KEEP_ALIVE_S = 75.0  # an idle kept-alive connection is closed after this
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _status_line(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return f"HTTP/1.1 {status} {phrase}\r\n".encode()


_STATUS_LINES = {status.value: _status_line(status.value) for status in HTTPStatus}


class _Clock:
    """The ``Date`` header line, formatted at most once a second."""

    second, line = 0, b""

    @classmethod
    def date_line(cls) -> bytes:
        now = int(time.time())
        if now != cls.second:
            cls.second, cls.line = now, b"date: " + formatdate(now, usegmt=True).encode() + CRLF
        return cls.line


def encode_reply(reply: Reply, keep_alive: bool, head: bool) -> bytes:
    """Status line, headers, framing and body in one buffer."""
    parts = [_STATUS_LINES.get(reply.status) or _status_line(reply.status)]
    for name, value in reply.headers:
        parts += [name, b": ", value, CRLF]
    parts += [b"content-length: ", str(len(reply.body)).encode(), CRLF, _Clock.date_line()]
    if not keep_alive:
        parts.append(b"connection: close\r\n")
    parts.append(CRLF)
    if not head:
        parts.append(reply.body)
    return b"".join(parts)


class HttpProtocol(asyncio.Protocol):
    """One client connection; requests are handled one after the other, answers in order."""

    def __init__(self, handler: Handler, max_body: int) -> None:
        self.handler, self.max_body = handler, max_body
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.peer: str | None = None
        self.peer_certificate: str | None = None
        self.queue: deque[tuple[RawRequest, bool]] = deque()
        self.task: asyncio.Task[None] | None = None
        self.closed = False
        self.idle: asyncio.TimerHandle | None = None
        self._begin()

    def _begin(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.size, self.too_large, self.expect, self.head_bytes = 0, False, False, 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if isinstance(peer, tuple) else None
        self.peer_certificate = peer_certificate(transport)  # once per connection (TLS is set up by now)
        self._arm_idle_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True  # a call in progress still completes (and is logged); its answer is dropped
        if self.idle is not None:
            self.idle.cancel()

    def _arm_idle_timer(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
        if self.transport is not None:
            self.idle = asyncio.get_running_loop().call_later(KEEP_ALIVE_S, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            self._refuse()
        if self.task is None and not self.closed:
            self._arm_idle_timer()  # silence before (the rest of) a request also ends the connection

    def _refuse(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(_BAD_REQUEST)
            self.transport.close()
        self.closed = True

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._begin()

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count_head(len(url))

    def _count_head(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > MAX_HEAD_BYTES:
            raise ValueError("request head too large")  # httptools turns it into HttpParserCallbackError

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        name = name.lower()
        self.headers.append((name, value))
        if name == b"expect":
            self.expect = value.lower() == b"100-continue"

    def on_headers_complete(self) -> None:
        if self.expect and self.transport is not None:
            self.transport.write(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.max_body:
            self.too_large, self.chunks = True, []
        elif not self.too_large:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        path, _, query = self.url.partition(b"?")
        method = self.parser.get_method().decode("ascii", "replace")
        request = RawRequest(
            method,
            path.decode("latin-1"),
            query,
            self.headers,
            self.peer,
            b"".join(self.chunks),
            self.too_large,
            self.peer_certificate,
        )
        self.queue.append((request, self.parser.should_keep_alive()))
        if len(self.queue) > MAX_PIPELINE and self.transport is not None:
            self.transport.pause_reading()
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._serve())

    async def _serve(self) -> None:
        try:
            while self.queue:
                request, keep_alive = self.queue.popleft()
                reply = await self.handler(request)
                if not self._answer(reply, keep_alive, request.method == "HEAD"):
                    return
        finally:
            self.task = None
            if not self.closed:
                self._arm_idle_timer()

    def _answer(self, reply: Reply, keep_alive: bool, head: bool) -> bool:
        transport = self.transport
        if transport is None or self.closed:
            return False
        transport.write(encode_reply(reply, keep_alive, head))
        if not keep_alive:
            transport.close()
            self.closed = True
            return False
        if len(self.queue) <= MAX_PIPELINE:
            transport.resume_reading()
        return True
