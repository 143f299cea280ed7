"""ORM models of the evaluation: instruments and their indicators, assessments, levels and evidence.

Agencies are referred to by their registry code (``agency_code``), not by a foreign key into the
registry's tables: the evaluation may run in its own process and reads agencies through the registry's
service. ``agency_kind`` is the agency's type when it was assessed (for the national distribution).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spbe.core.db import Base, utcnow


class AssessmentStatus(StrEnum):
    """Draft (self-assessment, penilaian mandiri) → submitted (under review) → final (locked)."""

    draft = "draft"
    submitted = "submitted"
    final = "final"


class Instrument(Base):
    """One version of an instrument file, loaded as data (the file's JSON is kept verbatim)."""

    __tablename__ = "eval_instrument"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    checksum: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IndicatorRow(Base):
    """An indicator of one instrument version (number, aspect, domain, weight)."""

    __tablename__ = "eval_indicator"
    __table_args__ = (UniqueConstraint("instrument_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("eval_instrument.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    domain_code: Mapped[str] = mapped_column(String(20))
    aspect_code: Mapped[str] = mapped_column(String(20))
    weight: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    scale: Mapped[str] = mapped_column(String(40))


class Assessment(Base):
    """An agency's evaluation for one year (evaluasi SPBE per instansi per tahun)."""

    __tablename__ = "eval_assessment"
    __table_args__ = (UniqueConstraint("agency_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("eval_instrument.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    agency_kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default=AssessmentStatus.draft.value)
    final_index: Mapped[Decimal | None] = mapped_column(Numeric(6, 4), default=None)
    predikat: Mapped[str | None] = mapped_column(String(40), default=None)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    submitted_by: Mapped[str | None] = mapped_column(String(200), default=None)
    finalized_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finalized_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AssessmentItem(Base):
    """One indicator of an assessment: the agency's level and justification, the assessor's validation."""

    __tablename__ = "eval_assessment_item"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("eval_assessment.id", ondelete="CASCADE"), index=True)
    indicator_number: Mapped[int] = mapped_column(Integer)
    self_level: Mapped[int | None] = mapped_column(Integer, default=None)
    justification: Mapped[str | None] = mapped_column(Text, default=None)
    validated_level: Mapped[int | None] = mapped_column(Integer, default=None)
    assessor_note: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Evidence(Base):
    """A link or an uploaded file (stored by SHA-256 under the data folder) supporting one indicator."""

    __tablename__ = "eval_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("eval_assessment.id", ondelete="CASCADE"), index=True)
    indicator_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # "link" | "file"
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    filename: Mapped[str | None] = mapped_column(String(255), default=None)
    content_type: Mapped[str | None] = mapped_column(String(100), default=None)
    size: Mapped[int | None] = mapped_column(Integer, default=None)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    added_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CycleStatus(StrEnum):
    """An evaluation period: ``open`` (agencies assess, assessors review) → ``closed`` (results published)."""

    open = "open"
    closed = "closed"


class EvaluationCycle(Base):
    """The evaluation period of one year (periode evaluasi), opened and closed by the coordinator.

    Self-assessment, evidence, submission, review and finalizing happen only while the year's cycle is open;
    the national picture, the history and the public results show closed (published) years only.
    """

    __tablename__ = "eval_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(20), default=CycleStatus.open.value)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(200), default=None)
