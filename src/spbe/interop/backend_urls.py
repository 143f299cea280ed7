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
    problem = host_problem(host, allow_loopback=allow_loopback)
    if problem:
        raise _fail(problem)
    try:
        address = ipaddress.ip_address(host.lower().rstrip("."))
    except ValueError:
        return  # a DNS name: the gateway checks what it resolves to when it connects (upstream.py)
    _check_address(address, host, allow_loopback=allow_loopback)


def host_problem(host: str, *, allow_loopback: bool) -> str | None:
    """Why a host *name* must never be called (metadata service, localhost in production), or None."""
    name = host.lower().rstrip(".")
    if name in METADATA_HOSTS:
        return f"{host} is a cloud metadata service"
    if (name == "localhost" or name.endswith(".localhost")) and not allow_loopback:
        return "localhost is not allowed in production"
    return None


def address_problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str, *, allow_loopback: bool
) -> str | None:
    """Why an IP address must never be called, or None. The same rules at registration and at connect
    time (``upstream.py`` checks every address a back end's name resolves to)."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_loopback:
        return None if allow_loopback else f"{host} is a loopback address, not allowed in production"
    if address.is_link_local:
        return f"{host} is link-local (the cloud metadata service lives there)"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return f"{host} is not an address a back end can have"
    return None


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str, *, allow_loopback: bool) -> None:
    problem = address_problem(address, host, allow_loopback=allow_loopback)
    if problem:
        raise _fail(problem)
