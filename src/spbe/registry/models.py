"""ORM models of the registry (Arsitektur SPBE)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String
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
