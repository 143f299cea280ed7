"""All SQL of the duplicate finder: read every application with what the finder needs, in four queries."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spbe.registry.duplicates.index import AppRecord
from spbe.registry.models import Agency, Application, ApplicationAffair, Integration

COLUMNS = (
    Application.id, Application.code, Application.name, Application.acronym, Application.description,
    Application.kind, Application.category_code, Application.service_area, Application.status,
    Application.user_count, Application.functional_fit, Application.technical_fit,
)  # fmt: skip


def fingerprint(session: Session) -> tuple[object, ...]:
    """Changes whenever an application or an integration is added, changed or removed."""
    applications = session.execute(
        select(
            func.count(Application.id),
            func.max(Application.id),
            func.max(Application.updated_at),
            func.coalesce(func.sum(Application.version), 0),
        )
    ).one()
    integrations = session.execute(select(func.count(Integration.id), func.max(Integration.id))).one()
    return (*applications, *integrations)


def load_records(session: Session) -> list[AppRecord]:
    """Every application not retired, with its agency, affairs and number of integrations, ordered by id."""
    affairs: dict[int, list[str]] = defaultdict(list)
    for application_id, code in session.execute(
        select(ApplicationAffair.application_id, ApplicationAffair.affair_code)
    ):
        affairs[application_id].append(code)
    links: dict[int, int] = defaultdict(int)
    for column in (Integration.source_id, Integration.target_id):
        for application_id, count in session.execute(select(column, func.count()).group_by(column)):
            links[application_id] += count
    query = (
        select(*COLUMNS, Agency.code, Agency.name, Agency.short_name, Agency.region_code)
        .join(Agency, Agency.id == Application.owner_agency_id)
        .where(Application.status != "retired")
        .order_by(Application.id)
    )
    return [_record(row, sorted(affairs.get(row[0], [])), links.get(row[0], 0)) for row in session.execute(query)]


def _record(row: Any, affairs: list[str], links: int) -> AppRecord:
    (ident, code, name, acronym, description, kind, category, area, status, users, functional, technical,
     agency_code, agency_name, short_name, region_code) = row  # fmt: skip
    place = _place(agency_name) if region_code else (short_name or "")
    return AppRecord(
        id=ident, code=code, name=name, acronym=acronym, description=description, agency_code=agency_code,
        agency_name=agency_name, agency_short=short_name or "", kind=kind, category=category, service_area=area,
        affairs=tuple(affairs), status=status, users=users, functional_fit=functional, technical_fit=technical,
        integrations=links, place=place,
    )  # fmt: skip


def _place(agency_name: str) -> str:
    """ "Pemerintah Kabupaten Garut" → "Garut" (the words an application name appends)."""
    for prefix in ("Pemerintah Provinsi ", "Pemerintah Kabupaten ", "Pemerintah Kota "):
        if agency_name.startswith(prefix):
            return agency_name.removeprefix(prefix)
    return agency_name
