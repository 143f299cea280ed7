"""Who signs the message log: the platform key store (``spbe.core.keys``), purpose ``interop-msglog``.

Signing is per group-commit batch, never per request: each batch ends with one signature over the chain
head (``stream|segment|seq|head``), which commits to every record before it — X-Road's batch signature
idea, with the hash chain as the batch root. ``spbe keys rotate --purpose interop-msglog`` rotates the
key; gateways pick the new active key up within a refresh interval, and each signature line names its
key id, so records signed with a retired key still verify (the key store keeps retired public keys).

A gateway must keep logging while the central database is briefly away: the active key is cached on disk
sealed with the platform secret (as the key store seals it), next to the configuration cache.

Segments written before the key store was used name a node-local key from ``keys.json`` (legacy); the
verifier still accepts those.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from spbe.core.keys import crypto
from spbe.core.keys import service as keys
from spbe.core.keys.crypto import KeyMaterial

PURPOSE = "interop-msglog"
ALGORITHM = "Ed25519"
LEGACY_KEYS = "keys.json"


class Verifier(Protocol):
    def verify(self, data: bytes, signature: bytes) -> bool: ...


KeyResolver = Callable[[str], Verifier | None]


@dataclass(frozen=True)
class LogSigner:
    """Signs batch heads with one key of the key store."""

    material: KeyMaterial

    @property
    def key_id(self) -> str:
        return self.material.kid

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.material.sign(message)).decode()


class SignerHolder:
    """The signer the writer uses for its next batch; swapped when the key store's active key changes."""

    def __init__(self, signer: LogSigner) -> None:
        self.current = signer

    def replace(self, signer: LogSigner) -> bool:
        changed = signer.key_id != self.current.key_id
        self.current = signer
        return changed


def active_signer(session: Session, *, create: bool = True) -> LogSigner:
    """The active message-log key; with ``create``, the key pair (Ed25519) is made if missing. The caller
    commits."""
    if create:
        keys.ensure_keys(session, PURPOSE, ALGORITHM)
    return LogSigner(keys.signer(session, PURPOSE).material)


def save_cached(path: Path, signer: LogSigner, secret: str) -> None:
    """Keep the active key on disk, sealed with the platform secret (0600), for a database outage."""
    sealed = crypto.seal(signer.material.key, secret)  # type: ignore[arg-type]
    data = {"kid": signer.key_id, "algorithm": signer.material.algorithm, "sealed": sealed}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    temporary.replace(path)


def load_cached(path: Path, secret: str) -> LogSigner | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    material = crypto.unseal(data["sealed"], kid=data["kid"], algorithm=data["algorithm"], secret=secret)
    return LogSigner(material)


def key_store_resolver(session: Session, legacy_dir: Path | None = None) -> KeyResolver:
    """Look a kid up in the key store (any status), then among the legacy node keys."""
    legacy = legacy_keys(legacy_dir) if legacy_dir is not None else {}

    def resolve(kid: str) -> Verifier | None:
        return keys.verifying_key(session, kid) or legacy.get(kid)

    return resolve


@dataclass(frozen=True)
class _LegacyKey:
    key: Ed25519PublicKey

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


def legacy_keys(key_dir: Path) -> dict[str, Verifier]:
    """Node-local public keys of segments written before the key store signed the log (``keys.json``)."""
    path = key_dir / LEGACY_KEYS
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return {kid: _LegacyKey(Ed25519PublicKey.from_public_bytes(base64.b64decode(b64))) for kid, b64 in data.items()}
