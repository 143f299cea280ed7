"""Region codes as Kemendagri publishes them, dotted: ``32``, ``32.73``, ``32.73.05``, ``32.73.05.1001``."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from spbe.core.db import Base


class Province(Base):
    """Provinsi."""

    __tablename__ = "wilayah_province"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Regency(Base):
    """Kabupaten (codes 01–69) or kota (71–99)."""

    __tablename__ = "wilayah_regency"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("wilayah_province.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # "kabupaten" | "kota"


class District(Base):
    """Kecamatan (distrik in Papua)."""

    __tablename__ = "wilayah_district"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    regency_code: Mapped[str] = mapped_column(ForeignKey("wilayah_regency.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Village(Base):
    """Desa or kelurahan; the first digit of the last part tells which (1 kelurahan, 2 desa, 3 desa adat)."""

    __tablename__ = "wilayah_village"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("wilayah_district.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))  # "kelurahan" | "desa" | "desa adat"
