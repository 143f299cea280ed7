"""Caller trust, service layer: the platform CA (``spbe interop ca init``), client and server certificates
(``spbe interop cert issue|server|revoke``) and IKD machine clients linked to subsystems
(``spbe interop oauth-client link|unlink``).

The CA's private key is sealed with the platform secret exactly as the key store seals signing keys
(``spbe.core.keys.crypto.seal``: Fernet under an HKDF of ``SPBE_SECRET_KEY``) and kept in the database, so
any administration node can issue while gateway nodes need only the CA certificate. Every change is
audited and bumps the configuration version, so gateways pick it up within ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.core.errors import Conflict, NotFound, ValidationFailed
from spbe.core.keys import crypto
from spbe.core.keys import service as keys
from spbe.interop import ca, repository
from spbe.interop import trust_repository as trust_repo
from spbe.interop.identifiers import ClientId
from spbe.interop.service import subsystem_of
from spbe.interop.trust_models import CertificateAuthority, IssuedCertificate, LinkedOAuthClient

CA_ALGORITHM = "ES256"  # ECDSA P-256
DEFAULT_CA_NAME = "SPLP Platform CA"
MAX_CLIENT_ID = 80


@dataclass(frozen=True)
class SigningCa:
    """The CA that issues now: its row, unsealed key and certificate."""

    row: CertificateAuthority
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def init_ca(
    session: Session, *, actor: str, common_name: str = DEFAULT_CA_NAME, days: int = ca.CA_DAYS, renew: bool = False
) -> CertificateAuthority:
    """Create the platform CA (a new one with ``renew``; the old one stays trusted until it expires)."""
    if trust_repo.newest_ca(session) is not None and not renew:
        raise Conflict("the platform CA already exists (use --renew to create a new one)")
    key = crypto.generate(CA_ALGORITHM)
    private = cast(ec.EllipticCurvePrivateKey, key.private_key)
    cert = ca.self_signed_root(private, common_name, days)
    row = CertificateAuthority(
        kid=crypto.kid_of(key),
        certificate_pem=ca.certificate_pem(cert),
        sealed_private_key=crypto.seal(key, keys.platform_secret()),
        fingerprint_sha256=ca.certificate_fingerprint(cert),
        not_after=cert.not_valid_after_utc,
    )
    repository.add(session, row)
    data = {"fingerprint_sha256": row.fingerprint_sha256, "not_after": row.not_after.isoformat()}
    audit.append(session, actor=actor, action="interop.ca.init", object_type="interop_ca", object_id=row.kid, data=data)
    repository.bump_config_version(session)
    return row


def signing_ca(session: Session) -> SigningCa:
    row = trust_repo.newest_ca(session)
    if row is None:
        raise NotFound("there is no platform CA yet: run `spbe interop ca init`")
    material = crypto.unseal(row.sealed_private_key, kid=row.kid, algorithm=CA_ALGORITHM, secret=keys.platform_secret())
    key = cast(ec.EllipticCurvePrivateKey, material.key.private_key)
    return SigningCa(row, key, ca.load_certificate(row.certificate_pem))


def ca_bundle(session: Session) -> str:
    """Every CA certificate still valid, PEM, for ``curl --cacert`` and the gateway's client CA file."""
    rows = trust_repo.trusted_cas(session, utcnow())
    if not rows:
        raise NotFound("there is no platform CA yet: run `spbe interop ca init`")
    return "".join(row.certificate_pem for row in rows)


def issue_client_certificate(
    session: Session, client: ClientId, public_key: object, *, actor: str, days: int = ca.CLIENT_DAYS
) -> ca.Issued:
    """Sign a client certificate for subsystem ``client`` and record its serial and fingerprint."""
    subsystem = subsystem_of(session, client)
    signer = signing_ca(session)
    issued = ca.issue_client(signer.key, signer.cert, client, _key(public_key), _days(days))
    _record(session, issued, signer.row, "client", subsystem.id)
    _audit_issue(session, actor, issued, str(client))
    return issued


def issue_server_certificate(
    session: Session, hosts: list[str], public_key: object, *, actor: str, days: int = ca.SERVER_DAYS
) -> ca.Issued:
    """Sign a gateway node's server certificate (its host names and addresses)."""
    signer = signing_ca(session)
    try:
        issued = ca.issue_server(signer.key, signer.cert, hosts, _key(public_key), _days(days))
    except ca.CertificateError as exc:
        raise ValidationFailed(str(exc)) from None
    _record(session, issued, signer.row, "server", None)
    _audit_issue(session, actor, issued, ",".join(hosts)[:200])
    return issued


