"""Evidence (bukti dukung): links, and files checked by their content and stored once by SHA-256."""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO
from pathlib import Path

from sqlalchemy.orm import Session

from spbe.core.errors import FieldError, NotFound, ValidationFailed
from spbe.core.security import Principal
from spbe.evaluation import repository
from spbe.evaluation.integration import audit
from spbe.evaluation.models import AssessmentStatus, Evidence
from spbe.evaluation.service import access
from spbe.evaluation.service.cycle import (
    get_assessment,
    guarded,
    object_id,
    open_assessment,
    pending,
    require_status,
)

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
ALLOWED = "PDF, PNG, JPEG, XLSX or DOCX"


def sniff_type(content: bytes) -> str | None:
    """The media type told by the file's own bytes (never by its name), or None if not allowed."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        return _office_type(content)
    return None


def _office_type(content: bytes) -> str | None:
    """XLSX and DOCX are ZIP files told apart by their main part."""
    try:
        names = set(zipfile.ZipFile(BytesIO(content)).namelist())
    except zipfile.BadZipFile:
        return None
    if "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return None


def check_file(filename: str, content: bytes) -> str:
    """The file's media type, or ``ValidationFailed`` saying why it is refused."""
    if not content:
        raise ValidationFailed("The evidence file is empty.", errors=[FieldError("file", "empty")])
    if len(content) > MAX_EVIDENCE_BYTES:
        message = f"{filename} is larger than 10 MB (the limit)"
        raise ValidationFailed(message, errors=[FieldError("file", message)])
    media_type = sniff_type(content)
    if media_type is None:
        message = f"{filename} is not a {ALLOWED} file (judged by its content, not its name)"
        raise ValidationFailed(message, errors=[FieldError("file", message)])
    return media_type


def store(data_dir: Path, content: bytes) -> str:
    """Write the file once under ``data_dir/evidence/aa/<sha256>``; returns the SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    path = data_dir / "evidence" / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(path)
    return digest


def _check_pending(session: Session, agency_code: str, year: int, indicator: int) -> None:
    """Refuse before anything is written: a locked assessment, or an indicator not in its instrument."""
    existing, instrument = pending(session, agency_code, year)
    if existing is not None:
        require_status(existing, AssessmentStatus.draft, "add evidence")
    if indicator not in instrument.by_number:
        raise ValidationFailed(f"unknown indicator {indicator}", errors=[FieldError("indicator", "unknown")])


def evidence_file(
    session: Session, principal: Principal, target_year: tuple[str, int], evidence_id: int, data_dir: Path
) -> tuple[Evidence, bytes]:
    """An evidence file for download, for those who may read the assessment (its agency's staff, assessors,
    the coordinator); every download is audited, every refusal too."""
    agency_code, year = target_year
    target = object_id(agency_code, year)
    rule = access.require_reader
    guarded(session, principal, lambda: rule(principal, agency_code), "evidence-download", target)
    assessment = get_assessment(session, agency_code, year)
    row = repository.find_evidence(session, assessment.id, evidence_id)
    if row is None or row.kind != "file" or row.sha256 is None:
        raise NotFound(f"{target} has no evidence file {evidence_id}.")
    path = data_dir / "evidence" / row.sha256[:2] / row.sha256
    if not path.is_file():
        raise NotFound(f"The evidence file {row.filename} is missing from the platform's storage.")
    audit(session, principal, "evidence-download", target, {"evidence": row.id, "sha256": row.sha256})
    return row, path.read_bytes()


def add_link(session: Session, principal: Principal, agency_code: str, year: int, indicator: int, url: str) -> Evidence:
    target = object_id(agency_code, year)
    guarded(session, principal, lambda: access.require_self_assessor(principal, agency_code), "evidence", target)
    _check_pending(session, agency_code, year, indicator)
    assessment = open_assessment(session, agency_code, year)
    evidence = Evidence(
        assessment_id=assessment.id, indicator_number=indicator, kind="link", url=url, added_by=principal.subject
    )
    repository.add_evidence(session, evidence)
    audit(session, principal, "evidence", target, {"indicator": indicator, "url": url})
    return evidence


def add_file(
    session: Session,
    principal: Principal,
    target_year: tuple[str, int],
    indicator: int,
    upload: tuple[str, bytes],
    data_dir: Path,
) -> Evidence:
    """Check, store and record an evidence file; a refused file leaves nothing behind."""
    agency_code, year = target_year
    filename, content = upload
    target = object_id(agency_code, year)
    guarded(session, principal, lambda: access.require_self_assessor(principal, agency_code), "evidence", target)
    _check_pending(session, agency_code, year, indicator)
    media_type = check_file(filename, content)
    assessment = open_assessment(session, agency_code, year)
    digest = store(data_dir, content)
    evidence = Evidence(
        assessment_id=assessment.id,
        indicator_number=indicator,
        kind="file",
        filename=Path(filename).name[:255],
        content_type=media_type,
        size=len(content),
        sha256=digest,
        added_by=principal.subject,
    )
    repository.add_evidence(session, evidence)
    audit(session, principal, "evidence", target, {"indicator": indicator, "sha256": digest, "size": len(content)})
    return evidence
