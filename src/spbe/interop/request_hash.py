"""``X-Road-Request-Hash`` (PR-REST §4.3): base64(SHA-512(SHA-512(headers) ‖ SHA-512(body))), or
base64(SHA-512(headers)) when the request has no body.

"headers" is the request as X-Road serialises it between security servers (the
``application/x-road-rest-request`` part, ``RestRequest.toByteArray`` in the X-Road source): the verb,
CRLF, the raw request path with ``?query`` when present, CRLF, then each forwarded header as
``name:value`` CRLF in arrival order, after filtering (hop-by-hop, Host, User-Agent… removed, any
incoming request hash dropped, ``X-Road-Request-Id`` appended). Digests are concatenated as raw bytes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

CRLF = b"\r\n"


def serialize_request(method: str, raw_path: str, query: bytes, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The bytes hashed as "headers": request line parts and the filtered headers."""
    out = [method.encode(), CRLF, raw_path.encode()]
    if query:
        out += [b"?", query]
    out.append(CRLF)
    for name, value in headers:
        out += [name, b":", value, CRLF]
    return b"".join(out)


def request_hash(serialized_headers: bytes, body: bytes) -> str:
    """The base64 value of the ``X-Road-Request-Hash`` response header."""
    header_digest = hashlib.sha512(serialized_headers).digest()
    if not body:
        return base64.b64encode(header_digest).decode()
    combined = header_digest + hashlib.sha512(body).digest()
    return base64.b64encode(hashlib.sha512(combined).digest()).decode()