def _key(public_key: object) -> ca.ClientPublicKey:
    try:
        return ca.checked_public_key(public_key)
    except ca.CertificateError as exc:
        raise ValidationFailed(str(exc)) from None


def _days(days: int) -> int:
    if not 1 <= days <= ca.CA_DAYS:
        raise ValidationFailed(f"validity must be 1 to {ca.CA_DAYS} days")
    return days


def _record(
    session: Session, issued: ca.Issued, authority: CertificateAuthority, kind: str, subsystem: int | None
) -> None:
    row = IssuedCertificate(
        serial=issued.serial,
        fingerprint_sha256=issued.fingerprint_sha256,
        kind=kind,
        subsystem_id=subsystem,
        subject=issued.subject,
        ca_id=authority.id,
        not_before=issued.not_before,
        not_after=issued.not_after,
    )
    repository.add(session, row)


def _audit_issue(session: Session, actor: str, issued: ca.Issued, owner: str) -> None:
    data = {"owner": owner, "fingerprint_sha256": issued.fingerprint_sha256, "not_after": issued.not_after.isoformat()}
    audit.append(
        session,
        actor=actor,
        action="interop.certificate.issue",
        object_type="interop_certificate",
        object_id=issued.serial,
        data=data,
    )
    repository.bump_config_version(session)


def revoke_certificate(session: Session, serial: str, *, actor: str) -> IssuedCertificate:
    """Revoke by serial (hex, as ``cert list`` and ``openssl x509 -serial`` show it)."""
    normalised = serial.strip().lower().removeprefix("0x").replace(":", "").lstrip("0") or "0"
    row = trust_repo.certificate_by_serial(session, normalised)
    if row is None:
        raise NotFound(f"no certificate with serial {serial}")
    if row.revoked_at is not None:
        raise Conflict(f"certificate {serial} is already revoked")
    row.revoked_at = utcnow()
    audit.append(
        session,
        actor=actor,
        action="interop.certificate.revoke",
        object_type="interop_certificate",
        object_id=row.serial,
    )
    repository.bump_config_version(session)
    return row


def list_certificates(session: Session, client: ClientId | None = None) -> list[IssuedCertificate]:
    subsystem = subsystem_of(session, client).id if client is not None else None
    return list(trust_repo.certificates(session, subsystem))


def link_oauth_client(session: Session, client: ClientId, client_id: str, *, actor: str) -> LinkedOAuthClient:
    """Let the IKD machine client ``client_id`` call as subsystem ``client`` with its access tokens."""
    client_id = client_id.strip()
    if not 1 <= len(client_id) <= MAX_CLIENT_ID or not client_id.isprintable():
        raise ValidationFailed(f"an OAuth client id is 1 to {MAX_CLIENT_ID} printable characters")
    subsystem = subsystem_of(session, client)
    existing = trust_repo.linked_client(session, client_id)
    if existing is not None:
        raise Conflict(f"OAuth client {client_id!r} is already linked to a subsystem (unlink it first)")
    row = LinkedOAuthClient(client_id=client_id, subsystem_id=subsystem.id)
    repository.add(session, row)
    audit.append(
        session,
        actor=actor,
        action="interop.oauth_client.link",
        object_type="interop_subsystem",
        object_id=str(client),
        data={"client_id": client_id},
    )
    repository.bump_config_version(session)
    return row


def unlink_oauth_client(session: Session, client_id: str, *, actor: str) -> None:
    row = trust_repo.linked_client(session, client_id.strip())
    if row is None:
        raise NotFound(f"OAuth client {client_id!r} is not linked")
    repository.delete(session, row)
    audit.append(
        session,
        actor=actor,
        action="interop.oauth_client.unlink",
        object_type="interop_oauth_client",
        object_id=client_id,
    )
    repository.bump_config_version(session)


def linked_oauth_clients(session: Session) -> list[tuple[str, str, dt.datetime]]:
    """(client_id, subsystem, linked at) for every link."""
    names = subsystem_names(session)
    return [(row.client_id, names[row.subsystem_id], row.created_at) for row in trust_repo.linked_clients(session)]


def subsystem_names(session: Session) -> dict[int, str]:
    """Subsystem row id → its X-Road identifier text."""
    members = {m.id: m for m in repository.all_members(session)}
    names = {}
    for s in repository.all_subsystems(session):
        m = members[s.member_id]
        names[s.id] = str(ClientId(m.instance, m.member_class, m.member_code, s.code))
    return names
