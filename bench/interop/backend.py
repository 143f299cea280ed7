"""Stand-in agency back end for the benchmark: raw ASGI, no framework, answers 1 KB of JSON."""

from __future__ import annotations

import json
from typing import Any

BODY = json.dumps({"data": "x" * 1000}).encode()[:1024]
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
