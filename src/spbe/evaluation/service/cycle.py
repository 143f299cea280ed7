"""The assessment cycle: self-assessment → submit → assessor review → final (locked), every step audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from spbe.core.security import Principal
from spbe.evaluation import repository, scoring
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.integration import audit, get_subject
from spbe.evaluation.models import Assessment, AssessmentItem, AssessmentStatus
from spbe.evaluation.schemas import LevelEntry, ReviewEntry
from spbe.evaluation.service import access, periods
from spbe.evaluation.service.access import guarded as guarded
from spbe.evaluation.service.instruments import instrument_by_id, instrument_for_year

MIN_YEAR, MAX_YEAR = periods.MIN_YEAR, periods.MAX_YEAR


def object_id(agency_code: str, year: int) -> str:
    return f"{agency_code}/{year}"


def get_assessment(session: Session, agency_code: str, year: int) -> Assessment:
    assessment = repository.find_assessment(session, agency_code, year)
    if assessment is None:
        raise NotFound(f"{agency_code} has no evaluation for {year}.")
    return assessment


def open_cycle_year(session: Session) -> int | None:
    """The latest year whose evaluation cycle the coordinator has opened (None when none is open)."""
    years = periods.open_years(session)
    return years[-1] if years else None


def check_year(year: int) -> None:
    """The year is within the platform's range (whether its cycle is open is ``periods.require_open``)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}", errors=[FieldError("year", "out of range")]
        )


def pending(session: Session, agency_code: str, year: int) -> tuple[Assessment | None, Instrument]:
    """The agency's assessment of the year if it exists, and the instrument it has (or would get).

    Nothing is written: callers check everything against this instrument before ``open_assessment``, so a
    refused input never leaves an empty draft behind.
    """
    check_year(year)
    periods.require_open(session, year)
    existing = repository.find_assessment(session, agency_code, year)
    if existing is not None:
        return existing, instrument_by_id(session, existing.instrument_id)
    get_subject(session, agency_code)
    return None, instrument_for_year(session, year)[1]


def open_assessment(session: Session, agency_code: str, year: int) -> Assessment:
    """The agency's assessment of the year, created as a draft on first use with the year's instrument."""
    check_year(year)
    existing = repository.find_assessment(session, agency_code, year)
    if existing is not None:
        return existing
    subject = get_subject(session, agency_code)
    row, _ = instrument_for_year(session, year)
    return repository.add_assessment(
        session, Assessment(instrument_id=row.id, agency_code=subject.code, agency_kind=subject.kind, year=year)
    )


def require_status(assessment: Assessment, status: AssessmentStatus, doing: str) -> None:
    if assessment.status == AssessmentStatus.final.value:
        raise Conflict(f"The {assessment.year} evaluation of {assessment.agency_code} is final and locked.")
    if assessment.status != status.value:
        raise Conflict(f"Cannot {doing}: the evaluation is {assessment.status}, not {status.value}.")


def check_levels(instrument: Instrument, entries: Sequence[LevelEntry | ReviewEntry]) -> None:
    """Every entry names a known indicator, once, with a level on its scale; else all problems at once."""
    errors: list[FieldError] = []
    seen: set[int] = set()
    for row, entry in enumerate(entries):
        errors.extend(_entry_errors(instrument, entry, row, seen))
        seen.add(entry.indicator)
    if errors:
        raise ValidationFailed(f"{len(errors)} level(s) rejected; nothing was saved.", errors=errors)


def _entry_errors(
    instrument: Instrument, entry: LevelEntry | ReviewEntry, row: int, seen: set[int]
) -> list[FieldError]:
    if entry.indicator not in instrument.by_number:
        return [FieldError(f"items[{row}].indicator", f"unknown indicator {entry.indicator}", row)]
    if entry.indicator in seen:
        return [FieldError(f"items[{row}].indicator", f"indicator {entry.indicator} is given twice", row)]
    low, high = instrument.min_level, instrument.max_level
    if not low <= entry.level <= high:
        message = f"level {entry.level} of indicator {entry.indicator} is outside the scale {low}–{high}"
        return [FieldError(f"items[{row}].level", message, row)]
    return []


