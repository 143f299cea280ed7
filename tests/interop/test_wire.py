"""The gateway node's own HTTP server and its upstream client, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from spbe.interop import xroad_errors as xe
from spbe.interop.exchange import RawRequest
from spbe.interop.gateway import Reply
from spbe.interop.httpserver import HttpProtocol
from spbe.interop.snapshot import Upstream
from spbe.interop.upstream import UpstreamClient
from spbe.interop.xroad_errors import GatewayError

Answer = Callable[[bytes], bytes | None]


async def _echo(request: RawRequest) -> Reply:
    body = f"{request.method} {request.raw_path}?{request.query.decode()} {len(request.body)}".encode()
    headers = [(b"x-too-large", b"1" if request.body_too_large else b"0")]
    return Reply(200, headers, body)


async def _exchange(raw: bytes, handler: Callable[[RawRequest], Awaitable[Reply]] = _echo) -> bytes:
    """Send ``raw`` to a fresh server and read until it closes the connection."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpProtocol(handler, 100), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    data = await asyncio.wait_for(reader.read(-1), 5)
    writer.close()
    server.close()
    return data


def test_server_keeps_alive_and_answers_pipelined_requests_in_order() -> None:
    raw = b"GET /a?x=1 HTTP/1.1\r\nHost: gw\r\n\r\nPOST /b HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nabc"
    raw += b"GET /c HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"
    data = asyncio.run(_exchange(raw))
    assert data.count(b"HTTP/1.1 200 OK") == 3
    assert data.index(b"GET /a?x=1 0") < data.index(b"POST /b? 3") < data.index(b"GET /c? 0")
    assert data.rstrip().endswith(b"GET /c? 0")
    assert b"connection: close" in data


def test_server_discards_an_oversized_body_and_flags_it() -> None:
    raw = b"POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 150\r\nConnection: close\r\n\r\n" + b"x" * 150
    data = asyncio.run(_exchange(raw))
    assert b"x-too-large: 1" in data
    assert b"POST /a? 0" in data


def test_server_answers_expect_continue_and_refuses_garbage() -> None:
    raw = b"POST /a HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    data = asyncio.run(_exchange(raw))
    assert data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
    assert asyncio.run(_exchange(b"NOT HTTP AT ALL\r\n\r\n")).startswith(b"HTTP/1.1 400")


def test_server_sends_no_body_for_head() -> None:
    data = asyncio.run(_exchange(b"HEAD /a HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"))
    assert b"content-length: 10" in data
    assert data.endswith(b"\r\n\r\n")


async def _backend(answer: Answer) -> tuple[asyncio.Server, Upstream, list[bytes]]:
    """A raw back end: ``answer`` maps each request to the bytes to send (None: close without answering)."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                seen.append(request)
                reply = answer(request)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
                if b"connection: close" in reply.lower():
                    break
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, Upstream.parse(f"http://127.0.0.1:{port}/base"), seen


def _call(answer: Answer, requests: int = 1, method: str = "GET") -> tuple[list[int | bytes], list[bytes]]:
    async def main() -> tuple[list[int | bytes], list[bytes]]:
        server, upstream, seen = await _backend(answer)
        client = UpstreamClient(connect_timeout_s=1, max_response_bytes=64)
        await client.start()
        results: list[int | bytes] = []
        try:
            for _ in range(requests):
                response = await client.call(upstream, method, b"/base/x?q=1", [(b"x-a", b"1")], b"", 2)
                results += [response.status, response.body]
        except GatewayError as error:
            results.append(error.error_type.encode())
        await client.close()
        server.close()
        return results, seen

    return asyncio.run(main())


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_client_reuses_the_connection_and_sends_the_registered_host() -> None:
    results, seen = _call(lambda _: OK, requests=3)
    assert results == [200, b"ok"] * 3
    assert seen[0].startswith(b"GET /base/x?q=1 HTTP/1.1\r\nhost: 127.0.0.1:")
    assert b"x-a: 1\r\n" in seen[0]


def test_client_reads_chunked_and_close_delimited_bodies() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"
    assert _call(lambda _: chunked)[0] == [200, b"abc"]
    assert _call(lambda _: b"HTTP/1.1 201 Created\r\nConnection: close\r\n\r\nuntil-close")[0] == [201, b"until-close"]


def test_client_head_ignores_the_announced_length() -> None:
    assert _call(lambda _: b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", method="HEAD")[0] == [200, b""]


def test_client_errors_are_pr_rest_errors() -> None:
    too_big = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 100
    assert _call(lambda _: too_big)[0] == [xe.SERVICE_FAILED.encode()]
    assert _call(lambda _: None)[0] == [xe.NETWORK_ERROR.encode()]
    assert _call(lambda _: b"garbage\r\n\r\n")[0] == [xe.NETWORK_ERROR.encode()]


def test_client_retries_once_when_an_idle_connection_went_stale() -> None:
    answers = iter([OK, None])  # the second request on the kept-alive connection finds it closed

    def answer(_: bytes) -> bytes | None:
        return next(answers, OK)

    results, seen = _call(answer, requests=2)
    assert results == [200, b"ok"] * 2
    assert len(seen) == 3


@pytest.mark.parametrize("url", ["ftp://x/", "http:///nohost"])
def test_only_http_back_ends_register(url: str) -> None:
    with pytest.raises(ValueError, match="back-end URL"):
        Upstream.parse(url)


def test_node_falls_back_to_an_asgi_app_with_its_lifespan() -> None:
    from typing import Any

    from spbe.interop.noderun import Lifespan, make_handler

    phases: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                phases.append(message["type"])
                await send({"type": "lifespan.startup.complete"})
            phases.append(message["type"])
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = (await receive())["body"]
        await send({"type": "http.response.start", "status": 201, "headers": [(b"Content-Length", b"9")]})
        await send({"type": "http.response.body", "body": scope["path"].encode() + b":" + body})

    class NoDataPlane:
        async def handle_raw(self, request: RawRequest) -> None:
            return None

    async def main() -> Reply:
        lifespan = await Lifespan.start(app)
        handler = make_handler(NoDataPlane(), demo=False, fallback=app)  # type: ignore[arg-type]
        reply = await handler(RawRequest("POST", "/api/v1/x%20y", b"", [], "127.0.0.1", b"hi"))
        await lifespan.stop()
        return reply

    reply = asyncio.run(main())
    assert (reply.status, reply.body, reply.headers) == (201, b"/api/v1/x y:hi", [])
    assert phases == ["lifespan.startup", "lifespan.shutdown"]


def test_server_refuses_an_oversized_request_head() -> None:
    raw = b"GET /a HTTP/1.1\r\nHost: gw\r\n" + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    assert asyncio.run(_exchange(raw)).startswith(b"HTTP/1.1 400")


def test_server_closes_a_connection_that_stays_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    from spbe.interop import httpserver

    monkeypatch.setattr(httpserver, "KEEP_ALIVE_S", 0.2)
    assert asyncio.run(_exchange(b"GET /a HTTP/1.1\r\nHost: gw\r\n")) == b""  # half a request, then silence
