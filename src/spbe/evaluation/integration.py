"""The evaluation's view of other modules, through their service layers only.

Agencies (the subjects of the evaluation) come from ``spbe.registry.service``; every change and decision
goes to ``spbe.core.audit.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit_service
from spbe.core.errors import NotFound
from spbe.core.security import Principal
from spbe.registry import service as registry_service
from spbe.registry.schemas import AgencyOut

PAGE = 1000

CENTRAL_KINDS = frozenset({"kementerian", "lpnk", "lembaga"})


@dataclass(frozen=True)
class Subject:
    """An agency as the evaluation sees it (instansi pusat or pemerintah daerah)."""

    code: str
    name: str
    kind: str

    @property
    def group(self) -> str:
        """The reporting group: central, province, regency or city."""
        return group_of(self.kind)


def group_of(kind: str) -> str:
    groups = {"provinsi": "province", "kabupaten": "regency", "kota": "city"}
    return "central" if kind in CENTRAL_KINDS else groups.get(kind, "central")


def _subject(agency: AgencyOut) -> Subject:
    return Subject(code=agency.code, name=agency.name, kind=agency.kind.value)


def list_subjects(session: Session) -> list[Subject]:
    """Every agency in the registry, in the registry's order (central first, then by region)."""
    subjects: list[Subject] = []
    while True:
        page = registry_service.list_agencies(session, limit=PAGE, offset=len(subjects))
        subjects.extend(_subject(agency) for agency in page.items)
        if not page.items or len(subjects) >= page.total:
            return subjects


def find_subject(session: Session, code: str) -> Subject | None:
    try:
        return _subject(registry_service.get_by_code(session, code))
    except NotFound:
        return None


def get_subject(session: Session, code: str) -> Subject:
    subject = find_subject(session, code)
    if subject is None:
        raise NotFound(f"No agency with code {code!r} in the registry.")
    return subject


def audit(
    session: Session,
    actor: Principal,
    action: str,
    object_id: str,
    data: dict[str, Any] | None = None,
    *,
    outcome: str = "success",
    object_type: str = "evaluation.assessment",
) -> None:
    """Append one evaluation event (``evaluation.<action>``) to the platform's audit log."""
    audit_service.append(
        session,
        actor=actor.subject,
        action=f"evaluation.{action}",
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        data=data or {},
    )
