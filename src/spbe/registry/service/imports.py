"""Bulk import of applications from CSV or XLSX: check everything, then write all or nothing.

Columns (exactly): ``code,name,acronym,description,agency_code,kind,wali_agency_code,category,affairs,
service_area,status,hosting,technology,url,users,functional_fit,technical_fit,datasets``; ``affairs`` and
``datasets`` are ``;``-separated. CSV files may be UTF-8 (with or without BOM) or Windows-1252: UTF-8 is
tried first and the choice is reported. A dry run reports every problem as row (the header is row 1),
column and reason; re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from spbe.core.errors import FieldError, Forbidden, ValidationFailed
from spbe.core.security import Principal
from spbe.registry.repository import applications as repository
from spbe.registry.schemas.catalogue import ApplicationIn
from spbe.registry.schemas.exchange import ImportProblem, ImportReport
from spbe.registry.service import access, changes, lookups
from spbe.registry.service.applications import COLUMNS, OBJECT_TYPE, Resolved, record_of, resolve, snapshot

REQUIRED = ("code", "name", "agency_code", "kind")
LIST_COLUMNS = ("affairs", "datasets")
XLSX_MAGIC = b"PK\x03\x04"
EXTRA = "\x00extra"  # key of the count of values beyond the header
Progress = Callable[[int], None]
ANALYZE_AFTER = 1000  # rows written; then refresh the planner's statistics


@dataclass
class _Checked:
    """The rows that passed, by code, with their row numbers."""

    records: dict[str, tuple[int, ApplicationIn, Resolved]] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 with BOM, UTF-8, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        message = f"the file is neither UTF-8 nor Windows-1252 (byte {error.start + 1})"
        raise ValidationFailed(
            message, errors=[_field_error(ImportProblem(row=1, column="file", message=message))]
        ) from None


def read_rows(data: bytes, filename: str = "") -> tuple[list[dict[str, str]], str]:
    """The rows of a CSV or XLSX file as column → text, and the encoding (``xlsx`` for workbooks)."""
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data), "xlsx"
    text, encoding = decode(data)
    return _csv_rows(text), encoding


def _csv_rows(text: str) -> list[dict[str, str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    return [_row(header, values) for values in reader if any(value.strip() for value in values)]


def _xlsx_rows(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = [str(name or "").strip().lower() for name in next(values, ())]
    rows = ([_cell(value) for value in row] for row in values)
    return [_row(header, row) for row in rows if any(row)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row(header: list[str], values: list[str]) -> dict[str, str]:
    row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
    if len(values) > len(header):
        row[EXTRA] = str(len(values) - len(header))
    return row


def import_file(
    session: Session,
    source: bytes | str | Path,
    *,
    actor: Principal,
    dry_run: bool,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file given as bytes or a path."""
    if isinstance(source, (str, Path)):
        filename = filename or str(source)
        source = Path(source).read_bytes()
    rows, encoding = read_rows(source, filename)
    return import_applications(session, rows, actor=actor, dry_run=dry_run, encoding=encoding, progress=progress)


def import_applications(
    session: Session,
    rows: Iterable[Mapping[str, str]],
    *,
    actor: Principal,
    dry_run: bool,
    encoding: str | None = None,
    progress: Progress | None = None,
    source: str = "import",
) -> ImportReport:
    """Check every row, then (unless ``dry_run`` or any problem) create and update in bulk."""
    rows = list(rows)
    known = lookups.load(session)
    checked = _check_all(session, rows, actor, progress, known)
    existing = _existing(session, list(checked.records))
    _check_current_owners(session, actor, checked, existing)
    omitted = [name for name in COLUMNS if rows and name not in rows[0]]
    plan = _plan(checked, existing, omitted, known)
    report = ImportReport(
        dry_run=dry_run,
        encoding=encoding,
        rows=len(rows),
        problems=checked.problems,
        created=len(plan.new),
        updated=len(plan.changed),
        unchanged=plan.unchanged,
    )
    if dry_run or report.problems:
        return report
    report.audit_seq = _write(session, actor, plan, report, source)
    report.applied = True
    if len(plan.new) + len(plan.changed) >= ANALYZE_AFTER:
        repository.analyze(session)
    return report


def _check_all(
    session: Session, rows: list[Mapping[str, str]], actor: Principal, progress: Progress | None, known: lookups.Lookups
) -> _Checked:
    checked = _Checked()
    if rows:
        checked.problems += _header_problems(rows[0])
    first_row: dict[str, int] = {}
    denied: set[str] = set()
    for number, raw in enumerate(rows, start=2):
        _check_row(number, raw, known, actor, checked, first_row, denied)
        if progress is not None and number % 500 == 0:
            progress(number - 1)
    if progress is not None:
        progress(len(rows))
    if denied:
        _deny(session, actor, denied)
    return checked


