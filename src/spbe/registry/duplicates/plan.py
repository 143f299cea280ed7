"""The consolidation plan: for each duplicate group, stop, migrate to the Aplikasi Umum covering it, or consolidate.

Applications still planned or in development get "stop building, use X instead" (nothing to migrate).

When an Aplikasi Umum already does the group's job, the plan reads "migrate these N applications of M
agencies to SRIKANDI", ordered so the applications with the fewest integrations go first (their migration
breaks the least — the "blast radius" ordering of migration waves). Otherwise it proposes the group's
best-fit application (functional fit + technical fit, then users) as the candidate shared application.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from sqlalchemy.orm import Session

from spbe.core.i18n import gettext as _
from spbe.registry.duplicates.index import AppRecord
from spbe.registry.duplicates.schemas import PlanItem, PlanOut, PlanStep
from spbe.registry.duplicates.service import Analysis, GroupView, analyse, filtered, member

EXPORT_COLUMNS = ("group_key", "group", "action", "target_code", "target_name", "order", "wave", "application_code",
                  "application_name", "agency_code", "agency_name", "integrations", "users", "functional_fit",
                  "technical_fit")  # fmt: skip


def wave(integrations: int) -> int:
    """1: a leaf (no integrations), 2: one or two, 3: a hub — migrate leaves first."""
    return 1 if integrations == 0 else 2 if integrations <= 2 else 3


def migration_order(records: list[AppRecord]) -> list[AppRecord]:
    """Fewest integrations first, then fewest users, then code (a stable order)."""
    return sorted(records, key=lambda r: (r.integrations, r.users or 0, r.code))


def best_fit(records: list[AppRecord]) -> AppRecord:
    """The candidate to become the shared application: best fits, most users, in production."""
    return max(records, key=lambda r: ((r.functional_fit or 0) + (r.technical_fit or 0), r.status == "production",
                                       r.users or 0, r.code))  # fmt: skip


NOT_BUILT = ("planned", "development")  # not in use yet: stop building, don't migrate


def plan_items(analysis: Analysis, view: GroupView) -> list[PlanItem]:
    """The group's plan: stop what is not built yet, then migrate (or consolidate) what runs.

    Applications of the Aplikasi Umum's own wali agency are left out of its migration (LKPP's procurement
    apps around SPSE are SPSE's ecosystem, not duplicates of it).
    """
    records = [analysis.records[row] for row in view.rows]
    if view.umum is not None:
        records = [r for r in records if r.agency_code != view.umum.agency_code]
    stop = [r for r in records if r.status in NOT_BUILT]
    running = [r for r in records if r.status not in NOT_BUILT]
    items = [stop_item(view, stop)] if stop else []
    if len({r.agency_code for r in running}) >= 2 or (running and view.umum is not None):
        items.append(plan_item(analysis, view, running))
    return items


def stop_item(view: GroupView, records: list[AppRecord]) -> PlanItem:
    target = view.umum
    agencies = len({r.agency_code for r in records})
    use = (target.acronym or target.name) if target else _("the group's shared application")
    text = _("Stop building %(count)s applications of %(agencies)s agencies (still planned or in development); "
             "use %(target)s instead") % {"count": len(records), "agencies": agencies, "target": use}  # fmt: skip
    ordered = sorted(records, key=lambda r: r.code)
    steps = [PlanStep(order=n, wave=1, application=member(r)) for n, r in enumerate(ordered, 1)]
    return PlanItem(group_key=view.key, label=view.label, action="stop", target_code=target.code if target else "",
                    target_name=f"{target.acronym} – {target.name}" if target else "", applications=len(records),
                    agencies=agencies, summary=text, steps=steps)  # fmt: skip


def _internal_note(count: int, agencies: int) -> str:
    """Honest about copies inside one agency: those are an internal consolidation step of that agency."""
    internal = count - agencies
    if internal <= 0:
        return ""
    return " " + _("(%(internal)s of them are further copies inside the same agency: merge those internally "
                   "first)") % {"internal": internal}  # fmt: skip


def plan_item(analysis: Analysis, view: GroupView, records: list[AppRecord] | None = None) -> PlanItem:
    records = records if records is not None else [analysis.records[row] for row in view.rows]
    agencies = len({r.agency_code for r in records})
    if view.umum is not None:
        target = view.umum
        ordered = migration_order(records)
        text = _("Migrate %(count)s applications of %(agencies)s agencies to %(target)s") % {
            "count": len(records),
            "agencies": agencies,
            "target": target.acronym or target.name,
        }
        action, target_code, target_name = "migrate", target.code, f"{target.acronym} – {target.name}"
    else:
        candidate = best_fit(records)
        ordered = [candidate, *migration_order([r for r in records if r is not candidate])]
        text = _(
            "Consolidate %(count)s applications of %(agencies)s agencies into one shared application; "
            "candidate: %(candidate)s (%(agency)s)"
        ) % {"count": len(records), "agencies": agencies, "candidate": candidate.name, "agency": candidate.agency_name}
        action, target_code, target_name = "consolidate", candidate.code, candidate.name
    text += _internal_note(len(records), agencies)
    steps = [PlanStep(order=n, wave=wave(r.integrations), application=member(r)) for n, r in enumerate(ordered, 1)]
    return PlanItem(
        group_key=view.key,
        label=view.label,
        action=action,
        target_code=target_code,
        target_name=target_name,
        applications=len(records),
        agencies=agencies,
        summary=text,
        steps=steps,
    )


ACTION_ORDER = {"stop": 0, "migrate": 1, "consolidate": 2}


def build_plan(session: Session, *, agency: str | None = None, affair: str | None = None) -> PlanOut:
    analysis = analyse(session)
    items = [item for view in filtered(analysis, agency, affair) for item in plan_items(analysis, view)]
    items.sort(key=lambda item: (ACTION_ORDER.get(item.action, 3), -item.applications))
    migrate = sum(item.applications for item in items if item.action == "migrate")
    consolidate = sum(item.applications for item in items if item.action == "consolidate")
    return PlanOut(items=items, migrate_applications=migrate, consolidate_applications=consolidate)


def export_rows(plan: PlanOut) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for item in plan.items:
        for step in item.steps:
            app = step.application
            rows.append({"group_key": item.group_key, "group": item.label, "action": item.action,
                         "target_code": item.target_code, "target_name": item.target_name, "order": step.order,
                         "wave": step.wave, "application_code": app.code, "application_name": app.name,
                         "agency_code": app.agency_code, "agency_name": app.agency_name,
                         "integrations": app.integrations, "users": app.users, "functional_fit": app.functional_fit,
                         "technical_fit": app.technical_fit})  # fmt: skip
    return rows


def to_csv(plan: PlanOut) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(export_rows(plan))
    return buffer.getvalue()


def to_xlsx(plan: PlanOut) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rencana konsolidasi")
    sheet.append(list(EXPORT_COLUMNS))
    for row in export_rows(plan):
        sheet.append([row[column] for column in EXPORT_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
