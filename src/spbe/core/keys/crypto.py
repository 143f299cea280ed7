"""Key material: generating key pairs, sealing private keys at rest, signing and verifying.

No primitive is hand-rolled: key pairs, JWS signatures and thumbprints come from ``joserfc`` (on top of
``cryptography``), sealing is ``cryptography``'s Fernet under a key derived with HKDF-SHA256.

Sealed form: ``fernet-hkdf-v1:<Fernet token of the PKCS#8 PEM private key>``; the Fernet key is
``HKDF(SHA-256, salt=None, info="spbe signing-key seal v1")`` of the platform secret. The prefix lets a
later version change the scheme without guessing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import ECKey, JWKRegistry, Key, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from spbe.core.errors import BadRequest, ConfigurationError

SEAL_SCHEME = "fernet-hkdf-v1:"
_HKDF_INFO = b"spbe signing-key seal v1"
RSA_KEY_SIZE = 2048

# JWS algorithm → (JWK key type, curve or key size). "EdDSA" is the pre-RFC 9864 name of "Ed25519".
ALGORITHMS: dict[str, tuple[str, str | int]] = {
    "Ed25519": ("OKP", "Ed25519"),
    "EdDSA": ("OKP", "Ed25519"),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "PS256": ("RSA", RSA_KEY_SIZE),
    "RS256": ("RSA", RSA_KEY_SIZE),
}
_KEY_CLASSES: dict[str, type[OKPKey] | type[ECKey] | type[RSAKey]] = {
    "OKP": OKPKey,
    "EC": ECKey,
    "RSA": RSAKey,
}


def check_algorithm(algorithm: str) -> None:
    """Refuse an algorithm the key store cannot generate (HS*, none, exotic curves)."""
    if algorithm not in ALGORITHMS:
        choices = ", ".join(sorted(ALGORITHMS))
        raise BadRequest(f"Unsupported signing algorithm {algorithm!r}; choose one of {choices}.")


@dataclass(frozen=True)
class KeyMaterial:
    """One usable key (private for signing, or public only for verifying) with its JWS algorithm."""

    kid: str
    algorithm: str
    key: Key

    def sign(self, data: bytes) -> bytes:
        """The raw JWS signature of ``data`` (for ECDSA: ``r || s``, as in a JWS, not DER)."""
        signature: bytes = JWSRegistry.algorithms[self.algorithm].sign(data, self.key)
        return signature

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            return bool(JWSRegistry.algorithms[self.algorithm].verify(data, signature, self.key))
        except (ValueError, TypeError):  # malformed signature bytes, e.g. wrong length
            return False


AsymmetricKey = OKPKey | ECKey | RSAKey


def generate(algorithm: str) -> AsymmetricKey:
    """A fresh private key for ``algorithm``."""
    check_algorithm(algorithm)
    key_type, parameter = ALGORITHMS[algorithm]
    key = JWKRegistry.generate_key(key_type, parameter, private=True)
    assert isinstance(key, OKPKey | ECKey | RSAKey), "ALGORITHMS names asymmetric key types only"
    return key


def kid_of(key: Key) -> str:
    """The stable key id: the RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    return str(key.thumbprint())


def public_jwk(key: Key, algorithm: str) -> dict[str, Any]:
    """The public JWK as published in the JWKS, with ``kid``, ``alg`` and ``use``."""
    data: dict[str, Any] = dict(key.as_dict(private=False))
    data.update({"kid": kid_of(key), "alg": algorithm, "use": "sig"})
    return data


def public_material(jwk: dict[str, Any]) -> KeyMaterial:
    """A verifying key from a stored public JWK."""
    key = JWKRegistry.import_key(_key_members(jwk))
    return KeyMaterial(kid=str(jwk["kid"]), algorithm=str(jwk["alg"]), key=key)


def _key_members(jwk: dict[str, Any]) -> dict[str, Any]:
    """The JWK without ``kid``/``alg``/``use``, so joserfc does not restrict the imported key."""
    return {name: value for name, value in jwk.items() if name not in {"kid", "alg", "use"}}


def seal(key: AsymmetricKey, secret: str) -> str:
    """Encrypt the private key with the platform secret (see the module docstring for the format)."""
    pem: bytes = key.as_pem(private=True)
    return SEAL_SCHEME + _fernet(secret).encrypt(pem).decode("ascii")


def unseal(sealed: str, *, kid: str, algorithm: str, secret: str) -> KeyMaterial:
    """Decrypt a sealed private key; a wrong secret or a swapped blob is a configuration error."""
    if not sealed.startswith(SEAL_SCHEME):
        raise ConfigurationError(f"Signing key {kid} is sealed with an unknown scheme.")
    try:
        pem = _fernet(secret).decrypt(sealed[len(SEAL_SCHEME) :].encode("ascii"))
    except InvalidToken:
        raise ConfigurationError(_UNSEAL_FAILED.format(kid=kid)) from None
    key_type = ALGORITHMS[algorithm][0]
    key = _KEY_CLASSES[key_type].import_key(pem)
    if kid_of(key) != kid:
        raise ConfigurationError(f"Signing key {kid} does not match its sealed private key.")
    return KeyMaterial(kid=kid, algorithm=algorithm, key=key)


_UNSEAL_FAILED = (
    "Cannot unseal signing key {kid}: it was sealed with a different secret. Set SPBE_SECRET_KEY to the "
    "secret this database was created with (in development it is stored in <SPBE_DATA_DIR>/secret_key)."
)


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    if not secret:
        raise ConfigurationError("SPBE_SECRET_KEY is empty; signing keys cannot be sealed.")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; garbage gives ``ValueError``."""
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded, altchars=b"-_", validate=True)
