"""Agencies (instansi): seeding the central agencies and the 552 regional governments, and reading them.

Central agencies come from ``data/central_agencies.csv``; regional governments are derived from the
Kemendagri region codes (``PROV-32`` Pemerintah Provinsi Jawa Barat, ``KAB-32.04`` Pemerintah Kabupaten
Bandung, ``KOTA-32.73`` Pemerintah Kota Bandung). Seeding is idempotent: it adds what is missing and
updates what changed, matched by code; it never deletes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from spbe.core.wilayah import service as wilayah
from spbe.core.wilayah.schemas import ProvinceOut, RegencyOut, RegionLevel
from spbe.registry.models import Agency, AgencyKind
from spbe.registry.repository import agencies as repository
from spbe.registry.schemas.agencies import AgencyData, AgencyOut, AgencyPage, AgencySeedSummary

CENTRAL_AGENCIES_FILE = Path(__file__).parent.parent / "data" / "central_agencies.csv"
CENTRAL_COLUMNS = ["code", "name", "short_name", "kind"]
CENTRAL_KINDS = {kind.value for kind in AgencyKind if not kind.is_regional}
CODE_PATTERN = re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)*")
LIMITS = {"code": 40, "name": 200, "short_name": 60}
SEEDED_FIELDS = ("name", "short_name", "kind", "region_code", "province_code")


def read_central_agencies(path: Path = CENTRAL_AGENCIES_FILE) -> list[AgencyData]:
    """Read and validate the central agencies file; any bad row raises naming the row and column."""
    errors: list[FieldError] = []
    agencies: list[AgencyData] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != CENTRAL_COLUMNS:
            errors.append(FieldError(f"{path.name}: header", f"expected {','.join(CENTRAL_COLUMNS)}", row=1))
        for raw in reader if not errors else []:
            row_errors = _central_row_problems(raw, seen)
            errors += [FieldError(f"{path.name}: {column}", message, reader.line_num) for column, message in row_errors]
            if not row_errors:
                agencies.append(_central_agency(raw))
    if errors:
        raise ValidationFailed(f"{path.name} has {len(errors)} problem(s); nothing was seeded.", errors=errors)
    return agencies


def _central_row_problems(raw: list[str], seen: set[str]) -> list[tuple[str, str]]:
    if len(raw) != len(CENTRAL_COLUMNS):
        return [("row", f"has {len(raw)} values, expected {len(CENTRAL_COLUMNS)}")]
    row = dict(zip(CENTRAL_COLUMNS, (value.strip() for value in raw), strict=True))
    problems = [
        (column, f"is longer than {limit} characters") for column, limit in LIMITS.items() if len(row[column]) > limit
    ]
    if not CODE_PATTERN.fullmatch(row["code"]):
        problems.append(("code", f"{row['code']!r} is not upper-case letters and digits joined by dashes"))
    elif row["code"] in seen:
        problems.append(("code", f"{row['code']} appears twice"))
    seen.add(row["code"])
    if not row["name"]:
        problems.append(("name", "is empty"))
    if row["kind"] not in CENTRAL_KINDS:
        problems.append(("kind", f"{row['kind']!r} is not one of {', '.join(sorted(CENTRAL_KINDS))}"))
    return problems


def _central_agency(raw: list[str]) -> AgencyData:
    code, name, short_name, kind = (value.strip() for value in raw)
    return AgencyData(code=code, name=name, short_name=short_name or None, kind=AgencyKind(kind))


def regional_agencies(session: Session) -> list[AgencyData]:
    """One government per province, kabupaten and kota in the region codes."""
    if not wilayah.regions_loaded(session):
        raise Conflict("Region codes are not loaded yet: run `spbe wilayah load` (or `spbe demo seed`) first.")
    provinces = [_province_agency(province) for province in wilayah.list_provinces(session).items]
    return provinces + [_regency_agency(regency) for regency in wilayah.list_regencies(session).items]


def _province_agency(province: ProvinceOut) -> AgencyData:
    return AgencyData(
        code=f"PROV-{province.code}",
        name=f"Pemerintah Provinsi {province.name}",
        short_name=f"Pemprov {province.name}",
        kind=AgencyKind.provinsi,
        region_code=province.code,
        province_code=province.code,
    )


def _regency_agency(regency: RegencyOut) -> AgencyData:
    kind = AgencyKind(regency.kind)
    prefix, short = ("KAB", "Pemkab") if kind is AgencyKind.kabupaten else ("KOTA", "Pemkot")
    bare_name = regency.name.split(" ", 1)[-1]  # "Kabupaten Bandung" → "Bandung"
    return AgencyData(
        code=f"{prefix}-{regency.code}",
        name=f"Pemerintah {regency.name}",
        short_name=f"{short} {bare_name}",
        kind=kind,
        region_code=regency.code,
        province_code=regency.province_code,
    )


def seed_agencies(session: Session) -> AgencySeedSummary:
    """Add missing agencies and update changed ones (matched by code); re-running changes nothing."""
    wanted = read_central_agencies() + regional_agencies(session)
    stored = repository.all_by_code(session)
    new = [Agency(code=data.code, **_seeded_values(data)) for data in wanted if data.code not in stored]
    updated = sum(_update(stored[data.code], data) for data in wanted if data.code in stored)
    repository.add_all(session, new)
    by_kind = {AgencyKind(kind): count for kind, count in repository.count_by_kind(session).items()}
    return AgencySeedSummary(by_kind=by_kind, added=len(new), updated=updated)


def seed_agencies_step(session: Session) -> str:
    """The ``Agencies (instansi)`` seed step."""
    return seed_agencies(session).text()


def _seeded_values(data: AgencyData) -> dict[str, str | None]:
    values = data.model_dump(include=set(SEEDED_FIELDS))
    values["kind"] = data.kind.value
    return values


def _update(agency: Agency, data: AgencyData) -> bool:
    changes = {name: value for name, value in _seeded_values(data).items() if getattr(agency, name) != value}
    for name, value in changes.items():
        setattr(agency, name, value)
    return bool(changes)


def list_agencies(
    session: Session,
    *,
    kind: AgencyKind | None = None,
    province: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AgencyPage:
    """Agencies filtered by kind, province (code, e.g. ``32``) and part of the name, short name or code."""
    province_code = wilayah.normalize_code(province, field="province", level=RegionLevel.province) if province else None
    needle = " ".join(q.split()) if q else None
    rows, total = repository.list_agencies(
        session, kind=kind, province_code=province_code, needle=needle, limit=limit, offset=offset
    )
    items = [AgencyOut.model_validate(row) for row in rows]
    return AgencyPage(items=items, total=total, limit=limit, offset=offset)


def get_by_code(session: Session, code: str) -> AgencyOut:
    """One agency by its code (any case), or ``NotFound``."""
    agency = repository.get_by_code(session, code.strip().upper())
    if agency is None:
        raise NotFound(f"There is no agency with code {code.strip().upper()!r}.")
    return AgencyOut.model_validate(agency)
