"""The message log's signing key: Ed25519, its own key (purpose "message log"), stored under the data folder.

Trusted public keys are kept in ``keys.json`` next to the private key, so a verifier on another machine
needs only that file. (A later session may move this key into ``spbe.core.keys`` with rotation.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_NAME = "signing-key.pem"
PUBLIC_NAME = "keys.json"


@dataclass(frozen=True)
class LogSigner:
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message)).decode()


def _key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_or_create_signer(key_dir: Path) -> LogSigner:
    """The node's signing key, generated on first use (0600) and its public half published in keys.json."""
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / PRIVATE_NAME
    if not path.exists():
        _create(path)
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    signer = LogSigner(_key_id(private.public_key()), private)
    _publish(key_dir, private.public_key())
    return signer


def _create(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(temporary, path)  # atomic: a concurrent worker's key wins, ours is dropped
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _publish(key_dir: Path, public: Ed25519PublicKey) -> None:
    keys = trusted_keys(key_dir)
    key_id = _key_id(public)
    if key_id in keys:
        return
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    data = {
        kid: base64.b64encode(k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
        for kid, k in keys.items()
    }
    data[key_id] = base64.b64encode(raw).decode()
    temporary = key_dir / f"{PUBLIC_NAME}.tmp{os.getpid()}"
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    temporary.replace(key_dir / PUBLIC_NAME)


def trusted_keys(key_dir: Path) -> dict[str, Ed25519PublicKey]:
    path = key_dir / PUBLIC_NAME
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return {kid: Ed25519PublicKey.from_public_bytes(base64.b64decode(b64)) for kid, b64 in data.items()}
