"""ORM models of SPLP: members (agencies), subsystems (their applications), services, endpoints,
access rights, quotas and caller credentials. The message log lives in segment files, not here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spbe.core.db import Base, utcnow


class Member(Base):
    """Anggota SPLP: an agency (instansi) registered as an X-Road member.

    ``member_class`` is ``GOV`` for central agencies and ``PEMDA`` for regional governments;
    ``province_code`` lets access rights name "all of province 32".
    """

    __tablename__ = "interop_member"
    __table_args__ = (UniqueConstraint("instance", "member_class", "member_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance: Mapped[str] = mapped_column(String(64))
    member_class: Mapped[str] = mapped_column(String(64))
    member_code: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    agency_code: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    province_code: Mapped[str | None] = mapped_column(String(2), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    subsystems: Mapped[list[Subsystem]] = relationship(back_populates="member", lazy="raise")


class Subsystem(Base):
    """A member's information system (usually one registry application)."""

    __tablename__ = "interop_subsystem"
    __table_args__ = (UniqueConstraint("member_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("interop_member.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    application_code: Mapped[str | None] = mapped_column(String(60), default=None)  # registry application
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(back_populates="subsystems", lazy="raise")


class Service(Base):
    """A REST service a subsystem provides; ``base_url`` is the only place the gateway ever sends to."""

    __tablename__ = "interop_service"
    __table_args__ = (UniqueConstraint("subsystem_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subsystem_id: Mapped[int] = mapped_column(ForeignKey("interop_subsystem.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200), default="")
    base_url: Mapped[str] = mapped_column(String(500))
    timeout_ms: Mapped[int] = mapped_column(Integer, default=30_000)
    enabled: Mapped[bool] = mapped_column(default=True)
    openapi: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Endpoint(Base):
    """One operation of a service (method + path, ``*`` wildcards as in X-Road)."""

    __tablename__ = "interop_endpoint"
    __table_args__ = (UniqueConstraint("service_id", "method", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("interop_service.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))


class AccessRight(Base):
    """Hak akses: a service (or one endpoint of it) granted to a subsystem or to a group.

    Groups are ``class:PEMDA`` (all regional governments), ``class:GOV``, ``province:32`` (every member
    in province 32) and ``all``. Default deny: no row, no call.
    """

    __tablename__ = "interop_access_right"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("interop_service.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("interop_endpoint.id", ondelete="CASCADE"), index=True, default=None
    )
    subject_subsystem_id: Mapped[int | None] = mapped_column(
        ForeignKey("interop_subsystem.id", ondelete="CASCADE"), index=True, default=None
    )
    subject_group: Mapped[str | None] = mapped_column(String(64), default=None)
    granted_by: Mapped[str] = mapped_column(String(200), default="system")
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Quota(Base):
    """A request limit for one service, optionally for one client subsystem (per node)."""

    __tablename__ = "interop_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("interop_service.id", ondelete="CASCADE"), index=True)
    client_subsystem_id: Mapped[int | None] = mapped_column(
        ForeignKey("interop_subsystem.id", ondelete="CASCADE"), default=None
    )
    limit: Mapped[int] = mapped_column(Integer)
    window_seconds: Mapped[int] = mapped_column(Integer, default=60)


class ApiKey(Base):
    """TEMPORARY caller credential of a subsystem (until mTLS / OAuth client credentials land).

    Only the SHA-256 of the secret is stored; ``key_id`` is the public half of ``splp_<key_id>_<secret>``.
    """

    __tablename__ = "interop_api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    subsystem_id: Mapped[int] = mapped_column(ForeignKey("interop_subsystem.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AccessRequest(Base):
    """Permohonan akses: a consumer subsystem asks a provider for the right to call a service.

    ``status`` moves from ``requested`` to ``approved``, ``rejected`` or ``withdrawn`` (and no further).
    ``endpoints`` is a JSON list of ``"METHOD /path"`` (empty: the whole service). ``open_key`` is set
    only while the request is open, so the unique constraint refuses a second open request for the same
    service and consumer even under concurrent submissions (NULLs never collide).
    """

    __tablename__ = "interop_access_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("interop_service.id", ondelete="CASCADE"), index=True)
    consumer_subsystem_id: Mapped[int] = mapped_column(
        ForeignKey("interop_subsystem.id", ondelete="CASCADE"), index=True
    )
    endpoints: Mapped[str] = mapped_column(Text, default="[]")
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)


class ConfigVersion(Base):
    """One row whose counter changes on every configuration change, so gateways reload cheaply."""

    __tablename__ = "interop_config_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
