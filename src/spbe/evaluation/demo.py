"""Demo data: final evaluations of every seeded agency for 2018–2024, shaped like the published trend.

Deterministic (a fixed seed per agency and year) and idempotent (agencies already evaluated in a year are
skipped). The national index of each year is calibrated to the published one (1.98 in 2018 → 3.12 in
2024); domains keep their published 2024 shape (Kebijakan 3.36, Tata Kelola 2.62, Manajemen 1.86,
Layanan 3.78) scaled to each year, and central agencies sit above regional governments (2.90 vs 2.14 in
the 2020 report). Demo only: the 2018–2019 evaluations really used PermenPANRB 5/2018.
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.evaluation import repository, scoring
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.integration import Subject, group_of, list_subjects
from spbe.evaluation.service import periods
from spbe.evaluation.service.instruments import instrument_for_year

NATIONAL_TREND = {2018: 1.98, 2019: 2.18, 2020: 2.26, 2021: 2.24, 2022: 2.34, 2023: 2.79, 2024: 3.12}
DOMAIN_OFFSETS_2024 = {"D1": 0.24, "D2": -0.50, "D3": -1.26, "D4": 0.66}
CENTRAL_BONUS = 0.7
SEED = 59_2020
DEMO_ACTOR = "demo-seed"


@dataclass(frozen=True)
class Draw:
    """The random parts of one agency-year, drawn once; only the calibration shift varies."""

    code: str
    kind: str
    base: float
    noise: tuple[float, ...]


def _agency_strength(code: str, kind: str) -> float:
    rng = random.Random(f"{SEED}:{code}")  # noqa: S311 (demo data, not security)
    bonus = CENTRAL_BONUS if group_of(kind) == "central" else -0.15
    return rng.gauss(0, 0.45) + bonus


def _draw(subject: Subject, year: int, instrument: Instrument) -> Draw:
    rng = random.Random(f"{SEED}:{subject.code}:{year}")  # noqa: S311 (demo data)
    scale = (NATIONAL_TREND[year] - 1) / (NATIONAL_TREND[2024] - 1)
    offsets = [DOMAIN_OFFSETS_2024.get(i.domain, 0.0) * scale for i in instrument.indicators]
    strength = _agency_strength(subject.code, subject.kind) + rng.gauss(0, 0.15)
    noise = tuple(offset + rng.gauss(0, 0.6) for offset in offsets)
    return Draw(subject.code, subject.kind, strength, noise)


def _levels(draw: Draw, centre: float, high: int) -> list[int]:
    """Levels around ``centre`` (target + shift): the agency's strength plus each indicator's noise."""
    lift = centre + draw.base + 0.5
    return [min(high, max(1, math.floor(lift + n))) for n in draw.noise]


def _national(draws: Sequence[Draw], weights: Sequence[float], centre: float, high: int) -> float:
    total = 0.0
    for draw in draws:
        total += sum(map(operator.mul, weights, _levels(draw, centre, high)))
    return total / sum(weights) / len(draws)


def _calibrate(draws: Sequence[Draw], weights: Sequence[float], target: float, high: int) -> float:
    """The centre that brings the national mean to the target (bisection; the mean rises with the centre)."""
    low, top = target - 2.0, target + 2.0
    for _ in range(11):
        middle = (low + top) / 2
        if _national(draws, weights, middle, high) < target:
            low = middle
        else:
            top = middle
    return (low + top) / 2


def seed_demo_evaluations(session: Session, years: Sequence[int] = tuple(NATIONAL_TREND)) -> str:
    """Insert final demo evaluations for every agency and year not evaluated yet.

    The seeded years are closed (published) cycles and the year after the last one is opened, so a newcomer
    can try the cycle at once (2018–2024 closed, 2025 open with the default years).
    """
    subjects = list_subjects(session)
    existing = repository.existing_assessment_keys(session, years)
    added = 0
    for year in years:
        todo = [s for s in subjects if (s.code, year) not in existing]
        row, instrument = instrument_for_year(session, year)  # a re-run keeps each year's instrument
        added += _seed_year(session, row.id, instrument, year, todo)
        periods.ensure_closed(session, year, "demo")
    periods.ensure_open(session, max(years) + 1, "demo")
    return f"{added} agency evaluations added over {years[0]}–{years[-1]} ({len(subjects)} agencies)"


def _seed_year(session: Session, instrument_id: int, instrument: Instrument, year: int, todo: list[Subject]) -> int:
    if not todo:
        return 0
    weights = [float(i.weight) for i in instrument.indicators]
    draws = [_draw(subject, year, instrument) for subject in todo]
    target = NATIONAL_TREND[year]
    centre = _calibrate(draws, weights, target, instrument.max_level)
    levels = {d.code: _levels(d, centre, instrument.max_level) for d in draws}
    rows = [_assessment_row(instrument_id, instrument, d, year, levels[d.code]) for d in draws]
    ids = repository.bulk_insert_assessments(session, rows)
    repository.bulk_insert_items(session, _item_rows(instrument, ids, year, levels))
    return len(rows)


def _assessment_row(
    instrument_id: int, instrument: Instrument, draw: Draw, year: int, levels: list[int]
) -> dict[str, Any]:
    result = scoring.score(instrument, dict(zip(instrument.numbers, levels, strict=True)))
    now = utcnow()
    return {
        "instrument_id": instrument_id,
        "agency_code": draw.code,
        "agency_kind": draw.kind,
        "year": year,
        "status": "final",
        "final_index": scoring.published(result.index),
        "predikat": result.predikat,
        "submitted_at": now,
        "submitted_by": DEMO_ACTOR,
        "finalized_at": now,
        "finalized_by": DEMO_ACTOR,
        "created_at": now,
        "updated_at": now,
    }


def _item_rows(
    instrument: Instrument, ids: dict[tuple[str, int], int], year: int, levels: dict[str, list[int]]
) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "assessment_id": ids[(code, year)],
            "indicator_number": number,
            "self_level": min(level + (number % 3 == 0), 5),
            "validated_level": level,
            "justification": "Data demo",
            "updated_at": now,
        }
        for code, agency_levels in levels.items()
        for number, level in zip(instrument.numbers, agency_levels, strict=True)
    ]


def national_trend_check(values: dict[int, Decimal]) -> dict[int, Decimal]:
    """The seeded national index minus the published one, per year (for tests and the docs)."""
    return {year: value - Decimal(str(NATIONAL_TREND[year])) for year, value in values.items()}
