"""The national picture of a year from the final results in the database."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy.orm import Session

from spbe.core.errors import NotFound
from spbe.evaluation import repository
from spbe.evaluation.national import AgencyLevels, NationalPicture, add_movement, aggregate
from spbe.evaluation.scoring import mean, published
from spbe.evaluation.service.instruments import current_instrument


def final_years(session: Session) -> list[int]:
    return repository.final_years(session)


def latest_year(session: Session) -> int:
    years = repository.final_years(session)
    if not years:
        raise NotFound("No evaluation has been finalised yet.")
    return years[-1]


def agencies_levels(session: Session, year: int) -> list[AgencyLevels]:
    kinds = {row.agency_code: row.agency_kind for row in repository.final_results(session, year)}
    levels: dict[str, dict[int, int]] = defaultdict(dict)
    for code, number, level in repository.final_levels(session, year):
        levels[code][number] = level
    return [AgencyLevels(code, kinds[code], levels[code]) for code in sorted(levels) if code in kinds]


def picture(session: Session, year: int) -> NationalPicture:
    """National index, distribution, ranking, weakest indicators and movement from the year before."""
    _, instrument = current_instrument(session)
    current = aggregate(instrument, year, agencies_levels(session, year))
    if year - 1 in repository.final_years(session):
        add_movement(current, aggregate(instrument, year - 1, agencies_levels(session, year - 1)))
    return current


def trend(session: Session) -> list[tuple[int, Decimal]]:
    """The national index of every year (mean of the agencies' published indices)."""
    by_year: dict[int, list[Decimal]] = defaultdict(list)
    for year, index in repository.final_indices(session):
        if index is not None:
            by_year[year].append(Decimal(index))
    return [(year, published(mean(values))) for year, values in sorted(by_year.items())]
