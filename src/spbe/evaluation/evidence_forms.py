"""Evidence on the HTML forms: an upload and a link per indicator on the self-assessment, and the download
of an evidence file (for the agency's staff, assessors and the coordinator).

The form is multipart; every file and link is checked (same type and size rules as the API,
``service.evidence``) before anything is written, and all problems are reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from spbe.core.errors import ValidationFailed
from spbe.core.i18n import gettext as _
from spbe.core.security import Principal
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.schemas import MAX_LINK, EvidenceOut, link_problem
from spbe.evaluation.service import evidence


@dataclass(frozen=True)
class NewEvidence:
    """A link or a file given on the form for one indicator, checked and ready to save."""

    indicator: int
    url: str | None = None
    filename: str = ""
    content: bytes = b""


@dataclass(frozen=True)
class EvidenceError:
    field: str
    message: str


async def parse(form: FormData, instrument: Instrument) -> tuple[list[NewEvidence], list[EvidenceError]]:
    """The links and files of the form, and every problem with them (named by indicator)."""
    found: list[NewEvidence] = []
    errors: list[EvidenceError] = []
    for number in instrument.numbers:
        name = f"{number}. {instrument.by_number[number].name}"
        url = str(form.get(f"evidence-link-{number}", "") or "").strip()
        if url and link_problem(url):
            errors.append(EvidenceError(f"evidence-link-{number}", _link_message(name, url)))
        elif url:
            found.append(NewEvidence(number, url=url))
        upload = form.get(f"evidence-file-{number}")
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(evidence.MAX_EVIDENCE_BYTES + 1)
            try:
                evidence.check_file(upload.filename, content)
            except ValidationFailed:
                errors.append(EvidenceError(f"evidence-file-{number}", _file_message(name, upload.filename, content)))
                continue
            found.append(NewEvidence(number, filename=upload.filename, content=content))
    return found, errors


def _link_message(name: str, url: str) -> str:
    if len(url) > MAX_LINK:
        return _("%(name)s: the link must be at most %(max)s characters") % {"name": name, "max": MAX_LINK}
    return _("%(name)s: the link must be a web address starting with http:// or https://, without spaces") % {
        "name": name
    }


def _file_message(name: str, filename: str, content: bytes) -> str:
    values = {"name": name, "file": filename}
    if not content:
        return _("%(name)s: %(file)s is empty") % values
    if len(content) > evidence.MAX_EVIDENCE_BYTES:
        return _("%(name)s: %(file)s is larger than 10 MB (the limit)") % values
    return _("%(name)s: %(file)s is not a PDF, PNG, JPEG, XLSX or DOCX file (judged by its content)") % values


def save(
    session: Session, principal: Principal, target: tuple[str, int], items: list[NewEvidence], data_dir: Path
) -> None:
    """Record the checked evidence through the service (same rules and audit trail as the API)."""
    agency_code, year = target
    for item in items:
        if item.url is not None:
            evidence.add_link(session, principal, agency_code, year, item.indicator, item.url)
        else:
            evidence.add_file(session, principal, target, item.indicator, (item.filename, item.content), data_dir)


def by_indicator(items: list[EvidenceOut]) -> dict[int, list[EvidenceOut]]:
    grouped: dict[int, list[EvidenceOut]] = {}
    for item in items:
        grouped.setdefault(item.indicator, []).append(item)
    return grouped


def attachment_headers(filename: str) -> dict[str, str]:
    """Content-Disposition: attachment, with an ASCII fallback name and the UTF-8 name (RFC 6266)."""
    from urllib.parse import quote

    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    disposition = f"attachment; filename=\"{ascii_name or 'evidence'}\"; filename*=UTF-8''{quote(filename)}"
    return {"content-disposition": disposition, "x-content-type-options": "nosniff"}
