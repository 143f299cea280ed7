"""Credential primitives of the identity module: argon2 password hashes, TOTP, sealed seeds, digests.

Nothing is hand-rolled: argon2-cffi hashes passwords and PINs (RFC 9106 low-memory profile), pyotp
computes TOTP codes, ``cryptography``'s Fernet (under an HKDF-derived key) seals TOTP seeds at rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from spbe.core.errors import ConfigurationError
from spbe.core.keys import service as keys

# argon2id at OWASP's minimum (m = 19 MiB, t = 2), two lanes: ~30 ms here instead of ~470 ms for
# argon2-cffi's default (64 MiB, t = 3, p = 4) on the 2-core benchmark machine. Stored hashes carry
# their parameters, so raising them later only needs a rehash at the next login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=2)
TOTP_STEP = 30
TOTP_WINDOW = 1  # one step either side (clock drift)
_SEAL_INFO = b"spbe identity seal v1"
_PAIRWISE_INFO = b"spbe identity pairwise v1"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no stored hash a dummy hash is checked (same timing)."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def session_sid(sid_digest: str, sector: str) -> str:
    """The ``sid`` an RP sees for a sign-in session: random (derived from the session cookie's digest, never
    the sequential database id), stable for the session, and different per pairwise sector."""
    return digest(f"sid|{sector}|{sid_digest}")[:32]


def digest(value: str) -> str:
    """SHA-256 hex digest for looking up high-entropy secrets (codes, tokens, session ids)."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def _secret() -> str:
    """The platform secret as the key store sees it (``create_app`` points it at its settings)."""
    return keys.platform_secret()


@lru_cache(maxsize=4)
def _derived(secret: str, info: bytes) -> bytes:
    if not secret:
        raise ConfigurationError("SPBE_SECRET_KEY is empty.")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def seal(value: str) -> str:
    key = base64.urlsafe_b64encode(_derived(_secret(), _SEAL_INFO))
    return Fernet(key).encrypt(value.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    key = base64.urlsafe_b64encode(_derived(_secret(), _SEAL_INFO))
    try:
        return Fernet(key).decrypt(sealed.encode("ascii")).decode()
    except InvalidToken:
        raise ConfigurationError("A sealed identity secret does not open with SPBE_SECRET_KEY.") from None


def pairwise(sector: str, local_id: str) -> str:
    """OIDC pairwise subject: HMAC-SHA256 of sector + local id under a key derived from the secret."""
    mac = hmac.new(_derived(_secret(), _PAIRWISE_INFO), f"{sector}|{local_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def new_totp_seed() -> str:
    return pyotp.random_base32()


def totp_uri(seed: str, account_name: str) -> str:
    return pyotp.TOTP(seed).provisioning_uri(name=account_name, issuer_name="IKD SPBE")


def totp_code(seed: str, at: float | None = None) -> str:
    return pyotp.TOTP(seed).at(int(at if at is not None else time.time()))


def totp_step(seed: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within the window, later than ``last_step``), or None."""
    totp = pyotp.TOTP(seed)
    moment = now if now is not None else time.time()
    current = int(moment) // TOTP_STEP
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code.strip()):
            return step
    return None
