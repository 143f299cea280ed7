"""The demo seed step: the national inventory of 27,400 applications, imported through the registry.

Infrastructure and data sets are written first (the rows name them in ``hosting`` and ``datasets``), then
the rows go through the catalogue's own bulk import (validated, all or nothing, change-logged), so the demo
data is exactly what an agency's CSV would produce; services and integrations are added after. Re-running
changes nothing: existing catalogue codes are skipped, the import reports every row unchanged and existing
integrations are kept. Catalogue records are validated by their input schemas and logged as one signed bulk
change per kind (thousands of single audit records would make the step slow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.demo.catalogue import DemoCatalogue
from spbe.registry.demo.generator import NATIONAL_COUNT, DemoInventory, generate
from spbe.registry.models import Application, DataSet, Infrastructure, Integration, Service, ServiceApplication
from spbe.registry.repository import catalogue as catalogue_repository
from spbe.registry.schemas.catalogue import DataSetIn, InfrastructureIn, ServiceIn
from spbe.registry.service import changes
from spbe.registry.service.imports import import_applications

DEMO_SEED = 1
SOURCE = "demo"


@dataclass(frozen=True)
class SeedCounts:
    """What one run added (all zero on a re-run)."""

    created: int
    updated: int
    integrations: int
    infrastructure: int
    datasets: int
    services: int


def import_inventory(session: Session, inventory: DemoInventory) -> tuple[int, int, int]:
    """Import the catalogue, rows and integrations: (applications created, updated, integrations added)."""
    counts = import_all(session, inventory)
    return counts.created, counts.updated, counts.integrations


def import_all(session: Session, inventory: DemoInventory) -> SeedCounts:
    """Infrastructure and data sets, then the application rows, then services and integrations."""
    infra, data = add_infrastructure_and_datasets(session, inventory.catalogue)
    report = import_applications(session, inventory.rows, actor=SYSTEM, dry_run=False, source=SOURCE)
    if report.problems:
        first = "; ".join(f"row {p.row} {p.column}: {p.message}" for p in report.problems[:5])
        raise ValueError(f"the demo inventory does not import ({len(report.problems)} problems): {first}")
    services = add_services(session, inventory.catalogue)
    links = add_integrations(session, inventory.integrations)
    return SeedCounts(report.created, report.updated, links, infra, data, services)


def _add(session: Session, model: Any, schema: type[BaseModel], object_type: str, records: list[dict[str, Any]],
         owner_column: str, renamed: dict[str, str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Insert the records whose code is not stored yet (validated by ``schema``); one bulk change log."""
    stored = set(session.scalars(select(model.code)))
    agencies = catalogue_repository.agency_ids(session)
    renamed = renamed or {}
    new = [schema.model_validate(r).model_dump(mode="json") for r in records if r["code"] not in stored]
    values = []
    for data in new:
        row = {renamed.get(k, k): v for k, v in data.items() if k not in ("agency_code", "applications")}
        values.append({**row, owner_column: agencies[data["agency_code"]]})
    if values:
        session.execute(insert(model), values)
        changes.record_bulk(session, SYSTEM, object_type=object_type, source=SOURCE,
                            changes=[(d["code"], "create", {"before": None, "after": d}) for d in new],
                            summary={"created": len(new)})  # fmt: skip
    return new


def add_infrastructure_and_datasets(session: Session, catalogue: DemoCatalogue) -> tuple[int, int]:
    infra = _add(session, Infrastructure, InfrastructureIn, "infrastructure", catalogue.infrastructure, "agency_id")
    data = _add(session, DataSet, DataSetIn, "dataset", catalogue.datasets, "producer_agency_id")
    return len(infra), len(data)


def add_services(session: Session, catalogue: DemoCatalogue) -> int:
    """The services not stored yet, linked to the applications delivering them."""
    new = _add(session, Service, ServiceIn, "service", catalogue.services, "agency_id", {"category": "category_code"})
    if new:
        ids = {code: ident for code, ident in session.execute(select(Service.code, Service.id))}
        apps = {code: ident for code, ident in session.execute(select(Application.code, Application.id))}
        links = [{"service_id": ids[s["code"]], "application_id": apps[a]} for s in new for a in s["applications"]
                 if a in apps]  # fmt: skip
        if links:
            session.execute(insert(ServiceApplication), links)
    return len(new)


def add_integrations(session: Session, links: list[tuple[str, str]]) -> int:
    """Add the integrations (source code → target code) not stored yet."""
    ids = {code: ident for code, ident in session.execute(select(Application.code, Application.id))}
    stored = {(s, t) for s, t in session.execute(select(Integration.source_id, Integration.target_id))}
    wanted = {(ids[source], ids[target]) for source, target in links if source in ids and target in ids}
    new = [{"source_id": s, "target_id": t, "channel": "splp"} for s, t in sorted(wanted - stored)]
    if new:
        session.execute(insert(Integration), new)
    return len(new)


def seed_demo_applications(session: Session, count: int = NATIONAL_COUNT) -> str:
    """The ``Demo national application inventory`` seed step."""
    c = import_all(session, generate(count, DEMO_SEED))
    return (f"{c.created} applications added, {c.updated} updated, {c.integrations} integrations added, "
            f"{c.infrastructure} infrastructure, {c.datasets} data sets, {c.services} services added")  # fmt: skip
