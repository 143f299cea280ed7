"""The six reference architectures as versioned data, classification against them, and the reference seed
(taxonomies, national infrastructure, the Aplikasi Umum)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.errors import FieldError, NotFound, ValidationFailed
from spbe.core.security import SYSTEM, Principal
from spbe.registry.models import Infrastructure, TaxonomyTerm
from spbe.registry.repository import catalogue as repository
from spbe.registry.schemas.catalogue import ClassificationIn, TaxonomyTermOut
from spbe.registry.service import access, changes
from spbe.registry.service.imports import import_file

DATA_DIR = Path(__file__).parent.parent / "data"
TAXONOMY_DIR = DATA_DIR / "taxonomy"
APLIKASI_UMUM_FILE = DATA_DIR / "aplikasi_umum.csv"
INFRASTRUCTURE_FILE = DATA_DIR / "infrastructure.csv"
REFERENCES = ("probis", "data", "layanan", "aplikasi", "infrastruktur", "keamanan")
TERM_FIELDS = ("name", "parent_code", "level", "description")


def read_taxonomies(directory: Path = TAXONOMY_DIR) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]


def load_taxonomies(session: Session) -> tuple[int, int]:
    """Add missing terms and update changed ones of every reference and version; returns (added, updated)."""
    added = updated = 0
    for document in read_taxonomies():
        stored = repository.terms_by_key(session, document["reference"], document["version"])
        for term in document["terms"]:
            values = _term_values(term)
            existing = stored.get(term["code"])
            if existing is None:
                session.add(
                    TaxonomyTerm(
                        reference=document["reference"], version=document["version"], code=term["code"], **values
                    )
                )
                added += 1
            elif any(getattr(existing, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(existing, name, value)
                updated += 1
    session.flush()
    return added, updated


def _term_values(term: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": term["name"],
        "parent_code": term.get("parent"),
        "level": term.get("level", 1),
        "description": term.get("description"),
    }


def seed_infrastructure(session: Session) -> int:
    """The national infrastructure (PDN, JIP, SPLP) the Aplikasi Umum run on; returns how many were added."""
    agencies = repository.agency_ids(session)
    added = 0
    with INFRASTRUCTURE_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if repository.get(session, Infrastructure, row["code"]) is None:
                infrastructure = Infrastructure(
                    code=row["code"],
                    name=row["name"],
                    kind=row["kind"],
                    agency_id=agencies[row["agency_code"]],
                    is_national_data_centre=row["is_national_data_centre"] == "true",
                    description=row["description"],
                )
                repository.add(session, infrastructure)
                repository.set_classifications(
                    session, "infrastructure", infrastructure.id, [("infrastruktur", row["category"])]
                )
                added += 1
    return added


def seed_reference_step(session: Session) -> str:
    """The ``Reference architectures and Aplikasi Umum`` seed step (idempotent)."""
    added, updated = load_taxonomies(session)
    infrastructure = seed_infrastructure(session)
    report = import_file(session, APLIKASI_UMUM_FILE, actor=SYSTEM, dry_run=False)
    if report.problems:
        errors = [FieldError(p.column, p.message, p.row) for p in report.problems]
        raise ValidationFailed("aplikasi_umum.csv has problems; nothing was seeded.", errors=errors)
    return (
        f"{added} taxonomy terms added, {updated} updated; {infrastructure} infrastructure added; "
        f"Aplikasi Umum: {report.created} added, {report.updated} updated, {report.unchanged} unchanged"
    )


def list_terms(session: Session, reference: str | None = None) -> list[TaxonomyTermOut]:
    if reference is not None and reference not in REFERENCES:
        raise NotFound(f"No reference architecture {reference!r}; use one of {', '.join(REFERENCES)}.")
    return [TaxonomyTermOut.model_validate(term) for term in repository.terms(session, reference)]


def classify(
    session: Session,
    actor: Principal,
    *,
    object_type: str,
    object_id: int,
    code: str,
    owner: str,
    terms: list[ClassificationIn],
) -> list[ClassificationIn]:
    """Replace an object's classification against the reference architectures (every term must exist)."""
    access.require_write(
        session,
        actor,
        action=f"registry.{object_type}.classify",
        object_type=object_type,
        object_id=code,
        owners=[owner],
    )
    unknown = [
        FieldError(f"terms[{i}]", f"unknown {t.reference} term {t.code!r}")
        for i, t in enumerate(terms)
        if not repository.term_exists(session, t.reference, t.code)
    ]
    if unknown:
        raise ValidationFailed("Unknown reference-architecture terms.", errors=unknown)
    before = [{"reference": r, "code": c} for r, c in repository.classifications(session, object_type, object_id)]
    repository.set_classifications(session, object_type, object_id, [(t.reference, t.code) for t in terms])
    after = [{"reference": r, "code": c} for r, c in repository.classifications(session, object_type, object_id)]
    if before != after:
        changes.record(
            session,
            actor,
            object_type=object_type,
            code=code,
            action="update",
            before={"classification": before},
            after={"classification": after},
        )
    return [ClassificationIn(reference=r["reference"], code=r["code"]) for r in after]


def classifications(session: Session, object_type: str, object_id: int) -> list[ClassificationIn]:
    return [
        ClassificationIn(reference=r, code=c) for r, c in repository.classifications(session, object_type, object_id)
    ]
