"""Which back-end URLs an agency may register itself (self-service), so the gateway cannot be aimed at
places it must never call (SSRF).

The base rules are the gateway's own (``snapshot.Upstream.parse``: ``http(s)://host[:port][/path]``).
Self-service adds: no user name or password in the URL, no query or fragment, no dot segments,
backslashes or control characters in the path, and no address the platform itself or its cloud answers
on: link-local (``169.254.0.0/16`` with the cloud metadata service, ``fe80::/10``), unspecified,
multicast and reserved addresses, and well-known metadata host names. Loopback (``127.0.0.0/8``,
``::1``, ``localhost``) is refused in production and allowed elsewhere, so a developer can register a
back end on their own machine. Private ranges (``10/8``, ``192.168/16``…) are allowed: that is where
agency back ends live. Names are not resolved here (the answer could change before the call); the
coordinator registers exceptions through the CLI.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from spbe.core.errors import FieldError, ValidationFailed
from spbe.interop.snapshot import Upstream

MAX_URL_LENGTH = 500
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"})
FIELD = "base_url"


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(f"Back-end URL: {message}", errors=[FieldError(FIELD, message)])


def check_backend_url(url: str, *, allow_loopback: bool) -> str:
    """The URL, stripped of a trailing ``/``, or ``ValidationFailed`` naming the broken rule."""
    url = url.strip()
    if not url:
        raise _fail("the back end's base URL is required (e.g. https://api.agency.go.id/v1)")
    if len(url) > MAX_URL_LENGTH:
        raise _fail(f"longer than {MAX_URL_LENGTH} characters")
    try:
        Upstream.parse(url)
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _fail("a user name or password in the URL is not allowed")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise _fail("a query (?…) or fragment (#…) is not allowed; the caller's path and query are appended")
    _check_path(parts.path)
    _check_host(parts.hostname or "", allow_loopback=allow_loopback)
    return url.rstrip("/")


def _check_path(path: str) -> None:
    if any(segment in (".", "..") for segment in path.split("/")) or "\\" in path or "%" in path:
        raise _fail("the path may not contain dot segments, backslashes or percent-encoding")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in path):
        raise _fail("the path may not contain spaces or control characters")


def _check_host(host: str, *, allow_loopback: bool) -> None:
    name = host.lower().rstrip(".")
    if name in METADATA_HOSTS:
        raise _fail(f"{host} is a cloud metadata service")
    if name == "localhost" or name.endswith(".localhost"):
        if not allow_loopback:
            raise _fail("localhost is not allowed in production")
        return
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return  # a DNS name
    _check_address(address, host, allow_loopback=allow_loopback)


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str, *, allow_loopback: bool) -> None:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_loopback:
        if not allow_loopback:
            raise _fail(f"{host} is a loopback address, not allowed in production")
        return
    if address.is_link_local:
        raise _fail(f"{host} is link-local (the cloud metadata service lives there)")
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        raise _fail(f"{host} is not an address a back end can have")
