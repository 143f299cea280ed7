"""A real HTTP server on 127.0.0.1 in a thread, for tests of the provider's outgoing calls (back-channel
logout receivers, an RP's jwks_uri). Each path answers with a configurable status, body and delay."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass
class Receiver:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    posts: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)

    def forms(self, path: str) -> list[dict[str, list[str]]]:
        return [form for where, form, _ in self.posts if where == path]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _answer(self) -> None:
            route = receiver.routes.get(self.path, Route(status=404))
            if route.delay:
                time.sleep(route.delay)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            try:
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):  # the client stopped reading (size limit)
                return

        def do_GET(self) -> None:
            receiver.gets.append(self.path)
            self._answer()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            receiver.posts.append((self.path, parse_qs(body), dict(self.headers)))
            self._answer()

    return Handler


@contextmanager
def serving() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver("")))
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
