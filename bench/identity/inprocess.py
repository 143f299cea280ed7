"""In-process cost of one token request (client credentials, private_key_jwt): the whole ASGI app driven
without a socket, so the figure excludes HTTP parsing and the load generator.

Run: ``.venv/bin/python bench/identity/inprocess.py [--requests 2000] [--concurrency 50] [--profile]``
(``--concurrency 1`` serves one request at a time; CPU time includes the database threads).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import ECKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from identity.setup import MACHINE_ID, prepare

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def assertion(key: ECKey, audience: str) -> str:
    now = int(time.time())
    claims = {"iss": MACHINE_ID, "sub": MACHINE_ID, "aud": audience, "iat": now, "exp": now + 110}
    claims["jti"] = uuid.uuid4().hex
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key, algorithms=["ES256"])


async def call(app: Any, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/oidc/token",
        "raw_path": b"/oidc/token",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def run(arguments: argparse.Namespace) -> None:
    from spbe.app import create_app
    from spbe.core.config import load_settings

    with tempfile.TemporaryDirectory(prefix="spbe-inprocess-") as folder:
        base = "http://127.0.0.1:8000"
        key, _ = prepare(Path(folder), base, 0)
        settings = load_settings(data_dir=Path(folder), public_url=base, log_level="WARNING")
        app = create_app(settings)
        if arguments.direct:  # the token middleware alone, without the framework's outer layers
            from spbe.identity.oidc.fastpath import TokenEndpoint

            framework, endpoint = app, TokenEndpoint(app)

            async def direct(scope: dict[str, Any], receive: Any, send: Any) -> None:
                await endpoint({**scope, "app": framework}, receive, send)

            app = direct  # type: ignore[assignment]
        bodies = [
            urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": assertion(key, base),
                }
            ).encode()
            for _ in range(arguments.requests + 50)
        ]
        for body in bodies[:50]:
            assert await call(app, body) == 200
        profiler = cProfile.Profile() if arguments.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        statuses: list[int] = []
        for first in range(50, len(bodies), arguments.concurrency):
            statuses += await asyncio.gather(
                *(call(app, body) for body in bodies[first : first + arguments.concurrency])
            )
        if profiler:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert all(status == 200 for status in statuses), set(statuses)
        replay = await call(app, bodies[60])
        print(
            f"{arguments.requests} token requests, {arguments.concurrency} at a time, in-process: "
            f"{elapsed / arguments.requests * 1000:.3f} ms wall, {cpu / arguments.requests * 1000:.3f} ms CPU "
            f"per request; a replayed assertion -> {replay}"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats(arguments.sort).print_stats(arguments.top)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--direct", action="store_true", help="skip the framework's outer middleware")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=60)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
