"""ORM models of the registry (Arsitektur SPBE)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spbe.core.db import Base, utcnow


class AgencyKind(StrEnum):
    """Jenis instansi: central (kementerian, LPNK, lembaga) or regional government (pemda)."""

    kementerian = "kementerian"
    lpnk = "lpnk"
    lembaga = "lembaga"
    provinsi = "provinsi"
    kabupaten = "kabupaten"
    kota = "kota"

    @property
    def is_regional(self) -> bool:
        return self in (AgencyKind.provinsi, AgencyKind.kabupaten, AgencyKind.kota)


class Agency(Base):
    """Instansi: a ministry, an agency or a regional government, with a stable code.

    Regional governments carry the Kemendagri code of their region (``32`` Provinsi Jawa Barat,
    ``32.73`` Kota Bandung); central agencies carry none.
    """

    __tablename__ = "registry_agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(60), default=None)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    region_code: Mapped[str | None] = mapped_column(String(5), index=True, default=None)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("wilayah_province.code"), index=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApplicationKind(StrEnum):
    """Perpres 95/2018: an Aplikasi Umum is shared and designated nationally; a khusus one is agency-specific."""

    umum = "umum"
    khusus = "khusus"


class ServiceArea(StrEnum):
    """Referensi Arsitektur Layanan: public services (G2C/G2B) or government administration (G2G/G2E)."""

    publik = "publik"
    administrasi = "administrasi"


class LifecycleStatus(StrEnum):
    planned = "planned"
    development = "development"
    production = "production"
    retired = "retired"


class TaxonomyTerm(Base):
    """One term of a reference architecture (RAB, RAD, RAL, RAA, RAI, RAK), versioned as data.

    ``reference`` is the architecture (``probis``, ``data``, ``layanan``, ``aplikasi``, ``infrastruktur``,
    ``keamanan``); ``code`` is unique within a reference and version (e.g. Proses Bisnis ``09.06``).
    """

    __tablename__ = "registry_taxonomy_term"
    __table_args__ = (UniqueConstraint("reference", "version", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(40), default=None)
    level: Mapped[int] = mapped_column(default=1)
    description: Mapped[str | None] = mapped_column(Text, default=None)


class Infrastructure(Base):
    """Infrastruktur SPBE: a data centre (incl. Pusat Data Nasional), a network or a cloud platform."""

    __tablename__ = "registry_infrastructure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)  # data_centre | network | cloud
    agency_id: Mapped[int] = mapped_column(ForeignKey("registry_agency.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(13), default=None)
    is_national_data_centre: Mapped[bool] = mapped_column(default=False)
    tier: Mapped[str | None] = mapped_column(String(20), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(default=1)  # optimistic locking for concurrent edits
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DataSet(Base):
    """A data set with Satu Data Indonesia metadata; the producer agency is its walidata."""

    __tablename__ = "registry_dataset"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    producer_agency_id: Mapped[int] = mapped_column(ForeignKey("registry_agency.id"), index=True)
    reference_codes: Mapped[str | None] = mapped_column(String(200), default=None)  # kode referensi, ";"-joined
    data_format: Mapped[str | None] = mapped_column(String(40), default=None)  # csv, json, api, xlsx…
    frequency: Mapped[str | None] = mapped_column(String(40), default=None)  # harian, bulanan, tahunan…
    classification: Mapped[str] = mapped_column(String(20), default="terbuka")  # terbuka | terbatas | rahasia
    version: Mapped[int] = mapped_column(default=1)  # optimistic locking for concurrent edits
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Application(Base):
    """Aplikasi SPBE: one application of one owner agency, classified against the reference architectures.

    ``functional_fit`` and ``technical_fit`` (1–4, LeanIX style) give the TIME disposition
    (Tolerate / Invest / Migrate / Eliminate).
    """

    __tablename__ = "registry_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    acronym: Mapped[str | None] = mapped_column(String(60), index=True, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("registry_agency.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), index=True, default=ApplicationKind.khusus)
    wali_agency_id: Mapped[int | None] = mapped_column(ForeignKey("registry_agency.id"), default=None)
    category_code: Mapped[str | None] = mapped_column(String(40), index=True, default=None)  # RAA term
    service_area: Mapped[str | None] = mapped_column(String(20), index=True, default=None)
    status: Mapped[str] = mapped_column(String(20), index=True, default=LifecycleStatus.production)
    hosting_id: Mapped[int | None] = mapped_column(ForeignKey("registry_infrastructure.id"), default=None)
    technology: Mapped[str | None] = mapped_column(String(200), default=None)
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    user_count: Mapped[int | None] = mapped_column(default=None)
    functional_fit: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    technical_fit: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    version: Mapped[int] = mapped_column(default=1)  # optimistic locking for concurrent edits
    search_text: Mapped[str] = mapped_column(Text, default="")  # normalised code, acronym, name, description
    name_key: Mapped[str] = mapped_column(String(200), default="")  # normalised name, for ranking
    acronym_key: Mapped[str] = mapped_column(String(60), index=True, default="")  # "SP4N-LAPOR!" → "sp4nlapor"
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApplicationAffair(Base):
    """An urusan of the Referensi Arsitektur Proses Bisnis (``SS.UU``) that an application serves."""

    __tablename__ = "registry_application_affair"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("registry_application.id", ondelete="CASCADE"), primary_key=True
    )
    affair_code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)


class ApplicationDataSet(Base):
    """A data set an application uses or produces."""

    __tablename__ = "registry_application_dataset"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("registry_application.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[int] = mapped_column(ForeignKey("registry_dataset.id", ondelete="CASCADE"), primary_key=True)


class Integration(Base):
    """One application exchanging data with another (through SPLP or directly)."""

    __tablename__ = "registry_integration"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("registry_application.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("registry_application.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="splp")  # splp | direct | file


class Service(Base):
    """Layanan SPBE: a public or administrative service an agency delivers through applications."""

    __tablename__ = "registry_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    agency_id: Mapped[int] = mapped_column(ForeignKey("registry_agency.id"), index=True)
    service_area: Mapped[str] = mapped_column(String(20), default=ServiceArea.publik)
    category_code: Mapped[str | None] = mapped_column(String(40), default=None)  # RAL term
    version: Mapped[int] = mapped_column(default=1)  # optimistic locking for concurrent edits
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ServiceApplication(Base):
    __tablename__ = "registry_service_application"

    service_id: Mapped[int] = mapped_column(ForeignKey("registry_service.id", ondelete="CASCADE"), primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("registry_application.id", ondelete="CASCADE"), primary_key=True
    )


class Classification(Base):
    """Any registry object classified against a term of a reference architecture."""

    __tablename__ = "registry_classification"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "reference", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))


class Change(Base):
    """One entry of a registry object's change log (NetBox's ObjectChange): who, when, before, after.

    Each entry names the audit record (``audit_seq``) that signs it: one record per single change, one
    record per bulk import listing every change of the import.
    """

    __tablename__ = "registry_change"
    __table_args__ = (Index("ix_registry_change_object", "object_type", "object_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_code: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))  # create | update | delete
    actor: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="api")  # api | import | seed
    audit_seq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"before": …, "after": …}
