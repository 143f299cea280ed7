"""ORM models of the identity module (IKD): residents, accounts, staff, OIDC clients and protocol state.

Secrets are never stored in the clear: passwords as argon2 hashes, authorization codes, refresh tokens,
session ids and one-time codes as SHA-256 digests, TOTP seeds sealed with the platform secret.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spbe.core.db import Base, utcnow


class Resident(Base):
    """Penduduk: one entry of the population register (standing in for Dukcapil data)."""

    __tablename__ = "identity_resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    kk_number: Mapped[str] = mapped_column(String(16), index=True)  # nomor Kartu Keluarga
    name: Mapped[str] = mapped_column(String(120))
    birth_place: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200))
    village_code: Mapped[str] = mapped_column(String(13))
    district_code: Mapped[str] = mapped_column(String(8))
    regency_code: Mapped[str] = mapped_column(String(5))
    province_code: Mapped[str] = mapped_column(String(2))


class Account(Base):
    """An IKD account: a resident who claimed their NIK. ``public_id`` is the internal subject id."""

    __tablename__ = "identity_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("identity_resident.id"), unique=True)
    email: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30), default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | active | suspended
    identity_level: Mapped[str] = mapped_column(String(24), default="self_asserted")
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    totp_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int] = mapped_column(default=0)  # a TOTP code works once
    code_digest: Mapped[str | None] = mapped_column(String(64), default=None)  # activation one-time code
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    code_attempts: Mapped[int] = mapped_column(default=0)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class StaffAccount(Base):
    """An agency staff member (pegawai) with roles in one agency (instansi)."""

    __tablename__ = "identity_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200))
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    totp_last_step: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OidcClient(Base):
    """A relying party (a registry application) or a machine client of an agency system."""

    __tablename__ = "identity_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # relying_party | machine
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    application_code: Mapped[str | None] = mapped_column(String(60), default=None)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    jwks_uri: Mapped[str | None] = mapped_column(String(500), default=None)
    sector_identifier: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(300), default="")  # why the RP asks for personal data
    allowed_scopes: Mapped[str] = mapped_column(String(500), default="openid")
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # machine clients' roles
    require_par: Mapped[bool] = mapped_column(default=True)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(500), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PendingAuthorization(Base):
    """A validated authorization request waiting for the person: pushed (PAR) or from the front channel."""

    __tablename__ = "identity_pending_authorization"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(80), index=True)
    pushed: Mapped[bool] = mapped_column(default=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class LoginSession(Base):
    """A browser's sign-in at the provider; ``sid_digest`` is the hash of the cookie value."""

    __tablename__ = "identity_login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_digest: Mapped[str] = mapped_column(String(64), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # resident | staff
    subject_id: Mapped[int] = mapped_column()
    stage: Mapped[str] = mapped_column(String(16))  # password | complete
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # a pending WebAuthn challenge (registration or sign-in with a passkey); one use, short-lived
    challenge: Mapped[str | None] = mapped_column(String(128), default=None)
    challenge_expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Passkey(Base):
    """A resident's WebAuthn credential (passkey): public key, signature counter, last use."""

    __tablename__ = "identity_passkey"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("identity_account.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(700), unique=True)  # base64url
    public_key: Mapped[str] = mapped_column(Text)  # COSE key, base64url
    sign_count: Mapped[int] = mapped_column(default=0)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AuthorizationCode(Base):
    """An issued authorization code (stored as a digest), single use."""

    __tablename__ = "identity_authorization_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(80))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column()
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(500))
    nonce: Mapped[str | None] = mapped_column(String(200), default=None)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    acr: Mapped[str] = mapped_column(String(80))
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[dt.datetime] = mapped_column()
    session_id: Mapped[int | None] = mapped_column(default=None)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class RefreshToken(Base):
    """A refresh token (digest). Rotation: each use revokes it and issues a successor in the same family."""

    __tablename__ = "identity_refresh_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int | None] = mapped_column(default=None)  # the code the family started from
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    client_id: Mapped[str] = mapped_column(String(80), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(index=True)
    scope: Mapped[str] = mapped_column(String(500))
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    acr: Mapped[str] = mapped_column(String(80))
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[dt.datetime] = mapped_column()
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class IssuedAccessToken(Base):
    """An access token issued to a relying party for a person (JWT, by ``jti``): userinfo reads it."""

    __tablename__ = "identity_access_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(80), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(index=True)
    scope: Mapped[str] = mapped_column(String(500))
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    refresh_family: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class RevokedAccessToken(Base):
    """Machine access tokens (JWT, by ``jti``, not otherwise stored) revoked before they expire."""

    __tablename__ = "identity_revoked_access_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class ClientAssertionUse(Base):
    """The ``jti`` replay cache of ``private_key_jwt`` assertions (kept until the assertion expires)."""

    __tablename__ = "identity_client_assertion_jti"
    __table_args__ = (UniqueConstraint("client_id", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(80))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class Consent(Base):
    """Persetujuan: a resident's consent to release claims to one relying party, for a purpose."""

    __tablename__ = "identity_consent"
    __table_args__ = (UniqueConstraint("account_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("identity_account.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(80))
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(String(300))
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
