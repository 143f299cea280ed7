"""Header handling of PR-REST §4.3: what is dropped, what passes untouched, what the gateway sets."""

from __future__ import annotations

from dataclasses import dataclass, field

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
HOST_LEAKING = frozenset({b"host", b"user-agent", b"server"})
XROAD_RESPONSE = frozenset(
    {b"x-road-client", b"x-road-service", b"x-road-id", b"x-road-request-id", b"x-road-request-hash", b"x-road-error"}
)
_REQUEST_DROPPED = (
    HOP_BY_HOP
    | HOST_LEAKING
    | {
        b"content-length",
        b"expect",
        b"x-road-request-hash",
        b"x-road-request-id",
        b"x-road-client",
        b"x-road-id",
        b"x-splp-api-key",
    }
)
_RESPONSE_DROPPED = HOP_BY_HOP | HOST_LEAKING | XROAD_RESPONSE | {b"content-length", b"date"}  # our server dates it


@dataclass
class IncomingHeaders:
    """The request's headers, sorted into what the gateway reads and what it forwards."""

    client: bytes | None = None
    message_id: bytes | None = None
    api_key: bytes | None = None
    bearer: bytes | None = None  # ``Authorization: Bearer`` — the gateway's credential, never forwarded
    content_length: int | None = None
    has_accept: bool = False
    user_id: bytes | None = None
    forward: list[tuple[bytes, bytes]] = field(default_factory=list)


def read_request_headers(raw: list[tuple[bytes, bytes]]) -> IncomingHeaders:
    """One pass over the headers; the last ``X-Road-Client``/``X-Road-Id`` wins (PR-REST §4.3)."""
    out = IncomingHeaders()
    extra_hop = _connection_tokens(raw)
    for name, value in raw:
        if name == b"x-road-client":
            out.client = value
        elif name == b"x-road-id":
            out.message_id = value
        elif name == b"x-splp-api-key":
            out.api_key = value
        elif name == b"authorization" and value[:7].lower() == b"bearer ":
            out.bearer = value[7:].strip()
            continue
        elif name == b"content-length":
            out.content_length = int(value) if value.isdigit() else -1
        elif name == b"accept":
            out.has_accept = True
        elif name == b"x-road-userid":
            out.user_id = value
        if name not in _REQUEST_DROPPED and name not in extra_hop:
            out.forward.append((name, value))
    return out


def _connection_tokens(raw: list[tuple[bytes, bytes]]) -> frozenset[bytes]:
    tokens: set[bytes] = set()
    for name, value in raw:
        if name == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b","))
    return frozenset(tokens)


def response_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The provider's headers minus hop-by-hop, host-leaking and X-Road ones (which the gateway sets)."""
    extra_hop = _connection_tokens([(n.lower(), v) for n, v in raw])
    out = []
    for name, value in raw:
        lower = name.lower()
        if lower not in _RESPONSE_DROPPED and lower not in extra_hop:
            out.append((lower, value))
    return out
