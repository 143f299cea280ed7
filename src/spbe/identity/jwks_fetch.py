"""Relying parties' keys from their ``jwks_uri``: fetched over HTTP, cached, re-fetched on an unknown ``kid``.

An RP that rotates keys publishes the new key at its ``jwks_uri`` and starts signing with it; the first
assertion naming a ``kid`` we do not know triggers one re-fetch — at most once per ``REFETCH_INTERVAL``
seconds per client, so a flood of made-up ``kid`` values cannot turn the provider into a traffic source.
The cache is also refreshed (same limit) when older than ``MAX_AGE``. A failed fetch keeps the keys we
have. Fetches are bounded: https (or http on loopback, for development), ``TIMEOUT`` seconds, at most
``MAX_BYTES``, no redirects, public EC/RSA keys with a ``kid`` only.

Clients without a ``jwks_uri`` keep their registered inline JWKS (``Client.keyset``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet
from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.errors import BadRequest
from spbe.identity.models import OidcClient
from spbe.identity.oidc.adapters import Client

logger = logging.getLogger("spbe.identity.jwks")

TIMEOUT = 5.0
MAX_BYTES = 64 * 1024
REFETCH_INTERVAL = 60.0
MAX_AGE = 3600.0
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ASYMMETRIC = frozenset({"EC", "RSA"})


class JwksFetchError(BadRequest):
    """The JWKS could not be fetched or is not an acceptable set of public keys."""


@dataclass
class _Entry:
    uri: str
    keyset: KeySet | None
    fetched_at: float = 0.0  # monotonic
    attempted_at: float = 0.0
    kids: frozenset[str] = field(default_factory=frozenset)


_cache: dict[str, _Entry] = {}
_lock = threading.Lock()
_transport: list[httpx.BaseTransport | None] = [None]


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Inject an httpx transport (tests, or a proxy); None restores the default."""
    _transport[0] = transport


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def check_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme == "https" and parts.hostname and not parts.fragment:
        return uri
    if parts.scheme == "http" and parts.hostname in LOOPBACK and not parts.fragment:
        return uri
    raise JwksFetchError(f"jwks_uri {uri!r} must be https (http only on loopback) and have no fragment.")


def fetch(uri: str) -> dict[str, Any]:
    """GET the JWKS at ``uri`` within the limits and return it after checking its keys."""
    check_uri(uri)
    try:
        with (
            httpx.Client(transport=_transport[0], timeout=TIMEOUT, follow_redirects=False) as http,
            http.stream("GET", uri, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise JwksFetchError(f"jwks_uri answered HTTP {response.status_code}.")
            body = _read_limited(response)
    except httpx.HTTPError as error:
        raise JwksFetchError(f"jwks_uri could not be fetched: {type(error).__name__}.") from None
    return _checked(body)


def _read_limited(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise JwksFetchError(f"The JWKS is larger than {MAX_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _checked(body: bytes) -> dict[str, Any]:
    try:
        jwks = json.loads(body)
        keyset = KeySet.import_key_set(jwks)
    except (ValueError, TypeError, KeyError, JoseError) as error:
        raise JwksFetchError(f"The JWKS is not valid: {error}") from None
    if not keyset.keys or any(key.key_type not in ASYMMETRIC or key.is_private or not key.kid for key in keyset.keys):
        raise JwksFetchError("The JWKS must hold public EC or RSA keys, each with a kid.")
    return dict(jwks)


def register(
    session: Session, row: OidcClient, uri: str, actor: str = "system", fetched: dict[str, Any] | None = None
) -> None:
    """Point a registered client at a ``jwks_uri``, fetched now (an unreachable URI is refused) unless the
    caller just ``fetch``-ed it. The copy is kept in ``row.jwks`` as the cache's starting point. Audited."""
    row.jwks = fetched if fetched is not None else fetch(uri)
    row.jwks_uri = uri
    audit.append(
        session,
        actor=actor,
        action="identity.client.jwks_uri",
        object_type="identity_client",
        object_id=row.client_id,
        data={"jwks_uri": uri},
    )
    with _lock:
        _cache.pop(row.client_id, None)


def keys_for(client: Client, kid: str | None = None) -> KeySet | None:
    """The client's public keys: its inline JWKS, or the cached ``jwks_uri`` set (re-fetched on an
    unknown ``kid`` or when stale, at most once per ``REFETCH_INTERVAL`` seconds)."""
    row = client.row
    if not row.jwks_uri:
        return client.keyset()
    entry = _entry(row)
    now = time.monotonic()
    stale = now - entry.fetched_at > MAX_AGE
    unknown = kid is not None and kid not in entry.kids
    if (stale or unknown) and _claim_attempt(entry, now):
        _refresh(row.client_id, entry)
    return entry.keyset


def _entry(row: OidcClient) -> _Entry:
    """The cache entry, started from the copy kept at registration (``row.jwks``), which counts as fresh
    for ``MAX_AGE``: an unknown ``kid`` still re-fetches at once."""
    assert row.jwks_uri is not None
    with _lock:
        entry = _cache.get(row.client_id)
        if entry is None or entry.uri != row.jwks_uri:
            keyset = KeySet.import_key_set(row.jwks) if row.jwks else None  # type: ignore[arg-type]
            entry = _Entry(row.jwks_uri, keyset, fetched_at=time.monotonic(), kids=_kids(keyset))
            _cache[row.client_id] = entry
        return entry


def _kids(keyset: KeySet | None) -> frozenset[str]:
    return frozenset(key.kid for key in keyset.keys if key.kid) if keyset else frozenset()


def _claim_attempt(entry: _Entry, now: float) -> bool:
    """One fetch per interval: the first caller claims it, concurrent ones use the keys we have."""
    with _lock:
        if entry.attempted_at and now - entry.attempted_at < REFETCH_INTERVAL:
            return False
        entry.attempted_at = now
        return True


def _refresh(client_id: str, entry: _Entry) -> None:
    try:
        keyset = KeySet.import_key_set(fetch(entry.uri))  # type: ignore[arg-type]
    except JwksFetchError as error:
        logger.warning("jwks_uri of client %s could not be refreshed: %s", client_id, error.detail)
        return
    with _lock:
        entry.keyset, entry.kids, entry.fetched_at = keyset, _kids(keyset), time.monotonic()


def key_for(client: Client, kid: str) -> Key | None:
    """The key named ``kid`` among the client's keys (``keys_for``), or None."""
    keyset = keys_for(client, kid)
    return next((key for key in (keyset.keys if keyset else []) if key.kid == kid), None)
