"""Import levels from CSV/XLSX (agency code, year, indicator, level): validate everything, then write all or nothing.

Imported levels become final results (an import carries results already agreed, e.g. a past year's), checked
against and scored with the instrument in force for their year.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.core.errors import FieldError, ValidationFailed
from spbe.core.security import Principal
from spbe.evaluation import repository, scoring
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.integration import audit, find_subject
from spbe.evaluation.models import Instrument as InstrumentRow
from spbe.evaluation.service import periods
from spbe.evaluation.service.cycle import object_id
from spbe.evaluation.service.instruments import current_instrument, instrument_for_year

COLUMNS = ("agency_code", "year", "indicator", "level")


@dataclass(frozen=True)
class ImportPlan:
    """Validated levels per (agency, kind, year), ready to write, and the file they came from."""

    levels: dict[tuple[str, str, int], dict[int, int]]
    file: str = ""
    sha256: str = ""

    @property
    def summary(self) -> str:
        return f"{len(self.levels)} agency evaluation(s), {sum(len(v) for v in self.levels.values())} levels"


def file_digest(path: Path) -> str:
    """The SHA-256 of the imported file (recorded in the audit log with what was imported)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV or XLSX file as text (header included)."""
    if path.suffix.lower() == ".xlsx":
        sheet = load_workbook(path, read_only=True, data_only=True).active
        return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    text = path.read_text(encoding="utf-8-sig")
    return [row for row in csv.reader(io.StringIO(text))]


def plan_import(session: Session, rows: list[list[str]], source: tuple[str, str] = ("", "")) -> ImportPlan:
    """Check every row (row numbers as in the file, header = 1); any problem rejects the whole file.

    Everything ``apply_import`` would refuse is refused here, so a dry run that passes means ``--apply``
    writes: that includes an agency-year that already has an evaluation. ``source`` is (file name, SHA-256).
    """
    if not rows or [c.strip().lower() for c in rows[0][:4]] != list(COLUMNS):
        raise ValidationFailed(f"The first row must be the header {','.join(COLUMNS)}.")
    errors: list[FieldError] = []
    levels: dict[tuple[str, str, int], dict[int, int]] = defaultdict(dict)
    kinds: dict[str, str | None] = {}
    in_force: dict[int | None, Instrument] = {}
    for number, row in enumerate(rows[1:], start=2):
        instrument = _instrument_of(session, _year_of(row), in_force)
        _plan_row(session, instrument, (number, row), kinds, levels, errors)
    errors.extend(_incomplete(session, levels, in_force))
    errors.extend(_clashes(session, levels))
    if errors:
        raise ValidationFailed(f"{len(errors)} problem(s); nothing was imported.", errors=errors)
    return ImportPlan(dict(levels), *source)


def _clashes(session: Session, levels: dict[tuple[str, str, int], dict[int, int]]) -> list[FieldError]:
    """Agency-years that already have an evaluation (an import never overwrites one)."""
    taken = repository.existing_assessment_keys(session, {year for _, _, year in levels})
    return [
        FieldError("agency_code", f"{code} already has an evaluation for {year}")
        for code, _, year in levels
        if (code, year) in taken
    ]


def _plan_row(
    session: Session,
    instrument: Instrument,
    numbered: tuple[int, list[str]],
    kinds: dict[str, str | None],
    levels: dict[tuple[str, str, int], dict[int, int]],
    errors: list[FieldError],
) -> None:
    number, row = numbered
    cells = dict(zip(COLUMNS, [c.strip() for c in row] + [""] * 4, strict=False))
    code = cells["agency_code"].upper()
    if code not in kinds:
        subject = find_subject(session, code)
        kinds[code] = None if subject is None else subject.kind
    problems = _row_problems(instrument, cells, kinds[code])
    errors.extend(FieldError(column, message, number) for column, message in problems)
    if not problems:
        key = (code, str(kinds[code]), int(cells["year"]))
        if int(cells["indicator"]) in levels[key]:
            errors.append(FieldError("indicator", f"indicator {cells['indicator']} is given twice", number))
        levels[key][int(cells["indicator"])] = int(cells["level"])


def _row_problems(instrument: Instrument, cells: dict[str, str], kind: str | None) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if kind is None:
        problems.append(("agency_code", f"unknown agency {cells['agency_code']!r}"))
    if not cells["year"].isdigit() or not 2018 <= int(cells["year"]) <= 2100:
        problems.append(("year", f"{cells['year']!r} is not a year from 2018"))
    if not cells["indicator"].isdigit() or int(cells["indicator"]) not in instrument.by_number:
        problems.append(("indicator", f"unknown indicator {cells['indicator']!r}"))
    low, high = instrument.min_level, instrument.max_level
    if not cells["level"].isdigit() or not low <= int(cells["level"]) <= high:
        problems.append(("level", f"level {cells['level']!r} is outside the scale {low}–{high}"))
    return problems


def _incomplete(
    session: Session, levels: dict[tuple[str, str, int], dict[int, int]], in_force: dict[int | None, Instrument]
) -> list[FieldError]:
    return [
        FieldError("indicator", f"{code} {year}: no level for indicators {missing}")
        for (code, _, year), found in levels.items()
        if (missing := scoring.missing_indicators(_instrument_of(session, year, in_force), found))
    ]


def _year_of(row: list[str]) -> int | None:
    text = row[1].strip() if len(row) > 1 else ""
    return int(text) if text.isdigit() else None


def _instrument_of(session: Session, year: int | None, in_force: dict[int | None, Instrument]) -> Instrument:
    """The instrument in force for the year (the current one when the year is not readable), looked up once."""
    if year not in in_force:
        in_force[year] = (current_instrument(session) if year is None else instrument_for_year(session, year))[1]
    return in_force[year]


def apply_import(session: Session, principal: Principal, plan: ImportPlan) -> str:
    """Write the plan as final results; an agency-year that already exists is refused (all or nothing).

    A year without a cycle becomes a closed (published) one — imported results are results already agreed;
    into an open cycle they are published when the coordinator closes it. Each year's import is audited
    with the file's name and SHA-256, the number of agencies and of levels.
    """
    clashes = _clashes(session, plan.levels)
    if clashes:
        raise ValidationFailed(f"{len(clashes)} evaluation(s) exist already; nothing was imported.", errors=clashes)
    rows = [_assessment(instrument_for_year(session, key[2]), key, levels) for key, levels in plan.levels.items()]
    ids = repository.bulk_insert_assessments(session, rows)
    items = [
        {"assessment_id": ids[(code, year)], "indicator_number": n, "self_level": lv, "validated_level": lv}
        for (code, _, year), levels in plan.levels.items()
        for n, lv in levels.items()
    ]
    repository.bulk_insert_items(session, items)
    _audit_import(session, principal, plan)
    return plan.summary


def _audit_import(session: Session, principal: Principal, plan: ImportPlan) -> None:
    by_year: dict[int, list[int]] = defaultdict(list)
    for (code, _, year), levels in plan.levels.items():
        by_year[year].append(len(levels))
        audit(session, principal, "import", object_id(code, year), {"levels": len(levels), "sha256": plan.sha256})
    for year, counts in sorted(by_year.items()):
        periods.ensure_closed(session, year, principal.subject)
        data = {"year": year, "agencies": len(counts), "levels": sum(counts), "file": plan.file, "sha256": plan.sha256}
        audit(session, principal, "import", str(year), data, object_type=periods.OBJECT_TYPE)


def _assessment(
    in_force: tuple[InstrumentRow, Instrument], key: tuple[str, str, int], levels: dict[int, int]
) -> dict[str, object]:
    row, instrument = in_force
    code, kind, year = key
    result = scoring.score(instrument, levels)
    now = utcnow()
    return {
        "instrument_id": row.id,
        "agency_code": code,
        "agency_kind": kind,
        "year": year,
        "status": "final",
        "final_index": scoring.published(result.index),
        "predikat": result.predikat,
        "finalized_at": now,
        "finalized_by": "import",
        "submitted_at": now,
        "submitted_by": "import",
        "created_at": now,
        "updated_at": now,
    }
