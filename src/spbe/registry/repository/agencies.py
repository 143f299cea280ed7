"""All SQL about agencies (instansi)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from spbe.registry.models import Agency, AgencyKind

KIND_ORDER = case({kind.value: rank for rank, kind in enumerate(AgencyKind)}, value=Agency.kind, else_=99)
LIKE_ESCAPE = "\\"


def all_by_code(session: Session) -> dict[str, Agency]:
    return {agency.code: agency for agency in session.scalars(select(Agency))}


def add_all(session: Session, agencies: Iterable[Agency]) -> None:
    session.add_all(agencies)
    session.flush()


def get_by_code(session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code))


def count_by_kind(session: Session) -> dict[str, int]:
    rows = session.execute(select(Agency.kind, func.count()).group_by(Agency.kind))
    return {kind: count for kind, count in rows}


def list_agencies(
    session: Session,
    *,
    kind: AgencyKind | None,
    province_code: str | None,
    needle: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Agency], int]:
    """One page of agencies (central first, then by region code and name) and the number of matches."""
    conditions = _conditions(kind, province_code, needle)
    total = session.scalar(select(func.count()).select_from(Agency).where(*conditions))
    order = (KIND_ORDER, func.coalesce(Agency.region_code, ""), Agency.name, Agency.code)
    query = select(Agency).where(*conditions).order_by(*order).limit(limit).offset(offset)
    return session.scalars(query).all(), total or 0


def _conditions(kind: AgencyKind | None, province_code: str | None, needle: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(Agency.kind == kind.value)
    if province_code is not None:
        conditions.append(Agency.province_code == province_code)
    if needle:
        pattern = f"%{_escape_like(needle.lower())}%"
        columns = (Agency.name, Agency.short_name, Agency.code)
        conditions.append(or_(*(func.lower(column).like(pattern, escape=LIKE_ESCAPE) for column in columns)))
    return conditions


def _escape_like(text: str) -> str:
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
