"""The key store: signing keys per purpose, generated on first use, rotated, published as JWKS.

Life of a key: it is created ``next`` and published at once, so verifiers learn it before it signs
anything; ``rotate`` promotes it to ``active`` (the one key that signs), retires the old active key and
creates a new ``next``. Retired keys stay in the JWKS for ``PUBLICATION_GRACE`` (tokens they signed may
still be in flight) and are kept forever for the audit log, whose old records they verify.

Caching: a key's material never changes for its ``kid`` (the kid is its thumbprint), so unsealed private
keys and parsed public keys are cached per kid for the life of the process. *Which* key is active is
remembered only for the current transaction (``session.info``): a process-wide answer would outlive a
rolled-back key creation or a rotation done by another process. Rotation forgets it at once.

Services flush, never commit: a key created inside a unit of work that rolls back disappears with it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from spbe.core.config import get_settings
from spbe.core.db import utcnow
from spbe.core.errors import BadRequest, NotFound
from spbe.core.keys import crypto, repository
from spbe.core.keys.crypto import KeyMaterial
from spbe.core.keys.models import SigningKey
from spbe.core.keys.schemas import JsonWebKeySet, KeyStatus, Purpose, RotationResult, SigningKeyOut

DEFAULT_ALGORITHMS: dict[str, str] = {Purpose.platform: "Ed25519", Purpose.oidc: "ES256"}
FALLBACK_ALGORITHM = "ES256"
# The audit log stores compact signatures (≤ 200 characters): no RSA for the platform key.
ALLOWED_ALGORITHMS: dict[str, frozenset[str]] = {
    Purpose.platform: frozenset({"Ed25519", "EdDSA", "ES256", "ES384"}),
}
PUBLICATION_GRACE = dt.timedelta(days=7)
PUBLISHED_PURPOSES: tuple[str, ...] = (Purpose.platform, Purpose.oidc)

_SIGNERS_INFO = "spbe.keys.signers"


def _settings_secret() -> str:
    return get_settings().resolved_secret_key()


_secret_source: Callable[[], str] = _settings_secret
_cache_lock = threading.Lock()
_private_keys: dict[str, KeyMaterial] = {}
_public_keys: dict[str, KeyMaterial] = {}


def use_secret(source: Callable[[], str] | None) -> None:
    """Where the sealing secret comes from; ``None`` restores the process settings (``SPBE_SECRET_KEY``).

    ``create_app(settings)`` points it at its own settings, so an app built for tests seals with the
    secret of the settings it was given.
    """
    global _secret_source  # one secret per process, like the settings themselves
    _secret_source = source or _settings_secret


def platform_secret() -> str:
    """The secret this process seals keys with; modules derive their own sealing keys from it (HKDF)."""
    return _secret_source()


def clear_cache() -> None:
    """Forget every unsealed and parsed key (tests; or after changing the secret)."""
    with _cache_lock:
        _private_keys.clear()
        _public_keys.clear()


@dataclass(frozen=True)
class Signer:
    """Signs with the active key of one purpose."""

    material: KeyMaterial

    @property
    def kid(self) -> str:
        return self.material.kid

    @property
    def algorithm(self) -> str:
        return self.material.algorithm

    def sign(self, data: bytes) -> tuple[str, bytes]:
        """``(kid, raw JWS signature)`` of ``data``."""
        return self.material.kid, self.material.sign(data)


def generate(
    session: Session, purpose: str, algorithm: str | None = None, *, status: KeyStatus = KeyStatus.next
) -> SigningKey:
    """Create and store a new key pair for ``purpose`` (private part sealed with the platform secret)."""
    algorithm = algorithm or DEFAULT_ALGORITHMS.get(purpose, FALLBACK_ALGORITHM)
    _check_purpose(purpose, algorithm)
    key = crypto.generate(algorithm)
    now = utcnow()
    row = SigningKey(
        kid=crypto.kid_of(key),
        purpose=purpose,
        algorithm=algorithm,
        status=status.value,
        public_jwk=crypto.public_jwk(key, algorithm),
        sealed_private_key=crypto.seal(key, _secret_source()),
        created_at=now,
        activated_at=now if status is KeyStatus.active else None,
    )
    _remember_private(KeyMaterial(kid=row.kid, algorithm=algorithm, key=key))
    return repository.add(session, row)


def _check_purpose(purpose: str, algorithm: str) -> None:
    if not purpose or len(purpose) > 32:
        raise BadRequest("A key purpose is 1 to 32 characters.")
    crypto.check_algorithm(algorithm)
    allowed = ALLOWED_ALGORITHMS.get(purpose)
    if allowed is not None and algorithm not in allowed:
        raise BadRequest(f"{purpose} keys must use one of {', '.join(sorted(allowed))}, not {algorithm}.")


def ensure_keys(session: Session, purpose: str, algorithm: str | None = None) -> tuple[SigningKey, SigningKey]:
    """The ``(active, next)`` keys of ``purpose``, creating whichever is missing."""
    keys = repository.current(session, purpose, lock=True)
    active = _first(keys, KeyStatus.active)
    upcoming = _first(keys, KeyStatus.next)
    if active is None and upcoming is not None:
        _activate(upcoming, utcnow())
        active, upcoming = upcoming, None
    if active is None:
        active = generate(session, purpose, algorithm, status=KeyStatus.active)
    if upcoming is None:
        upcoming = generate(session, purpose, algorithm or active.algorithm, status=KeyStatus.next)
    return active, upcoming


def rotate(session: Session, purpose: str, algorithm: str | None = None) -> RotationResult:
    """Promote ``next`` to ``active``, retire the old active key, publish a new ``next``.

    ``algorithm`` applies to the new ``next`` key, so a change of algorithm is published one rotation
    before it signs anything.
    """
    _, upcoming = ensure_keys(session, purpose)
    now = utcnow()
    retired = [key for key in repository.current(session, purpose) if key is not upcoming]
    for key in retired:
        key.status, key.retired_at = KeyStatus.retired.value, now
    _activate(upcoming, now)
    new_next = generate(session, purpose, algorithm or upcoming.algorithm, status=KeyStatus.next)
    _forget_signers(session)
    return RotationResult(purpose=purpose, retired=[key.kid for key in retired], active=upcoming.kid, next=new_next.kid)


def _first(keys: list[SigningKey], status: KeyStatus) -> SigningKey | None:
    return next((key for key in keys if key.status == status.value), None)


def _activate(key: SigningKey, now: dt.datetime) -> None:
    key.status, key.activated_at = KeyStatus.active.value, now


def signer(session: Session, purpose: str = Purpose.platform) -> Signer:
    """The signer of ``purpose``'s active key, creating the keys on first use."""
    remembered = _signers(session)
    if purpose not in remembered:
        row = repository.newest_active(session, purpose) or ensure_keys(session, purpose)[0]
        remembered[purpose] = Signer(_private(row))
    return remembered[purpose]


