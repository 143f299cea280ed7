"""The demo seed step: the national inventory of 27,400 applications, imported through the registry.

Rows go through the catalogue's own bulk import (validated, all or nothing, change-logged), so the demo
data is exactly what an agency's CSV would produce; integrations between applications are added after.
Re-running changes nothing: the import reports every row unchanged and existing integrations are kept.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.demo.generator import NATIONAL_COUNT, DemoInventory, generate
from spbe.registry.models import Application, Integration
from spbe.registry.service.imports import import_applications

DEMO_SEED = 1


def import_inventory(session: Session, inventory: DemoInventory) -> tuple[int, int, int]:
    """Import the rows and add the missing integrations: (created, updated, integrations added)."""
    report = import_applications(session, inventory.rows, actor=SYSTEM, dry_run=False, source="demo")
    if report.problems:
        first = "; ".join(f"row {p.row} {p.column}: {p.message}" for p in report.problems[:5])
        raise ValueError(f"the demo inventory does not import ({len(report.problems)} problems): {first}")
    return report.created, report.updated, add_integrations(session, inventory.integrations)


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
    created, updated, links = import_inventory(session, generate(count, DEMO_SEED))
    return f"{created} applications added, {updated} updated, {links} integrations added"
