"""Passkeys (WebAuthn, with the ``webauthn`` package): registered on the account page, used as the second
factor beside the TOTP code (``amr`` ``hwk``, ``acr`` ``urn:ikd:acr:passkey``).

The relying-party id is the host of ``SPBE_PUBLIC_URL`` and the expected origin its scheme, host and port.
Each ceremony's challenge is kept on the login session (one use, two minutes). Attestation is ``none``:
the platform trusts the person's enrolment (made from a session already signed in with password + TOTP),
not the authenticator's maker. A signature counter that does not grow rejects the assertion (a cloned
authenticator); every failure counts toward the account's lockout and is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.core.errors import BadRequest, NotFound
from spbe.core.i18n import N_
from spbe.identity import accounts, repository
from spbe.identity.models import Account, LoginSession, Passkey

CHALLENGE_TTL = dt.timedelta(minutes=2)
RP_NAME = "IKD"
MAX_NAME = 80
PASSKEY_FAILED = N_("The passkey could not be verified. Try again, or use your authenticator app code.")


@dataclass(frozen=True)
class RelyingParty:
    """Who the browser must believe it talks to: the WebAuthn RP id and the page origin."""

    rp_id: str
    origin: str

    @classmethod
    def of(cls, public_url: str) -> RelyingParty:
        parts = urlsplit(public_url)
        return cls(parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}")


def of_account(session: Session, account_id: int) -> list[Passkey]:
    return repository.passkeys_of_account(session, account_id)


def _descriptors(keys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(key.credential_id),
            transports=[AuthenticatorTransport(value) for value in key.transports if _known_transport(value)],
        )
        for key in keys
    ]


def _known_transport(value: str) -> bool:
    return value in {item.value for item in AuthenticatorTransport}


def _remember(row: LoginSession, challenge: bytes) -> None:
    row.challenge, row.challenge_expires_at = bytes_to_base64url(challenge), utcnow() + CHALLENGE_TTL


def _take_challenge(row: LoginSession) -> bytes:
    """The session's pending challenge, spent now (a second use finds none)."""
    value, expires = row.challenge, row.challenge_expires_at
    row.challenge, row.challenge_expires_at = None, None
    if value is None or expires is None or expires <= utcnow():
        raise BadRequest(N_("The passkey request has expired; start again."))
    return base64url_to_bytes(value)


# registration (from the account page, signed in)


def registration_options(session: Session, row: LoginSession, account: Account, rp: RelyingParty) -> str:
    """The ``PublicKeyCredentialCreationOptions`` as JSON for ``navigator.credentials.create``."""
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=RP_NAME,
        user_id=account.public_id.encode(),
        user_name=f"ikd-{account.public_id[:8]}",
        user_display_name=f"IKD {account.public_id[:8]}",
        exclude_credentials=_descriptors(of_account(session, account.id)),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    _remember(row, options.challenge)
    return str(options_to_json(options))


def register(
    session: Session, row: LoginSession, account: Account, rp: RelyingParty, credential: str, name: str
) -> Passkey:
    """Verify the authenticator's answer and keep its public key. Audited."""
    challenge = _take_challenge(row)
    label = (name or "").strip()[:MAX_NAME] or "Passkey"
    try:
        verified = verify_registration_response(
            credential=_json(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
        )
    except WebAuthnException as error:
        _audit(session, account, "identity.passkey.registration_failed", "failure", {"reason": str(error)[:200]})
        raise BadRequest(N_("The passkey could not be registered. Try again.")) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if repository.passkey_by_credential(session, credential_id) is not None:
        raise BadRequest(N_("This passkey is already registered."))
    key = Passkey(
        account_id=account.id,
        credential_id=credential_id,
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=_transports(credential),
        name=label,
    )
    repository.add(session, key)
    _audit(session, account, "identity.passkey.registered", "success", {"passkey": key.id})
    return key


def _json(credential: str) -> dict[str, Any]:
    try:
        value = json.loads(credential)
    except ValueError:
        raise BadRequest(N_("The passkey answer is not valid.")) from None
    if not isinstance(value, dict):
        raise BadRequest(N_("The passkey answer is not valid."))
    return value


def _transports(credential: str) -> list[str]:
    response = _json(credential).get("response")
    values = response.get("transports") if isinstance(response, dict) else None
    return [str(value) for value in values if _known_transport(str(value))] if isinstance(values, list) else []


def remove(session: Session, account: Account, passkey_id: int) -> None:
    key = session.get(Passkey, passkey_id)
    if key is None or key.account_id != account.id:
        raise NotFound(N_("No such passkey."))
    session.delete(key)
    session.flush()
    _audit(session, account, "identity.passkey.removed", "success", {"passkey": passkey_id})


# sign-in (second factor)


def authentication_options(session: Session, row: LoginSession, account: Account, rp: RelyingParty) -> str:
    """The ``PublicKeyCredentialRequestOptions`` as JSON for ``navigator.credentials.get``."""
    keys = of_account(session, account.id)
    if not keys:
        raise NotFound(N_("You have no passkey yet; use your authenticator app code."))
    options = generate_authentication_options(
        rp_id=rp.rp_id, allow_credentials=_descriptors(keys), user_verification=UserVerificationRequirement.PREFERRED
    )
    _remember(row, options.challenge)
    return str(options_to_json(options))


def authenticate(session: Session, row: LoginSession, account: Account, rp: RelyingParty, credential: str) -> None:
    """Check an assertion by one of the account's passkeys; failures count toward the lockout."""
    accounts.check_lock(session, account)
    try:
        challenge = _take_challenge(row)
        data = _json(credential)
        key = _key_of(session, account, data)
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=base64url_to_bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except (WebAuthnException, BadRequest, NotFound) as error:
        accounts.count_failure(account)
        _audit(session, account, "identity.passkey.failed", "failure", {"reason": str(error)[:200]})
        raise accounts.LoginFailed(PASSKEY_FAILED) from None
    key.sign_count, key.last_used_at = verified.new_sign_count, utcnow()


def _key_of(session: Session, account: Account, data: dict[str, Any]) -> Passkey:
    credential_id = data.get("id")
    key = repository.passkey_by_credential(session, str(credential_id))
    if key is None or key.account_id != account.id:
        raise NotFound("The passkey is not registered for this account.")
    return key


def _audit(session: Session, account: Account, action: str, outcome: str, data: dict[str, Any]) -> None:
    audit.append(
        session,
        actor=account.public_id,
        action=action,
        outcome=outcome,
        object_type="identity_account",
        object_id=account.public_id,
        data=data,
    )
