"""The national picture of a year from the final results in the database.

Each year is scored with the instrument its final assessments were made with (the most used one when
agencies of one year somehow differ; those others keep their own instrument for their index).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy.orm import Session

from spbe.core.errors import NotFound
from spbe.evaluation import repository
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.national import AgencyLevels, NationalPicture, add_movement, aggregate
from spbe.evaluation.scoring import mean, published
from spbe.evaluation.service.instruments import instrument_by_id, instrument_for_year


def final_years(session: Session) -> list[int]:
    """The published years (closed cycles with final results), oldest first."""
    return repository.final_years(session)


def latest_year(session: Session) -> int:
    years = repository.final_years(session)
    if not years:
        raise NotFound("No evaluation result has been published yet.")
    return years[-1]


def require_published(session: Session, year: int) -> None:
    """A year's national picture is public once its cycle is closed (published)."""
    if year not in repository.final_years(session):
        raise NotFound(f"No published evaluation results for {year}: its cycle is not closed, or has no results.")


def published_picture(session: Session, year: int) -> NationalPicture:
    require_published(session, year)
    return picture(session, year)


def year_levels(session: Session, year: int) -> tuple[Instrument, list[AgencyLevels]]:
    """The year's instrument and every agency's final levels (with its own instrument where it differs)."""
    rows = repository.final_results(session, year)
    counts = Counter(row.instrument_id for row in rows)
    if not counts:
        return instrument_for_year(session, year)[1], []
    main_id = max(counts, key=lambda key: (counts[key], key))
    main = instrument_by_id(session, main_id)
    others = {key: instrument_by_id(session, key) for key in counts if key != main_id}
    kinds = {row.agency_code: (row.agency_kind, others.get(row.instrument_id)) for row in rows}
    levels: dict[str, dict[int, int]] = defaultdict(dict)
    for code, number, level in repository.final_levels(session, year):
        levels[code][number] = level
    agencies = [
        AgencyLevels(code, kinds[code][0], levels[code], kinds[code][1]) for code in sorted(levels) if code in kinds
    ]
    return main, agencies


def agencies_levels(session: Session, year: int) -> list[AgencyLevels]:
    return year_levels(session, year)[1]


def year_picture(session: Session, year: int) -> NationalPicture:
    """One year alone, with the instrument in force for it."""
    instrument, agencies = year_levels(session, year)
    return aggregate(instrument, year, agencies)


def picture(session: Session, year: int) -> NationalPicture:
    """National index, distribution, ranking, weakest indicators and movement from the (published) year
    before; the year itself is not checked (``published_picture`` does), so the CLI can score one in progress."""
    current = year_picture(session, year)
    if year - 1 in repository.final_years(session):
        add_movement(current, year_picture(session, year - 1))
    return current


def trend(session: Session) -> list[tuple[int, Decimal]]:
    """The national index of every year (mean of the agencies' published indices, each computed with the
    instrument of its own assessment when it was finalised)."""
    by_year: dict[int, list[Decimal]] = defaultdict(list)
    for year, index in repository.final_indices(session):
        if index is not None:
            by_year[year].append(Decimal(index))
    return [(year, published(mean(values))) for year, values in sorted(by_year.items())]
