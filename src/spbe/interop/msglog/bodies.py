"""Message bodies at rest: AES-256-GCM with a key derived (HKDF-SHA256) from the platform secret.

Only used when ``SPBE_INTEROP_LOG_MODE=bodies``; ``nonce ‖ ciphertext`` is stored base64 in the record,
with the X-Road-Id as associated data so a body cannot be moved to another record unnoticed.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class BodyCipher:
    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"spbe-interop-msglog-bodies").derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, body: bytes, message_id: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, body, message_id.encode())).decode()

    def open(self, sealed: str, message_id: str) -> bytes:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], message_id.encode())
