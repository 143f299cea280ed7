"""All SQL of the evaluation module."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.orm import Session

from spbe.evaluation.models import (
    Assessment,
    AssessmentItem,
    AssessmentStatus,
    CycleStatus,
    EvaluationCycle,
    Evidence,
    IndicatorRow,
    Instrument,
)


def find_instrument(session: Session, code: str, version: int | None = None) -> Instrument | None:
    """One version of an instrument, or its latest version when ``version`` is None."""
    query = select(Instrument).where(Instrument.code == code)
    if version is not None:
        query = query.where(Instrument.version == version)
    return session.scalars(query.order_by(Instrument.version.desc()).limit(1)).first()


def get_instrument_by_id(session: Session, instrument_id: int) -> Instrument | None:
    return session.get(Instrument, instrument_id)


def list_instruments(session: Session) -> Sequence[Instrument]:
    return session.scalars(select(Instrument).order_by(Instrument.code, Instrument.version)).all()


def assessments_per_instrument(session: Session) -> dict[int, int]:
    query = select(Assessment.instrument_id, func.count(Assessment.id)).group_by(Assessment.instrument_id)
    return {instrument_id: count for instrument_id, count in session.execute(query).all()}


def add_instrument(session: Session, row: Instrument, indicators: Iterable[IndicatorRow]) -> Instrument:
    session.add(row)
    session.flush()
    for indicator in indicators:
        indicator.instrument_id = row.id
        session.add(indicator)
    session.flush()
    return row


def find_assessment(session: Session, agency_code: str, year: int) -> Assessment | None:
    query = select(Assessment).where(Assessment.agency_code == agency_code, Assessment.year == year)
    return session.scalars(query).first()


def add_assessment(session: Session, assessment: Assessment) -> Assessment:
    session.add(assessment)
    session.flush()
    return assessment


def items_of(session: Session, assessment_id: int) -> dict[int, AssessmentItem]:
    query = select(AssessmentItem).where(AssessmentItem.assessment_id == assessment_id)
    return {item.indicator_number: item for item in session.scalars(query)}


def add_item(session: Session, item: AssessmentItem) -> None:
    session.add(item)


def evidence_of(session: Session, assessment_id: int) -> Sequence[Evidence]:
    query = select(Evidence).where(Evidence.assessment_id == assessment_id).order_by(Evidence.id)
    return session.scalars(query).all()


def find_evidence(session: Session, assessment_id: int, evidence_id: int) -> Evidence | None:
    query = select(Evidence).where(Evidence.id == evidence_id, Evidence.assessment_id == assessment_id)
    return session.scalars(query).first()


def add_evidence(session: Session, evidence: Evidence) -> Evidence:
    session.add(evidence)
    session.flush()
    return evidence


def assessments_of_agency(session: Session, agency_code: str) -> Sequence[Assessment]:
    query = select(Assessment).where(Assessment.agency_code == agency_code).order_by(Assessment.year)
    return session.scalars(query).all()


def final_results(session: Session, year: int) -> Sequence[Row[int, str, str, Decimal | None, str | None, int]]:
    """(assessment id, agency code, agency kind, index, predikat, instrument id) of a year's final assessments."""
    query = (
        select(
            Assessment.id,
            Assessment.agency_code,
            Assessment.agency_kind,
            Assessment.final_index,
            Assessment.predikat,
            Assessment.instrument_id,
        )
        .where(Assessment.year == year, Assessment.status == AssessmentStatus.final.value)
        .order_by(Assessment.agency_code)
    )
    return session.execute(query).all()


def final_levels(session: Session, year: int, agency_code: str | None = None) -> Sequence[Row[str, int, int]]:
    """(agency code, indicator number, final level) of the final assessments of a year."""
    level = func.coalesce(AssessmentItem.validated_level, AssessmentItem.self_level)
    query = (
        select(Assessment.agency_code, AssessmentItem.indicator_number, level)
        .join(AssessmentItem, AssessmentItem.assessment_id == Assessment.id)
        .where(Assessment.year == year, Assessment.status == AssessmentStatus.final.value)
    )
    if agency_code is not None:
        query = query.where(Assessment.agency_code == agency_code)
    return session.execute(query).all()


def _published_years() -> Any:
    return select(EvaluationCycle.year).where(EvaluationCycle.status == CycleStatus.closed.value)


def final_years(session: Session) -> list[int]:
    """The published years: closed cycles with at least one final result (an open year is not published)."""
    query = (
        select(Assessment.year)
        .where(Assessment.status == AssessmentStatus.final.value, Assessment.year.in_(_published_years()))
        .distinct()
    )
    return sorted(session.scalars(query).all())


def existing_assessment_keys(session: Session, years: Iterable[int]) -> set[tuple[str, int]]:
    query = select(Assessment.agency_code, Assessment.year).where(Assessment.year.in_(list(years)))
    return {(code, year) for code, year in session.execute(query).all()}


def bulk_insert_assessments(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, int], int]:
    """Insert many assessments at once; returns their ids by (agency code, year)."""
    if not rows:
        return {}
    session.execute(insert(Assessment), rows)
    keys = {(row["agency_code"], row["year"]) for row in rows}
    query = select(Assessment.id, Assessment.agency_code, Assessment.year).where(
        Assessment.year.in_({year for _, year in keys})
    )
    return {(code, year): id_ for id_, code, year in session.execute(query).all() if (code, year) in keys}


def bulk_insert_items(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(AssessmentItem), rows)


def delete_items(session: Session, assessment_id: int) -> None:
    session.execute(delete(AssessmentItem).where(AssessmentItem.assessment_id == assessment_id))


def set_final(session: Session, assessment: Assessment, index: Decimal, predikat: str) -> None:
    assessment.final_index = index
    assessment.predikat = predikat
    session.flush()


def final_indices(session: Session) -> Sequence[Row[int, Decimal | None]]:
    """(year, index) of every final assessment of a published (closed) year."""
    query = select(Assessment.year, Assessment.final_index).where(
        Assessment.status == AssessmentStatus.final.value, Assessment.year.in_(_published_years())
    )
    return session.execute(query).all()


def instrument_counts(session: Session, year: int) -> list[tuple[int, int]]:
    """(instrument id, assessments) of a year, the most used instrument first."""
    count = func.count(Assessment.id)
    query = (
        select(Assessment.instrument_id, count)
        .where(Assessment.year == year)
        .group_by(Assessment.instrument_id)
        .order_by(count.desc(), Assessment.instrument_id.desc())
    )
    return [(instrument_id, n) for instrument_id, n in session.execute(query).all()]


def status_counts(session: Session, year: int) -> dict[str, int]:
    """How many assessments of a year are draft, submitted and final."""
    count = func.count(Assessment.id)
    query = select(Assessment.status, count).where(Assessment.year == year).group_by(Assessment.status)
    return {status: count for status, count in session.execute(query).all()}


def find_cycle(session: Session, year: int) -> EvaluationCycle | None:
    return session.scalar(select(EvaluationCycle).where(EvaluationCycle.year == year))


def list_cycles(session: Session) -> Sequence[EvaluationCycle]:
    return session.scalars(select(EvaluationCycle).order_by(EvaluationCycle.year)).all()


def add_cycle(session: Session, cycle: EvaluationCycle) -> EvaluationCycle:
    session.add(cycle)
    session.flush()
    return cycle
