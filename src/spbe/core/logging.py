"""Structured logging: one JSON object per line, NIK values masked before anything is written.

Personal data (UU 27/2022 PDP): any run of exactly 16 digits — the shape of a NIK or a family card
number — is masked to ``3273********0009`` in every log record, whatever logger produced it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NIK_PATTERN = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_logger = logging.getLogger("spbe.access")


def mask_nik(text: str) -> str:
    """Mask every 16-digit run: ``3273056010900009`` → ``3273********0009``."""
    return NIK_PATTERN.sub(r"\1********\2", text)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; fields passed in ``extra={"fields": {...}}`` are merged."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return mask_nik(json.dumps(data, ensure_ascii=False, default=str))


class ConsoleFormatter(logging.Formatter):
    """Human-readable lines for a developer's terminal, masked like the JSON ones."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        suffix = " ".join(f"{key}={value}" for key, value in fields.items())
        return mask_nik(f"{super().format(record)} {suffix}".rstrip())


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's) through one masked handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ConsoleFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # replaced by our access line
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz inspects migrations on every call


class RequestLogMiddleware:
    """Gives each request an id (``X-Request-Id``) and logs one line when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _log_request(scope, request_id, status, time.perf_counter() - started)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate: str = value.decode("latin-1")
            return candidate if _REQUEST_ID_SAFE.match(candidate) else None
    return None


def _log_request(scope: Scope, request_id: str, status: int, seconds: float) -> None:
    route = scope.get("route")
    fields = {
        "request_id": request_id,
        "method": scope.get("method"),
        "route": getattr(route, "path", None) or scope.get("path"),
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
    }
    access_logger.info("request", extra={"fields": fields})