def _header_problems(row: Mapping[str, str]) -> list[ImportProblem]:
    """Only the key columns must be there; an omitted optional column keeps what is stored (see ``_plan``)."""
    problems = [ImportProblem(row=1, column=name, message="missing column") for name in REQUIRED if name not in row]
    unknown = [name for name in row if name not in COLUMNS and name != EXTRA]
    return problems + [ImportProblem(row=1, column=name or "(empty)", message="unknown column") for name in unknown]


def _check_row(
    number: int,
    raw: Mapping[str, str],
    known: lookups.Lookups,
    actor: Principal,
    checked: _Checked,
    first_row: dict[str, int],
    denied: set[str],
) -> None:
    problems: list[tuple[str, str]] = []
    if EXTRA in raw:
        problems.append(("row", f"has {raw[EXTRA]} value(s) more than the header"))
    record, partial = _parse(raw, problems)
    code = (raw.get("code") or "").strip()
    if code and code in first_row:
        problems.append(("code", f"duplicate code {code!r} (first on row {first_row[code]})"))
    elif code:
        first_row[code] = number
    resolved = None
    if partial is not None:  # the reference checks run on every valid field, even when others are bad
        resolved, unknown = resolve(partial, known)
        problems += unknown
        if partial.agency_code in known.agencies and not access.can_write(actor, [partial.agency_code]):
            problems.append(("agency_code", f"not allowed: you may not write records of {partial.agency_code}"))
            denied.add(partial.agency_code)
    checked.problems += [ImportProblem(row=number, column=column, message=message) for column, message in problems]
    if record is not None and resolved is not None and not problems:
        checked.records[record.code] = (number, record, resolved)


PLACEHOLDERS = {"code": "X", "name": "X", "agency_code": "X"}  # stand-ins for a missing or bad required field


def _parse(
    raw: Mapping[str, str], problems: list[tuple[str, str]]
) -> tuple[ApplicationIn | None, ApplicationIn | None]:
    """(the valid record or ``None``, a record of the row's valid fields for the reference checks).

    A bad field is reported and left out of the second record (a missing required one is ``None`` there),
    so a row with a bad status, an unknown category and an unknown agency reports all three.
    """
    values = _values(raw)
    missing = [name for name in REQUIRED if name not in values]
    problems += [(name, "missing required field") for name in missing]
    try:
        record = ApplicationIn.model_validate(values)
    except ValidationError as error:
        bad = {str(e["loc"][0]) for e in error.errors()}
        problems += [(str(e["loc"][0]), _message(e)) for e in error.errors() if str(e["loc"][0]) not in missing]
        return None, _partial(values, bad | set(missing))
    return (None, record) if missing else (record, record)


def _values(raw: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in COLUMNS:
        text = (raw.get(name) or "").strip()
        if name in LIST_COLUMNS:
            values[name] = [part.strip() for part in text.split(";") if part.strip()]
        elif text:
            values[name] = text
    return values


def _partial(values: Mapping[str, Any], bad: set[str]) -> ApplicationIn | None:
    kept = {name: value for name, value in values.items() if name not in bad}
    stand_ins = {name: value for name, value in PLACEHOLDERS.items() if name not in kept}
    try:
        record = ApplicationIn.model_validate({**stand_ins, **kept})
    except ValidationError:
        return None
    return record.model_copy(update=dict.fromkeys(stand_ins))


def _message(error: Mapping[str, Any]) -> str:
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, str) else ""
    return f"{error['msg']}{shown}"


def _deny(session: Session, actor: Principal, agencies: set[str]) -> None:
    """Refused rows are audited once per import (a dry run too: it tried)."""
    reason = (
        f"Import refused: {actor.agency_code or actor.subject} may not write records of {', '.join(sorted(agencies))}."
    )
    access.record_denial(
        session, actor, action="registry.application.import", object_type=OBJECT_TYPE, object_id="import", reason=reason
    )


def _check_current_owners(
    session: Session, actor: Principal, checked: _Checked, existing: Mapping[str, tuple[int, int, dict[str, Any]]]
) -> None:
    """A row may not take over an application that another agency owns today."""
    taken = {}
    for code, (number, _record, _resolved) in list(checked.records.items()):
        owner = existing[code][2]["agency_code"] if code in existing else None
        if owner is not None and not access.can_write(actor, [owner]):
            message = f"not allowed: {code} belongs to {owner}"
            checked.problems.append(ImportProblem(row=number, column="agency_code", message=message))
            taken[code] = owner
            del checked.records[code]
    if taken:
        _deny(session, actor, set(taken.values()))


