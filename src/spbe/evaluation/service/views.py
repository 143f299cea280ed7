"""Read models: one assessment with its score, an agency's results across years with per-indicator change."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from spbe.core.errors import NotFound
from spbe.core.security import Principal
from spbe.evaluation import repository, scoring
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.models import Assessment, AssessmentItem, AssessmentStatus, Evidence
from spbe.evaluation.national import comparable
from spbe.evaluation.schemas import AssessmentOut, EvidenceOut, ItemOut, ScoreOut
from spbe.evaluation.service import access, periods
from spbe.evaluation.service.cycle import final_levels, get_assessment, guarded, object_id
from spbe.evaluation.service.instruments import instrument_by_id


def assessment_for(session: Session, principal: Principal, agency_code: str, year: int) -> AssessmentOut:
    """An assessment in any state, for its agency's staff, assessors and the coordinator."""
    target = object_id(agency_code, year)
    guarded(session, principal, lambda: access.require_reader(principal, agency_code), "read", target)
    return describe(session, get_assessment(session, agency_code, year))


def final_assessment(session: Session, agency_code: str, year: int) -> AssessmentOut:
    """A final result of a published (closed) year, readable by anyone."""
    assessment = repository.find_assessment(session, agency_code, year)
    final = assessment is not None and assessment.status == AssessmentStatus.final.value
    if assessment is None or not final or not periods.is_published(session, year):
        raise NotFound(f"{agency_code} has no final evaluation result for {year}.")
    return describe(session, assessment)


def describe(session: Session, assessment: Assessment) -> AssessmentOut:
    instrument = instrument_by_id(session, assessment.instrument_id)
    items = repository.items_of(session, assessment.id)
    levels = final_levels(items)
    missing = scoring.missing_indicators(instrument, levels)
    score = None if missing else ScoreOut(**scoring.score(instrument, levels).as_published())
    return AssessmentOut(
        agency_code=assessment.agency_code,
        agency_kind=assessment.agency_kind,
        year=assessment.year,
        instrument=f"{instrument.code}@{instrument.version}",
        status=assessment.status,
        missing=missing,
        score=score,
        items=[_item(instrument, number, items.get(number)) for number in instrument.numbers],
        evidence=[evidence_out(e) for e in repository.evidence_of(session, assessment.id)],
    )


def _item(instrument: Instrument, number: int, item: AssessmentItem | None) -> ItemOut:
    indicator = instrument.by_number[number]
    level = None if item is None else (item.validated_level or item.self_level)
    return ItemOut(
        indicator=number,
        name=indicator.name,
        domain=indicator.domain,
        aspect=indicator.aspect,
        weight=str(indicator.weight),
        self_level=None if item is None else item.self_level,
        justification=None if item is None else item.justification,
        validated_level=None if item is None else item.validated_level,
        assessor_note=None if item is None else item.assessor_note,
        level_name=None if level is None else instrument.level_name(number, level),
    )


def evidence_out(evidence: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=evidence.id,
        indicator=evidence.indicator_number,
        kind=evidence.kind,
        url=evidence.url,
        filename=evidence.filename,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
    )


@dataclass(frozen=True)
class YearResult:
    """One final year of an agency, scored with the instrument it was assessed with.

    ``change`` is the level minus the previous final year's level, only for indicators present in both
    years' instruments (``national.comparable``); ``not_compared`` names this year's other indicators when
    the instrument changed (empty for the first year or the same instrument).
    """

    year: int
    index: Decimal
    predikat: str
    domains: dict[str, Decimal]
    levels: dict[int, int]
    change: dict[int, int]
    instrument: Instrument
    previous_instrument: Instrument | None = None
    not_compared: tuple[int, ...] = ()

    @property
    def instrument_changed(self) -> bool:
        return self.previous_instrument is not None and self.previous_instrument.checksum != self.instrument.checksum


def history(session: Session, agency_code: str) -> list[YearResult]:
    """Every published final result of an agency (closed cycles only), oldest first, with the change per
    indicator from the year before; a result finalized in a still open cycle is not part of it yet."""
    results: list[YearResult] = []
    published = set(periods.closed_years(session))
    for assessment in repository.assessments_of_agency(session, agency_code):
        if assessment.status != AssessmentStatus.final.value or assessment.year not in published:
            continue
        instrument = instrument_by_id(session, assessment.instrument_id)
        levels = final_levels(repository.items_of(session, assessment.id))
        score = scoring.score(instrument, levels)
        results.append(_year_result(assessment.year, instrument, score, levels, results[-1] if results else None))
    return results


def _year_result(
    year: int, instrument: Instrument, score: scoring.Score, levels: dict[int, int], previous: YearResult | None
) -> YearResult:
    if previous is None:
        return YearResult(year, score.index, score.predikat, score.domains, levels, {}, instrument)
    shared = set(comparable(instrument, previous.instrument))
    change = {n: level - previous.levels[n] for n, level in levels.items() if n in shared and n in previous.levels}
    not_compared = tuple(n for n in instrument.numbers if n not in shared)
    return YearResult(
        year, score.index, score.predikat, score.domains, levels, change, instrument, previous.instrument, not_compared
    )


@dataclass(frozen=True)
class CycleYear:
    """An agency's assessment of one year as the agency page shows it: its status (None: not started) and
    how many indicators have the agency's level."""

    year: int
    status: str | None
    filled: int = 0
    total: int = 0


def cycle_year(session: Session, agency_code: str, year: int) -> CycleYear:
    """The state of an agency's assessment of a year, for those who may see it in progress."""
    assessment = repository.find_assessment(session, agency_code, year)
    if assessment is None:
        return CycleYear(year, None)
    instrument = instrument_by_id(session, assessment.instrument_id)
    items = repository.items_of(session, assessment.id)
    filled = sum(1 for item in items.values() if item.self_level is not None)
    return CycleYear(year, assessment.status, filled, len(instrument.numbers))


def years_in_progress(session: Session, agency_code: str) -> list[CycleYear]:
    """The agency's assessments not published yet (drafts, submitted, final in an open cycle), oldest first."""
    published = set(periods.closed_years(session))
    return [
        cycle_year(session, agency_code, a.year)
        for a in repository.assessments_of_agency(session, agency_code)
        if a.status != AssessmentStatus.final.value or a.year not in published
    ]
