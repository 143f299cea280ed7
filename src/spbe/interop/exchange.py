"""One X-Road REST exchange through the gateway, from the raw ASGI request to the provider's answer.

Every step that can refuse the call raises ``GatewayError``; ``gateway.py`` turns that into the PR-REST
error response and writes the message-log record either way.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from spbe.interop import xroad_errors as xe
from spbe.interop.auth import AuthenticationFailed, CallerAuthenticator, Credentials
from spbe.interop.http_headers import IncomingHeaders, read_request_headers
from spbe.interop.identifiers import ClientId, InvalidIdentifier, ServiceId, parse_client, parse_r1_path
from spbe.interop.quota import QuotaTracker
from spbe.interop.request_hash import request_hash, serialize_request
from spbe.interop.snapshot import ClientEntry, ServiceEntry, Snapshot
from spbe.interop.xroad_errors import GatewayError

Receive = Any


@dataclass(slots=True)
class RawRequest:
    """A request as the gateway's own HTTP server hands it over: body already read (up to the limit)."""

    method: str
    raw_path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]  # names lower-case, in arrival order
    peer: str | None
    body: bytes = b""
    body_too_large: bool = False
    peer_certificate: str | None = None  # SHA-256 of the TLS client certificate the server verified


@dataclass(slots=True)
class Exchange:
    """What the gateway knows about one call, filled in as it goes (and logged at the end)."""

    method: str
    raw_path: str
    query: bytes
    peer: str | None
    request_in: float = field(default_factory=time.time)
    headers: IncomingHeaders = field(default_factory=IncomingHeaders)
    message_id: str = ""
    request_id: str = field(default_factory=lambda: new_uuid())
    client: ClientId | None = None
    service: ServiceId | None = None
    service_path: str = ""
    body: bytes = b""
    request_hash: str = ""
    request_out: float = 0.0
    response_in: float = 0.0
    denial: str | None = None
    service_known: bool = False  # the service (or metaservice provider) is registered: a safe metrics label
    receive: Receive | None = None  # ASGI: the body is read only once the call is allowed
    body_too_large: bool = False
    peer_certificate: str | None = None


def start(scope: dict[str, Any], receive: Receive) -> Exchange:
    """An exchange from an ASGI request (the platform app's middleware, tests)."""
    raw = scope.get("raw_path") or scope["path"].encode()
    peer = scope.get("client")
    exchange = Exchange(
        scope["method"], raw.decode("latin-1"), scope.get("query_string", b""), peer[0] if peer else None
    )
    exchange.receive = receive
    return _identify_message(exchange, scope["headers"])


def start_raw(request: RawRequest) -> Exchange:
    """An exchange from the gateway node's own HTTP server."""
    exchange = Exchange(request.method, request.raw_path, request.query, request.peer)
    exchange.body, exchange.body_too_large = request.body, request.body_too_large
    exchange.peer_certificate = request.peer_certificate
    return _identify_message(exchange, request.headers)


def _identify_message(exchange: Exchange, raw_headers: list[tuple[bytes, bytes]]) -> Exchange:
    exchange.headers = read_request_headers(raw_headers)
    given = exchange.headers.message_id
    exchange.message_id = given.decode("latin-1") if given else new_uuid()
    return exchange


def check_uri(exchange: Exchange, max_length: int) -> None:
    if len(exchange.raw_path) + len(exchange.query) > max_length:
        raise GatewayError(xe.BAD_REQUEST, f"request URI longer than {max_length} characters")


def identify_client(exchange: Exchange, snapshot: Snapshot) -> ClientEntry:
    header = exchange.headers.client
    if header is None:
        raise GatewayError(xe.BAD_REQUEST, "missing X-Road-Client header")
    try:
        client = parse_client(header.decode("utf-8"))
    except (InvalidIdentifier, UnicodeDecodeError) as exc:
        raise GatewayError(xe.INVALID_CLIENT, f"malformed X-Road-Client: {exc}") from None
    exchange.client = client
    if client.subsystem is None:
        raise GatewayError(xe.INVALID_CLIENT, "X-Road-Client must name a subsystem")
    entry = snapshot.clients.get(client)
    if entry is None:
        raise GatewayError(xe.UNKNOWN_MEMBER, f"client {client} is not registered")
    return entry


