"""Run a stand-alone gateway node (``spbe interop gateway``) on the gateway's own HTTP server
(``httpserver.py``): one process per worker, each with its own uvloop event loop, message-log stream and
listening socket on the same port (``SO_REUSEPORT``: the kernel spreads connections over the workers).

Besides the data plane a node answers ``/healthz`` and, outside production, the demo back end.
SIGTERM/SIGINT stop it cleanly (the message log is closed with its last batch durable); SIGKILL loses
nothing that was acknowledged, since every answer waits for its record's ``fdatasync``.
"""

from __future__ import annotations

import asyncio
import errno
import json
import multiprocessing
import signal
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from spbe.core.config import get_settings
from spbe.core.db import create_db_engine, make_session_factory
from spbe.core.errors import ConfigurationError
from spbe.interop import demo_backend
from spbe.interop.exchange import RawRequest
from spbe.interop.gateway import Gateway, Reply
from spbe.interop.httpserver import Handler, HttpProtocol
from spbe.interop.node import GatewayNode
from spbe.interop.settings import get_gateway_settings
from spbe.interop.tls import server_context

JSON = b"application/json"
_HEALTH = json.dumps({"status": "ok", "service": "splp-gateway"}).encode()


AppFactory = Callable[[], Any]


def serve(host: str, port: int, workers: int, fallback_factory: AppFactory | None = None) -> None:
    """Run ``workers`` worker processes until SIGTERM/SIGINT (one runs in this process).

    ``fallback_factory`` (a module-level function, so worker processes can import it) builds an ASGI app
    that answers every path the data plane does not, e.g. ``spbe serve --only interop``'s FastAPI app;
    its responses are buffered (no streaming, no WebSockets).
    """
    _listen(host, port, workers > 1).close()  # a busy port: one clear error, before any log stream exists
    if workers == 1:
        _worker(host, port, False, fallback_factory)
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_worker, args=(host, port, True, fallback_factory), daemon=False) for _ in range(workers)
    ]
    for child in children:
        child.start()
    _forward_signals(children)
    for child in children:
        child.join()


def _forward_signals(children: list[Any]) -> None:
    def stop(_signum: int, _frame: Any) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _worker(host: str, port: int, reuse_port: bool, fallback_factory: AppFactory | None = None) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency; plain asyncio works too
        pass
    asyncio.run(_run(host, port, reuse_port, fallback_factory() if fallback_factory else None))


def _listen(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        raise ConfigurationError(f"Cannot listen on {host}:{port}: {reason}.") from None
    sock.setblocking(False)
    return sock


async def _run(host: str, port: int, reuse_port: bool, fallback: Any = None) -> None:
    core, settings = get_settings(), get_gateway_settings()
    listening = _listen(host, port, reuse_port)  # first: no message-log stream for a node that cannot serve
    node = GatewayNode(core, settings, make_session_factory(create_db_engine(core.resolved_database_url)))
    gateway = await node.start()
    lifespan = await Lifespan.start(fallback) if fallback is not None else None
    handler = make_handler(gateway, demo=settings.demo_backend and not core.is_production, fallback=fallback)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpProtocol(handler, settings.max_message_bytes),
        sock=listening,
        backlog=4096,
        ssl=server_context(settings),
    )
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    server.close()
    await asyncio.sleep(0.2)  # let calls in flight finish and be logged
    if lifespan is not None:
        await lifespan.stop()
    await node.stop()


def make_handler(gateway: Gateway, *, demo: bool, fallback: Any = None) -> Handler:
    """The node's request handler: the data plane, then the fallback app, ``/healthz``, the demo back end."""

    async def handle(request: RawRequest) -> Reply:
        try:
            reply = await gateway.handle_raw(request)
            if reply is not None:
                return reply
            if fallback is not None:
                return await call_asgi(fallback, request)
            if request.raw_path == "/healthz":
                return Reply(200, [(b"content-type", JSON)], _HEALTH)
            if demo and request.raw_path.startswith(demo_backend.PREFIX):
                return await call_asgi(demo_backend.app, request)
            return Reply(404, [(b"content-type", b"text/plain")], b"not found\n")
        except Exception:
            return Reply(500, [(b"content-type", b"text/plain")], b"internal error\n")

    return handle


async def call_asgi(app: Any, request: RawRequest) -> Reply:
    """Serve one buffered request with an ASGI app (the demo back end)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote(request.raw_path),
        "raw_path": request.raw_path.encode("latin-1"),
        "query_string": request.query,
        "root_path": "",
        "headers": request.headers,
        "client": (request.peer, 0) if request.peer else None,
    }
    answer: dict[str, Any] = {"status": 500, "headers": [], "body": []}
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"], answer["headers"] = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            answer["body"].append(message.get("body", b""))

    await app(scope, receive, send)
    headers = [(n.lower(), v) for n, v in answer["headers"] if n.lower() != b"content-length"]
    return Reply(answer["status"], headers, b"".join(answer["body"]))


class Lifespan:
    """ASGI lifespan of the fallback app: startup before serving, shutdown after."""

    def __init__(self, app: Any) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.events = {"startup": asyncio.Event(), "shutdown": asyncio.Event()}
        self.task = asyncio.get_running_loop().create_task(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, self.inbox.get, self._send)
        )

    @classmethod
    async def start(cls, app: Any) -> Lifespan:
        lifespan = cls(app)
        await lifespan._step("startup")
        return lifespan

    async def stop(self) -> None:
        await self._step("shutdown")

    async def _step(self, phase: str) -> None:
        await self.inbox.put({"type": f"lifespan.{phase}"})
        done = asyncio.ensure_future(self.events[phase].wait())
        await asyncio.wait({done, self.task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)

    async def _send(self, message: dict[str, Any]) -> None:
        phase = message["type"].split(".")[1]  # lifespan.startup.complete / .failed, lifespan.shutdown...
        if phase in self.events:
            self.events[phase].set()
