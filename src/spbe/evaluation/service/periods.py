"""Evaluation cycles (periode evaluasi): one per year, opened and closed by the coordinator.

While a year's cycle is open, agencies assess themselves and assessors review and finalize; closing it
publishes the year: only closed years enter the national picture, the trend, the ranking, the agencies'
history and the public results. A closed cycle is not reopened (published results stay as published).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.core.errors import Conflict, FieldError, ValidationFailed
from spbe.core.security import Principal
from spbe.evaluation import repository
from spbe.evaluation.integration import audit
from spbe.evaluation.models import AssessmentStatus, CycleStatus, EvaluationCycle
from spbe.evaluation.service import access

MIN_YEAR, MAX_YEAR = 2018, 2100
OBJECT_TYPE = "evaluation.cycle"


@dataclass(frozen=True)
class Coverage:
    """How far a year's cycle has come: its assessments by status, out of all registry agencies."""

    year: int
    status: str | None
    agencies: int
    draft: int
    submitted: int
    final: int

    @property
    def started(self) -> int:
        return self.draft + self.submitted + self.final


def open_years(session: Session) -> list[int]:
    return [c.year for c in repository.list_cycles(session) if c.status == CycleStatus.open.value]


def closed_years(session: Session) -> list[int]:
    return [c.year for c in repository.list_cycles(session) if c.status == CycleStatus.closed.value]


def is_open(session: Session, year: int) -> bool:
    found = repository.find_cycle(session, year)
    return found is not None and found.status == CycleStatus.open.value


def is_published(session: Session, year: int) -> bool:
    found = repository.find_cycle(session, year)
    return found is not None and found.status == CycleStatus.closed.value


def require_open(session: Session, year: int) -> None:
    """Refuse (409) any assessment work for a year whose cycle is not open."""
    found = repository.find_cycle(session, year)
    if found is None:
        raise Conflict(f"No evaluation cycle is open for {year}; the coordinator opens each year's cycle.")
    if found.status != CycleStatus.open.value:
        raise Conflict(f"The {year} evaluation cycle is closed and its results are published; nothing can change.")


def coverage(session: Session, year: int, agencies: int) -> Coverage:
    counts = repository.status_counts(session, year)
    found = repository.find_cycle(session, year)
    return Coverage(
        year,
        None if found is None else found.status,
        agencies,
        counts.get(AssessmentStatus.draft.value, 0),
        counts.get(AssessmentStatus.submitted.value, 0),
        counts.get(AssessmentStatus.final.value, 0),
    )


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        message = f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}"
        raise ValidationFailed(message, errors=[FieldError("year", message)])


def open_cycle(session: Session, principal: Principal, year: int) -> EvaluationCycle:
    """Open a year's cycle (coordinator only); a year already open or closed is refused."""
    access.guarded(session, principal, lambda: access.require_admin(principal), "cycle-open", str(year), OBJECT_TYPE)
    _check_year(year)
    found = repository.find_cycle(session, year)
    if found is not None:
        state = "already open" if found.status == CycleStatus.open.value else "closed (published)"
        raise Conflict(f"The {year} evaluation cycle is {state}; it cannot be opened again.")
    cycle = repository.add_cycle(session, EvaluationCycle(year=year, opened_by=principal.subject))
    audit(session, principal, "cycle-open", str(year), {"year": year}, object_type=OBJECT_TYPE)
    return cycle


def close_cycle(session: Session, principal: Principal, year: int) -> tuple[EvaluationCycle, Coverage]:
    """Close a year's cycle and so publish its final results (coordinator only).

    Assessments still in draft or submitted stay unfinished and unpublished; their number is returned and
    audited so the coordinator sees what closing left out.
    """
    access.guarded(session, principal, lambda: access.require_admin(principal), "cycle-close", str(year), OBJECT_TYPE)
    found = repository.find_cycle(session, year)
    if found is None or found.status != CycleStatus.open.value:
        state = "not open" if found is None else "already closed"
        raise Conflict(f"The {year} evaluation cycle is {state}; only an open cycle can be closed.")
    found.status, found.closed_at, found.closed_by = CycleStatus.closed.value, utcnow(), principal.subject
    session.flush()
    counts = coverage(session, year, 0)
    data = {"year": year, "final": counts.final, "unfinished": counts.draft + counts.submitted}
    audit(session, principal, "cycle-close", str(year), data, object_type=OBJECT_TYPE)
    return found, counts


def ensure_closed(session: Session, year: int, by: str) -> None:
    """Record a year as published when its results arrive already agreed (demo data, an import of a past
    year); an open cycle is left open, so its results are published when the coordinator closes it."""
    if repository.find_cycle(session, year) is None:
        now = utcnow()
        repository.add_cycle(
            session,
            EvaluationCycle(
                year=year, status=CycleStatus.closed.value, opened_at=now, opened_by=by, closed_at=now, closed_by=by
            ),
        )


def ensure_open(session: Session, year: int, by: str) -> None:
    """Open a year's cycle unless it exists (demo data: the year after the last published one)."""
    if repository.find_cycle(session, year) is None:
        repository.add_cycle(session, EvaluationCycle(year=year, opened_by=by))
