"""Caller trust of the SPLP gateway: the platform CA, the certificates it issued and the IKD machine
clients linked to subsystems. Read by the gateway through its configuration snapshot, never per call."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from spbe.core.db import Base, utcnow


class CertificateAuthority(Base):
    """The platform CA (otoritas sertifikat SPLP): a self-signed ECDSA P-256 root whose private key is
    sealed with the platform secret, as the key store seals its keys. The newest row issues; older
    rows stay trusted until they expire, so a new CA does not cut off certificates already issued."""

    __tablename__ = "interop_ca"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)  # RFC 7638 thumbprint of the CA key
    certificate_pem: Mapped[str] = mapped_column(Text)
    sealed_private_key: Mapped[str] = mapped_column(Text)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    not_after: Mapped[dt.datetime] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IssuedCertificate(Base):
    """A certificate the platform CA issued: a client certificate of a subsystem (``kind`` ``client``)
    or a gateway node's server certificate (``kind`` ``server``, no subsystem)."""

    __tablename__ = "interop_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # lower-case hex
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the DER certificate
    kind: Mapped[str] = mapped_column(String(16))
    subsystem_id: Mapped[int | None] = mapped_column(
        ForeignKey("interop_subsystem.id", ondelete="CASCADE"), index=True, default=None
    )
    subject: Mapped[str] = mapped_column(String(400))
    ca_id: Mapped[int] = mapped_column(ForeignKey("interop_ca.id", ondelete="RESTRICT"), index=True)
    not_before: Mapped[dt.datetime] = mapped_column()
    not_after: Mapped[dt.datetime] = mapped_column()
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class LinkedOAuthClient(Base):
    """An IKD machine client (``client_id``) whose access tokens authenticate one subsystem."""

    __tablename__ = "interop_oauth_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(80), unique=True)
    subsystem_id: Mapped[int] = mapped_column(ForeignKey("interop_subsystem.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
