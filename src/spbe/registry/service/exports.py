"""Export applications as CSV, XLSX or JSON, in the bulk-import format (so an export re-imports unchanged).

Anonymous readers get the public fields only: confidential columns are left empty.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.security import Principal
from spbe.registry.repository import applications as repository
from spbe.registry.schemas.exchange import ExportFormat
from spbe.registry.service import access
from spbe.registry.service.applications import COLUMNS, record_of, snapshot

MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.json: "application/json",
}


def records(session: Session, agency_code: str | None, reader: Principal | None) -> Iterator[dict[str, Any]]:
    """Every application (of one agency, or all) as an import row with lists; confidential fields blanked."""
    rows = repository.rows_for_agency(session, agency_code)
    ids = [row.Application.id for row in rows]
    affairs = repository.all_affairs(session) if agency_code is None else repository.affairs_of(session, ids)
    datasets = repository.all_datasets(session) if agency_code is None else repository.datasets_of(session, ids)
    for row, ident in zip(rows, ids, strict=True):
        data = snapshot(record_of(row, affairs.get(ident, []), datasets.get(ident, [])))
        if not access.can_read_confidential(reader, row.agency_code):
            data.update(hosting=None, technology=None)
            if data["service_area"] != "publik":
                data["url"] = None
        yield data


def _flat(data: dict[str, Any]) -> list[str]:
    values = []
    for name in COLUMNS:
        value = data[name]
        values.append(";".join(value) if isinstance(value, list) else ("" if value is None else str(value)))
    return values


def to_csv(items: Iterator[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_flat(item) for item in items)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(items: Iterator[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("aplikasi")
    sheet.append(COLUMNS)
    for item in items:
        sheet.append(_flat(item))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(items: Iterator[dict[str, Any]]) -> bytes:
    return json.dumps({"columns": COLUMNS, "applications": list(items)}, ensure_ascii=False, indent=1).encode("utf-8")


def export(session: Session, fmt: ExportFormat, agency_code: str | None, reader: Principal | None) -> bytes:
    items = records(session, agency_code, reader)
    writers = {ExportFormat.csv: to_csv, ExportFormat.xlsx: to_xlsx, ExportFormat.json: to_json}
    return writers[fmt](items)