def authenticate(exchange: Exchange, snapshot: Snapshot, authenticator: CallerAuthenticator) -> None:
    assert exchange.client is not None
    try:
        headers = exchange.headers
        credentials = Credentials(headers.api_key, headers.bearer, exchange.peer, exchange.peer_certificate)
        authenticator.authenticate(snapshot, exchange.client, credentials)
    except AuthenticationFailed as exc:
        exchange.denial = "authentication"
        raise GatewayError(xe.AUTH_FAILED, str(exc)) from None


def resolve_service(exchange: Exchange, snapshot: Snapshot) -> ServiceEntry:
    try:
        target = parse_r1_path(exchange.raw_path)
    except InvalidIdentifier as exc:
        raise GatewayError(xe.INVALID_SERVICE, f"malformed service identifier: {exc}") from None
    exchange.service, exchange.service_path = target.service, target.service_path
    _check_service_path(target.service_path)
    entry = snapshot.services.get(target.service)
    if entry is None:
        raise GatewayError(xe.UNKNOWN_SERVICE, f"unknown service {target.service}")
    exchange.service_known = True
    if not entry.enabled:
        raise GatewayError(xe.SERVICE_DISABLED, f"service {target.service} is disabled")
    return entry


def _check_service_path(path: str) -> None:
    """No dot segments, backslashes or control characters: the path must mean what access control saw."""
    decoded = unquote(path) if "%" in path else path
    if _ILLEGAL_PATH.search(decoded) is not None:
        raise GatewayError(xe.BAD_REQUEST, "the service path contains dot segments or illegal characters")


_ILLEGAL_PATH = re.compile(r"[\x00-\x20\x7f\\]|(?:^|/)\.\.?(?:/|$)")


def new_uuid() -> str:
    """A random (version 4) UUID as text; ``str(uuid.uuid4())`` without the object."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def authorize(exchange: Exchange, service: ServiceEntry, client: ClientEntry) -> None:
    if not service.allowed(client, exchange.method, unquote(exchange.service_path) or "/"):
        exchange.denial = "access"
        raise GatewayError(xe.ACCESS_DENIED, f"{client.id} may not call {exchange.method} on {service.id}")


def apply_quota(exchange: Exchange, service: ServiceEntry, quotas: QuotaTracker) -> None:
    assert exchange.client is not None
    wait = quotas.check(service, exchange.client)
    if wait is not None:
        exchange.denial = "quota"
        raise GatewayError(xe.QUOTA_EXCEEDED, f"quota for {service.id} exhausted", retry_after=wait)


async def read_body(exchange: Exchange, limit: int) -> None:
    declared = exchange.headers.content_length
    if (declared is not None and (declared < 0 or declared > limit)) or exchange.body_too_large:
        raise GatewayError(xe.MESSAGE_TOO_LARGE, f"request body larger than {limit} bytes")
    if exchange.receive is not None:
        exchange.body = await _receive_body(exchange.receive, limit)


async def _receive_body(receive: Receive, limit: int) -> bytes:
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise GatewayError(xe.BAD_REQUEST, "client disconnected while sending the body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise GatewayError(xe.MESSAGE_TOO_LARGE, f"request body larger than {limit} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def upstream_headers(exchange: Exchange) -> list[tuple[bytes, bytes]]:
    """Headers for the back end (and, serialised, for the request hash)."""
    assert exchange.client is not None
    assert exchange.service is not None
    headers = list(exchange.headers.forward)
    if not exchange.headers.has_accept:
        headers.append((b"accept", b"application/json"))
    headers += [
        (b"x-road-client", exchange.client.encoded),
        (b"x-road-service", exchange.service.encoded),
        (b"x-road-id", exchange.message_id.encode("latin-1")),
        (b"x-road-request-id", exchange.request_id.encode()),
    ]
    serialized = serialize_request(exchange.method, exchange.raw_path, exchange.query, headers)
    exchange.request_hash = request_hash(serialized, exchange.body)
    return headers


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
