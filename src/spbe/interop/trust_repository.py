"""All SQL of the gateway's caller trust (the platform CA, issued certificates, linked OAuth clients)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.interop.trust_models import CertificateAuthority, IssuedCertificate, LinkedOAuthClient


def newest_ca(session: Session) -> CertificateAuthority | None:
    query = select(CertificateAuthority).order_by(CertificateAuthority.id.desc()).limit(1)
    return session.scalars(query).first()


def trusted_cas(session: Session, now: dt.datetime) -> Sequence[CertificateAuthority]:
    """Every CA not yet expired, oldest first."""
    query = select(CertificateAuthority).where(CertificateAuthority.not_after > now)
    return session.scalars(query.order_by(CertificateAuthority.id)).all()


def certificate_by_serial(session: Session, serial: str) -> IssuedCertificate | None:
    return session.scalars(select(IssuedCertificate).where(IssuedCertificate.serial == serial)).one_or_none()


def certificates(session: Session, subsystem_id: int | None = None) -> Sequence[IssuedCertificate]:
    query = select(IssuedCertificate).order_by(IssuedCertificate.id)
    if subsystem_id is not None:
        query = query.where(IssuedCertificate.subsystem_id == subsystem_id)
    return session.scalars(query).all()


def valid_client_certificates(session: Session, now: dt.datetime) -> Sequence[IssuedCertificate]:
    """Client certificates not revoked and not expired (what a gateway may accept)."""
    query = select(IssuedCertificate).where(
        IssuedCertificate.kind == "client",
        IssuedCertificate.revoked_at.is_(None),
        IssuedCertificate.not_after > now,
        IssuedCertificate.subsystem_id.is_not(None),
    )
    return session.scalars(query.order_by(IssuedCertificate.id)).all()


def revoked_client_fingerprints(session: Session, now: dt.datetime) -> Sequence[str]:
    """Revoked client certificates still within their validity (so the gateway can say why it refuses)."""
    query = select(IssuedCertificate.fingerprint_sha256).where(
        IssuedCertificate.kind == "client",
        IssuedCertificate.revoked_at.is_not(None),
        IssuedCertificate.not_after > now,
    )
    return session.scalars(query).all()


def linked_client(session: Session, client_id: str) -> LinkedOAuthClient | None:
    return session.scalars(select(LinkedOAuthClient).where(LinkedOAuthClient.client_id == client_id)).one_or_none()


def linked_clients(session: Session) -> Sequence[LinkedOAuthClient]:
    return session.scalars(select(LinkedOAuthClient).order_by(LinkedOAuthClient.id)).all()
