"""The numbers behind the registry's pages: the national dashboard and an agency's landscape."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.security import Principal
from spbe.registry.models import Agency, AgencyKind, Application, DataSet, Infrastructure, Service
from spbe.registry.repository import applications as repository
from spbe.registry.repository import catalogue as catalogue_repository
from spbe.registry.schemas.agencies import AgencyOut
from spbe.registry.schemas.catalogue import ApplicationOut, TimeDisposition, time_disposition
from spbe.registry.service import applications, catalogue
from spbe.registry.service.agencies import get_by_code

TIME_ORDER = [d.value for d in TimeDisposition]
UNCATEGORISED = "—"


@dataclass(frozen=True)
class NationalPicture:
    total: int
    by_kind: dict[str, int]
    by_agency_kind: dict[str, dict[str, int]]
    categories: list[str]
    category_names: dict[str, str]
    by_status: dict[str, int]
    time: dict[str, int]


def national(session: Session) -> NationalPicture:
    """Applications per agency type and category, umum vs khusus, status and TIME disposition."""
    names = catalogue_repository.term_codes(session, "aplikasi", level=2)
    grid: dict[str, dict[str, int]] = defaultdict(dict)
    for agency_kind, category, count in repository.counts_by(session, Agency.kind, Application.category_code):
        grid[agency_kind][category or UNCATEGORISED] = count
    by_agency_kind = {kind.value: grid.get(kind.value, {}) for kind in AgencyKind}
    by_kind = {kind: count for kind, count in repository.counts_by(session, Application.kind)}
    by_status = {status: count for status, count in repository.counts_by(session, Application.status)}
    time: Counter[str] = Counter()
    for functional, technical, count in repository.fits(session):
        disposition = time_disposition(functional, technical)
        if disposition is not None:
            time[disposition.value] += count
    categories = sorted({c for values in grid.values() for c in values})
    return NationalPicture(
        sum(by_kind.values()),
        by_kind,
        by_agency_kind,
        categories,
        names,
        by_status,
        {key: time.get(key, 0) for key in TIME_ORDER},
    )


@dataclass(frozen=True)
class Landscape:
    agency: AgencyOut
    by_category: list[tuple[str, list[ApplicationOut]]]
    time: dict[str, int]
    services: list[Any]
    datasets: list[Any]
    infrastructure: list[Any]
    category_names: dict[str, str]


def landscape(session: Session, code: str, reader: Principal | None) -> Landscape:
    """One agency's applications grouped by category (with TIME), services, data sets and infrastructure."""
    agency = get_by_code(session, code)
    grouped: dict[str, list[ApplicationOut]] = defaultdict(list)
    page = 1
    while True:
        found = applications.search(session, where=_of(agency.code), page=page, per_page=200, reader=reader)
        for item in found.items:
            grouped[item.category or UNCATEGORISED].append(item)
        if page * found.per_page >= found.total:
            break
        page += 1
    time = Counter(item.time.value for items in grouped.values() for item in items if item.time)
    secret = catalogue.secret_readers(reader)
    owned = {
        name: [
            instance
            for instance, _ in catalogue_repository.all_of(session, model, column, agency.code, secret_readers=secret)
        ]
        for name, model, column in (
            ("services", Service, "agency_id"),
            ("datasets", DataSet, "producer_agency_id"),
            ("infrastructure", Infrastructure, "agency_id"),
        )
    }
    return Landscape(
        agency,
        sorted(grouped.items()),
        {k: time.get(k, 0) for k in TIME_ORDER},
        owned["services"],
        owned["datasets"],
        owned["infrastructure"],
        catalogue_repository.term_codes(session, "aplikasi"),
    )


def _of(agency_code: str) -> repository.ApplicationFilter:
    return repository.ApplicationFilter(agency_code=agency_code)
