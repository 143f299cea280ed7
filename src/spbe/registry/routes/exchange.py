"""Bulk import, exports (CSV, XLSX, JSON) and ArchiMate Open Exchange of the registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from spbe.core.deps import DbSession
from spbe.core.errors import BadRequest
from spbe.core.security import Authenticated, public
from spbe.registry.routes.deps import API, Reader
from spbe.registry.schemas.exchange import ExportFormat, ImportReport
from spbe.registry.service import archimate, exports, imports

router = APIRouter(prefix=API, tags=["registry: import and export"])
MAX_UPLOAD = 50 * 1024 * 1024
Agency = Annotated[str | None, Query(max_length=40, description="Only this agency (default: the whole nation)")]


async def _read(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise BadRequest(f"The file is larger than {MAX_UPLOAD // 1024 // 1024} MB.")
    return data


@router.post("/import", summary="Import applications from CSV or XLSX")
async def import_applications(
    session: DbSession,
    principal: Authenticated,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 with BOM or Windows-1252) or XLSX")],
    dry_run: Annotated[bool, Query(description="Only check and report; write nothing")] = True,
) -> ImportReport:
    """A dry run (the default) reports every problem by row, column and reason. Without it the file is
    applied all-or-nothing: 422 with the same problems, 403 when rows of other agencies are refused."""
    data = await _read(file)
    report = imports.import_file(session, data, actor=principal, dry_run=dry_run, filename=file.filename or "")
    if not dry_run:
        imports.raise_for(report)
    return report


@router.get("/export", dependencies=[public], summary="Export applications as CSV, XLSX or JSON")
def export(
    session: DbSession, reader: Reader, agency: Agency = None, format: ExportFormat = ExportFormat.csv
) -> Response:
    """The import format, so an export re-imports unchanged; confidential columns empty for anonymous readers."""
    code = agency.upper() if agency else None
    body = exports.export(session, format, code, reader)
    filename = f"aplikasi-{code or 'nasional'}.{format.value}"
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=exports.MEDIA_TYPES[format], headers=headers)


@router.get("/archimate", dependencies=[public], summary="ArchiMate Open Exchange XML")
def archimate_export(session: DbSession, reader: Reader, agency: Agency = None) -> Response:
    """One agency's architecture (or the nation's) as ArchiMate 3.1 Open Exchange XML; opens in Archi."""
    code = agency.upper() if agency else None
    body = archimate.export(session, code, reader)
    headers = {"content-disposition": f'attachment; filename="arsitektur-spbe-{code or "nasional"}.xml"'}
    return Response(body, media_type="application/xml", headers=headers)


@router.post("/archimate", summary="Import applications from ArchiMate Open Exchange XML")
async def archimate_import(
    session: DbSession,
    principal: Authenticated,
    file: Annotated[UploadFile, File(description="Open Exchange XML")],
    dry_run: Annotated[bool, Query()] = True,
) -> ImportReport:
    report = archimate.import_model(session, await _read(file), actor=principal, dry_run=dry_run)
    if not dry_run:
        imports.raise_for(report)
    return report
