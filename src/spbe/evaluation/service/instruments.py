"""Instruments in the database: loaded from their files idempotently, one row per (code, version)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, NotFound
from spbe.evaluation import repository
from spbe.evaluation.instruments.loader import (
    INSTRUMENT_DIR,
    instrument_files,
    load_instrument_file,
    parse_instrument,
)
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.models import IndicatorRow
from spbe.evaluation.models import Instrument as InstrumentRow

_specs: dict[str, Instrument] = {}


def sync_instruments(session: Session, folder: Path = INSTRUMENT_DIR) -> str:
    """Load every instrument file of ``folder``; already loaded versions are left alone.

    A file whose (code, version) is loaded with different content is refused: publish a new version.
    """
    added = [_load_file(session, path) for path in instrument_files(folder)]
    new = [code for code in added if code]
    return f"{len(new)} new instrument version(s), {len(added) - len(new)} unchanged"


def load_file(session: Session, path: Path) -> str:
    """Validate and load one instrument file from anywhere (``spbe evaluation instruments load``).

    All or nothing: a file that is missing, not JSON, not a valid instrument, or a (code, version) already
    loaded with other content is refused with every problem named, and nothing is written. Loading the same
    file again changes nothing. Returns what happened, for the operator.
    """
    if not path.is_file():
        raise NotFound(f"{path}: no such file.")
    loaded = _load_file(session, path)
    spec = load_instrument_file(path)
    since = f"in force from {spec.in_force_from}" if spec.in_force_from else "in force from the first year"
    if loaded is None:
        return f"{spec.code}@{spec.version} is already loaded with this content; nothing changed"
    return f"loaded {loaded} ({since}; {len(spec.indicators)} indicators)"


@dataclass(frozen=True)
class LoadedInstrument:
    """A loaded instrument version as ``instruments list`` shows it."""

    code: str
    version: int
    title: str
    in_force_from: int | None
    indicators: int
    assessments: int
    loaded_at: dt.datetime


def list_loaded(session: Session) -> list[LoadedInstrument]:
    counts = repository.assessments_per_instrument(session)
    return [
        LoadedInstrument(
            row.code,
            row.version,
            row.title,
            spec.in_force_from,
            len(spec.indicators),
            counts.get(row.id, 0),
            row.loaded_at,
        )
        for row, spec in loaded_instruments(session)
    ]


def _load_file(session: Session, path: Path) -> str | None:
    raw = path.read_bytes()
    spec = load_instrument_file(path)
    existing = repository.find_instrument(session, spec.code, spec.version)
    if existing is not None:
        if existing.checksum != spec.checksum:
            raise Conflict(
                f"{path.name}: {spec.code} version {spec.version} is already loaded with different content; "
                "give the changed instrument a new version number"
            )
        return None
    row = InstrumentRow(
        code=spec.code, version=spec.version, title=spec.title, checksum=spec.checksum, definition=json.loads(raw)
    )
    repository.add_instrument(session, row, _indicator_rows(spec))
    return f"{spec.code}@{spec.version}"


def _indicator_rows(spec: Instrument) -> list[IndicatorRow]:
    return [
        IndicatorRow(
            number=i.number, name=i.name, domain_code=i.domain, aspect_code=i.aspect, weight=i.weight, scale=i.scale
        )
        for i in spec.indicators
    ]


def spec_of(row: InstrumentRow) -> Instrument:
    """The validated instrument of a database row (parsed once per content)."""
    spec = _specs.get(row.checksum)
    if spec is None:
        document = json.loads(json.dumps(row.definition), parse_float=Decimal, parse_int=Decimal)
        spec = parse_instrument(document, checksum=row.checksum)
        _specs[row.checksum] = spec
    return spec


def loaded_instruments(session: Session) -> list[tuple[InstrumentRow, Instrument]]:
    """Every loaded instrument version, oldest loaded first (loading the bundled files first if none is)."""
    rows = list(repository.list_instruments(session))
    if not rows:
        sync_instruments(session)
        rows = list(repository.list_instruments(session))
    return [(row, spec_of(row)) for row in sorted(rows, key=lambda row: row.id)]


def in_force(session: Session, year: int) -> tuple[InstrumentRow, Instrument]:
    """The instrument that scores new assessments of a year: of those in force by then (``in_force_from`` ≤
    year; a file without it is in force from the first year), the one in force from the latest year, and
    among those the last loaded. A successor instrument therefore takes effect by its file alone."""
    candidates = [(row, spec) for row, spec in loaded_instruments(session) if (spec.in_force_from or 0) <= year]
    if not candidates:
        raise NotFound(f"No loaded instrument is in force for {year}.")
    return max(candidates, key=lambda pair: (pair[1].in_force_from or 0, pair[0].id))


def current_instrument(session: Session, year: int | None = None) -> tuple[InstrumentRow, Instrument]:
    """The instrument in force for a year: by default the open cycle's (the latest open one), else this
    calendar year's."""
    if year is None:
        open_years = [c.year for c in repository.list_cycles(session) if c.status == "open"]
        year = open_years[-1] if open_years else dt.datetime.now(dt.UTC).year
    return in_force(session, year)


def instrument_by_id(session: Session, instrument_id: int) -> Instrument:
    row = repository.get_instrument_by_id(session, instrument_id)
    if row is None:
        raise NotFound(f"No instrument with id {instrument_id}.")
    return spec_of(row)


def instrument_for_year(session: Session, year: int) -> tuple[InstrumentRow, Instrument]:
    """The instrument of a year: the one that year's assessments were made with, else the one in force.

    Assessments record their instrument when opened, so a year keeps the instrument it was assessed with
    after a successor version is loaded; a year with no assessment yet gets the instrument in force for it
    (``in_force``, chosen by the files' ``in_force_from``).
    """
    counts = repository.instrument_counts(session, year)
    if counts:
        row = repository.get_instrument_by_id(session, counts[0][0])
        if row is not None:
            return row, spec_of(row)
    return in_force(session, year)


def label_of(instrument: Instrument) -> str:
    """``code@version``, as assessments name their instrument."""
    return f"{instrument.code}@{instrument.version}"
