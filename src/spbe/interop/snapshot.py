"""The gateway's in-memory view of the configuration: immutable, swapped whole on refresh.

The data plane reads only this; the database is consulted by a background refresher (see
``refresher.py``), so a brief database outage does not stop traffic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from spbe.core.keys.crypto import KeyMaterial
from spbe.interop.identifiers import ClientId, ServiceId

GROUP_ALL = "all"


@dataclass(frozen=True, slots=True)
class EndpointDef:
    method: str  # "*" for any
    path: str  # X-Road style: "*" matches one or more characters

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        return _path_pattern(self.path).fullmatch(path or "/") is not None


def _path_pattern(path: str) -> re.Pattern[str]:
    cached = _PATTERNS.get(path)
    if cached is None:
        cached = re.compile(".*".join(re.escape(part) for part in path.split("*")))
        _PATTERNS[path] = cached
    return cached


_PATTERNS: dict[str, re.Pattern[str]] = {}


@dataclass(frozen=True, slots=True)
class Grant:
    """A subsystem (``subject`` set) or a group (``group`` set); ``endpoint`` None means the whole service."""

    subject: ClientId | None
    group: str | None
    endpoint: EndpointDef | None

    def covers_client(self, client: ClientEntry) -> bool:
        if self.subject is not None:
            return self.subject == client.id
        return client.in_group(self.group or "")

    def covers_call(self, method: str, path: str) -> bool:
        return self.endpoint is None or self.endpoint.matches(method, path)


@dataclass(frozen=True, slots=True)
class QuotaDef:
    client: ClientId | None
    limit: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class Upstream:
    """A registered back end, split once so no request ever builds a URL from caller input."""

    scheme: str
    host: str
    port: int
    base_path: str
    host_header: bytes = b""  # the ``Host`` sent to the back end: its registered host, never the caller's

    @classmethod
    def parse(cls, url: str) -> Upstream:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"back-end URL must be http(s)://host[:port][/path]: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        default = 443 if parts.scheme == "https" else 80
        host_header = (host if port == default else f"{host}:{port}").encode("idna")
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"), host_header)

    def target_for(self, service_path: str, query: bytes) -> bytes:
        """The request target on the back end: base path, the caller's raw service path and query."""
        target = (self.base_path + service_path).encode("latin-1") or b"/"
        return target + b"?" + query if query else target

    def url_for(self, service_path: str, query: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = f"{self.scheme}://{host}:{self.port}{self.base_path}{service_path or ''}"
        return f"{url}?{query}" if query else url


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    id: ServiceId
    title: str
    upstream: Upstream
    timeout_s: float
    enabled: bool
    endpoints: tuple[EndpointDef, ...]
    grants: tuple[Grant, ...]
    quotas: tuple[QuotaDef, ...]
    has_openapi: bool

    def allowed(self, client: ClientEntry, method: str, path: str) -> bool:
        return any(g.covers_client(client) and g.covers_call(method, path) for g in self.grants)

    def allowed_endpoints(self, client: ClientEntry) -> list[EndpointDef]:
        """The endpoints ``client`` may call (``allowedMethods``)."""
        grants = [g for g in self.grants if g.covers_client(client)]
        if any(g.endpoint is None for g in grants):
            return list(self.endpoints) or [EndpointDef("*", "**")]
        return [g.endpoint for g in grants if g.endpoint is not None]


@dataclass(frozen=True, slots=True)
class ClientEntry:
    id: ClientId
    name: str
    province_code: str | None
    key_hashes: dict[str, str] = field(default_factory=dict)  # key_id -> sha256(secret)

    def in_group(self, group: str) -> bool:
        kind, _, value = group.partition(":")
        if group == GROUP_ALL:
            return True
        if kind == "class":
            return self.id.member_class == value
        if kind == "province":
            return self.province_code == value
        return False


@dataclass(frozen=True, slots=True)
class MemberEntry:
    id: ClientId
    name: str


@dataclass(frozen=True)
class TrustEntries:
    """Caller credentials besides API keys: client certificates of the platform CA by SHA-256 fingerprint,
    IKD machine clients linked to subsystems, and the identity provider's published token keys."""

    certificates: dict[str, ClientId] = field(default_factory=dict)  # fingerprint -> subsystem
    revoked: frozenset[str] = frozenset()  # fingerprints of revoked, unexpired client certificates
    oauth_clients: dict[str, ClientId] = field(default_factory=dict)  # client_id -> subsystem
    token_keys: dict[str, KeyMaterial] = field(default_factory=dict)  # kid -> public key


@dataclass(frozen=True)
class Snapshot:
    """Everything the data plane needs, keyed for O(1) lookup."""

    version: int
    members: tuple[MemberEntry, ...]
    clients: dict[ClientId, ClientEntry]
    services: dict[ServiceId, ServiceEntry]
    openapi: dict[ServiceId, str]
    key_index: dict[str, ClientId]  # api key_id -> subsystem
    trust: TrustEntries = field(default_factory=lambda: TrustEntries())

    @classmethod
    def empty(cls) -> Snapshot:
        return cls(0, (), {}, {}, {}, {})

    def services_of(self, provider: ClientId) -> list[ServiceEntry]:
        return [s for s in self.services.values() if s.id.provider == provider]


def snapshot_stats(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "version": snapshot.version,
        "clients": len(snapshot.clients),
        "services": len(snapshot.services),
        "certificates": len(snapshot.trust.certificates),
        "oauth_clients": len(snapshot.trust.oauth_clients),
    }
