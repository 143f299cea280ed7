"""Instruments in the database: loaded from their files idempotently, one row per (code, version)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, NotFound
from spbe.evaluation import repository
from spbe.evaluation.instruments.loader import (
    DEFAULT_INSTRUMENT,
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


def current_instrument(session: Session, code: str = DEFAULT_INSTRUMENT) -> tuple[InstrumentRow, Instrument]:
    """The latest loaded version of an instrument (loading the bundled files first if none is)."""
    row = repository.find_instrument(session, code)
    if row is None:
        sync_instruments(session)
        row = repository.find_instrument(session, code)
    if row is None:
        raise NotFound(f"No instrument {code!r} is loaded.")
    return row, spec_of(row)


def instrument_by_id(session: Session, instrument_id: int) -> Instrument:
    row = repository.get_instrument_by_id(session, instrument_id)
    if row is None:
        raise NotFound(f"No instrument with id {instrument_id}.")
    return spec_of(row)


def instrument_for_year(session: Session, year: int) -> tuple[InstrumentRow, Instrument]:
    """The instrument in force for a year: the one that year's assessments were made with, else the current.

    Assessments record their instrument when opened, so a year keeps the instrument it was assessed with
    after a successor version is loaded; a year with no assessment yet gets the current instrument.
    """
    counts = repository.instrument_counts(session, year)
    if counts:
        row = repository.get_instrument_by_id(session, counts[0][0])
        if row is not None:
            return row, spec_of(row)
    return current_instrument(session)


def label_of(instrument: Instrument) -> str:
    """``code@version``, as assessments name their instrument."""
    return f"{instrument.code}@{instrument.version}"