def _signers(session: Session) -> dict[str, Signer]:
    """Signers remembered for the session's innermost transaction only (a savepoint that rolls back
    may have taken a freshly created key with it)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    stored = session.info.get(_SIGNERS_INFO)
    if stored is None or stored[0] is not transaction:
        stored = (transaction, {})
        session.info[_SIGNERS_INFO] = stored
    signers: dict[str, Signer] = stored[1]
    return signers


def _forget_signers(session: Session) -> None:
    session.info.pop(_SIGNERS_INFO, None)


def _private(row: SigningKey) -> KeyMaterial:
    material = _private_keys.get(row.kid)
    if material is None:
        secret = _secret_source()
        material = crypto.unseal(row.sealed_private_key, kid=row.kid, algorithm=row.algorithm, secret=secret)
        _remember_private(material)
    return material


def _remember_private(material: KeyMaterial) -> None:
    with _cache_lock:
        _private_keys[material.kid] = material


def verifying_key(session: Session, kid: str) -> KeyMaterial | None:
    """The public key named ``kid`` whatever its status (retired keys still verify), or ``None``."""
    material = _public_keys.get(kid)
    if material is None:
        row = repository.by_kid(session, kid)
        if row is None:
            return None
        material = crypto.public_material(row.public_jwk)
        with _cache_lock:
            _public_keys[kid] = material
    return material


def verify(session: Session, kid: str, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``data`` was made by key ``kid``; an unknown kid is ``NotFound``."""
    material = verifying_key(session, kid)
    if material is None:
        raise NotFound(f"No signing key with kid {kid}.")
    return material.verify(data, signature)


def published_keys(
    session: Session, purposes: Iterable[str] = PUBLISHED_PURPOSES, *, now: dt.datetime | None = None
) -> list[SigningKey]:
    """Keys in the JWKS: ``active``, ``next`` and those retired less than ``PUBLICATION_GRACE`` ago."""
    return repository.published(session, purposes, (now or utcnow()) - PUBLICATION_GRACE)


def jwks(session: Session, purposes: Iterable[str] = PUBLISHED_PURPOSES) -> JsonWebKeySet:
    return JsonWebKeySet(keys=[dict(key.public_jwk) for key in published_keys(session, purposes)])


def list_keys(session: Session, purpose: str | None = None) -> list[SigningKeyOut]:
    return [SigningKeyOut.model_validate(key) for key in repository.listing(session, purpose)]