def self_assess(
    session: Session, principal: Principal, agency_code: str, year: int, entries: Sequence[LevelEntry]
) -> Assessment:
    """Record the agency's own levels and justifications (all entries or none)."""
    target = object_id(agency_code, year)
    guarded(session, principal, lambda: access.require_self_assessor(principal, agency_code), "self-assess", target)
    existing, instrument = pending(session, agency_code, year)
    if existing is not None:
        require_status(existing, AssessmentStatus.draft, "change the self-assessment")
    check_levels(instrument, entries)
    if not entries:
        raise ValidationFailed("No level given; nothing was saved.", errors=[FieldError("items", "empty")])
    assessment = existing or open_assessment(session, agency_code, year)
    items = repository.items_of(session, assessment.id)
    for entry in entries:
        item = items.get(entry.indicator) or _new_item(session, assessment.id, entry.indicator)
        item.self_level, item.justification = entry.level, entry.justification
    session.flush()
    audit(session, principal, "self-assess", target, {"levels": {str(e.indicator): e.level for e in entries}})
    return assessment


def _new_item(session: Session, assessment_id: int, number: int) -> AssessmentItem:
    item = AssessmentItem(assessment_id=assessment_id, indicator_number=number)
    repository.add_item(session, item)
    return item


def submit(session: Session, principal: Principal, agency_code: str, year: int) -> Assessment:
    """Hand the self-assessment to the assessors; every indicator needs a level."""
    target = object_id(agency_code, year)
    guarded(session, principal, lambda: access.require_self_assessor(principal, agency_code), "submit", target)
    assessment = get_assessment(session, agency_code, year)
    periods.require_open(session, year)
    require_status(assessment, AssessmentStatus.draft, "submit")
    missing = missing_indicators(session, assessment)
    if missing:
        errors = [FieldError(f"indicator {number}", "has no level") for number in missing]
        raise ValidationFailed(f"Cannot submit: {len(missing)} indicator(s) have no level: {missing}", errors=errors)
    assessment.status, assessment.submitted_at, assessment.submitted_by = "submitted", utcnow(), principal.subject
    session.flush()
    audit(session, principal, "submit", target)
    return assessment


def missing_indicators(session: Session, assessment: Assessment) -> list[int]:
    instrument = instrument_by_id(session, assessment.instrument_id)
    items = repository.items_of(session, assessment.id)
    levels = {number: item.self_level for number, item in items.items() if item.self_level is not None}
    return [number for number in instrument.numbers if number not in levels]


def review(
    session: Session, principal: Principal, agency_code: str, year: int, entries: Sequence[ReviewEntry]
) -> Assessment:
    """The assessor's validated levels and notes (all entries or none)."""
    target = object_id(agency_code, year)
    guarded(session, principal, lambda: access.require_assessor(principal, agency_code), "review", target)
    assessment = get_assessment(session, agency_code, year)
    periods.require_open(session, year)
    require_status(assessment, AssessmentStatus.submitted, "review")
    check_levels(instrument_by_id(session, assessment.instrument_id), entries)
    items = repository.items_of(session, assessment.id)
    for entry in entries:
        item = items[entry.indicator]
        item.validated_level, item.assessor_note = entry.level, entry.note
    session.flush()
    audit(session, principal, "review", target, {"levels": {str(e.indicator): e.level for e in entries}})
    return assessment


def final_levels(items: dict[int, AssessmentItem]) -> dict[int, int]:
    """The validated level where the assessor gave one, else the agency's own."""
    levels: dict[int, int] = {}
    for number, item in items.items():
        level = item.validated_level if item.validated_level is not None else item.self_level
        if level is not None:
            levels[number] = level
    return levels


def finalize(session: Session, principal: Principal, agency_code: str, year: int) -> Assessment:
    """Compute and lock the result; afterwards nothing about it can change."""
    target = object_id(agency_code, year)
    guarded(session, principal, lambda: access.require_assessor(principal, agency_code), "finalize", target)
    assessment = get_assessment(session, agency_code, year)
    periods.require_open(session, year)
    require_status(assessment, AssessmentStatus.submitted, "finalize")
    instrument = instrument_by_id(session, assessment.instrument_id)
    result = scoring.score(instrument, final_levels(repository.items_of(session, assessment.id)))
    assessment.status, assessment.finalized_at, assessment.finalized_by = "final", utcnow(), principal.subject
    repository.set_final(session, assessment, scoring.published(result.index), result.predikat)
    audit(session, principal, "finalize", target, result.as_published())
    return assessment