@dataclass
class _Plan:
    new: list[tuple[ApplicationIn, Resolved]] = field(default_factory=list)
    changed: list[tuple[int, int, ApplicationIn, Resolved, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0


FULL_LOAD = 5000  # codes; from there one scan of every application beats chunks of IN lists


def _existing(session: Session, codes: list[str]) -> dict[str, tuple[int, int, dict[str, Any]]]:
    """code → (id, version, snapshot) of the stored applications among ``codes`` (only those are loaded)."""
    if not codes:
        return {}
    if len(codes) >= FULL_LOAD:
        rows = repository.rows_for_agency(session, None)
        affairs, datasets = repository.all_affairs(session), repository.all_datasets(session)
    else:
        rows = repository.rows_by_codes(session, codes)
        ids = [row.Application.id for row in rows]
        affairs, datasets = repository.affairs_of(session, ids), repository.datasets_of(session, ids)
    found = {}
    for row in rows:
        ident = row.Application.id
        found[row.Application.code] = (
            ident,
            row.Application.version,
            snapshot(record_of(row, affairs.get(ident, []), datasets.get(ident, []))),
        )
    return found


def _plan(
    checked: _Checked,
    existing: Mapping[str, tuple[int, int, dict[str, Any]]],
    omitted: list[str],
    known: lookups.Lookups,
) -> _Plan:
    plan = _Plan()
    for code, (_number, record, resolved) in checked.records.items():
        if code not in existing:
            plan.new.append((record, resolved))
            continue
        ident, version, before = existing[code]
        if omitted:  # a column the file leaves out keeps the stored value
            record, resolved = _kept(record, before, omitted, known, resolved)
        if snapshot(record) == before:
            plan.unchanged += 1
        else:
            plan.changed.append((ident, version, record, resolved, before))
    return plan


def _kept(
    record: ApplicationIn, before: Mapping[str, Any], omitted: list[str], known: lookups.Lookups, resolved: Resolved
) -> tuple[ApplicationIn, Resolved]:
    merged = ApplicationIn.model_validate({**record.model_dump(mode="json"), **{c: before[c] for c in omitted}})
    again, _problems = resolve(merged, known)  # stored values are known codes
    return merged, again or resolved


def _write(session: Session, actor: Principal, plan: _Plan, report: ImportReport, source: str) -> int | None:
    new_ids = repository.insert_many(session, [resolved.values for _, resolved in plan.new])
    updates = [
        {**resolved.values, "id": ident, "version": version + 1} for ident, version, _, resolved, _ in plan.changed
    ]
    repository.update_many(session, updates)
    pairs = list(zip(new_ids, (r for _, r in plan.new), strict=True))
    pairs += [(ident, resolved) for ident, _, _, resolved, _ in plan.changed]
    repository.replace_links(session, {i: r.affairs for i, r in pairs}, {i: r.dataset_ids for i, r in pairs})
    logged = [(record.code, "create", changes.change_data("create", None, snapshot(record))) for record, _ in plan.new]
    logged += [
        (rec.code, "update", changes.change_data("update", before, snapshot(rec)))
        for _, _, rec, _, before in plan.changed
    ]
    summary = {
        "encoding": report.encoding,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    return changes.record_bulk(session, actor, object_type=OBJECT_TYPE, changes=logged, source=source, summary=summary)


def _field_error(problem: ImportProblem) -> FieldError:
    return FieldError(problem.column, problem.message, problem.row)


def as_validation_error(report: ImportReport) -> ValidationFailed:
    """The problems of a failed apply as a 422 (row, column, reason for each)."""
    errors = [_field_error(problem) for problem in report.problems]
    return ValidationFailed(f"The import has {len(errors)} problem(s); nothing was written.", errors=errors)


def forbidden_rows(report: ImportReport) -> list[ImportProblem]:
    return [p for p in report.problems if p.column == "agency_code" and p.message.startswith("not allowed")]


def raise_for(report: ImportReport) -> None:
    """After an apply with problems: 403 when rows of other agencies were refused, else 422."""
    refused = forbidden_rows(report)
    if refused:
        raise Forbidden(refused[0].message + f" ({len(refused)} row(s)); nothing was written.")
    if report.problems:
        raise as_validation_error(report)


def iter_problems(report: ImportReport) -> Iterator[str]:
    for problem in report.problems:
        yield f"row {problem.row}, {problem.column}: {problem.message}"
