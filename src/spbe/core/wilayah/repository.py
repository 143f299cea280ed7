"""All SQL about region codes: bulk loading, lists, look-ups and the name search."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

import psycopg
from psycopg import sql
from sqlalchemy import ColumnElement, Table, case, func, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from spbe.core.wilayah.models import District, Province, Regency, Village
from spbe.core.wilayah.schemas import RegionLevel

RegionModel = Province | Regency | District | Village
MODELS: dict[RegionLevel, type[RegionModel]] = {
    RegionLevel.province: Province,
    RegionLevel.regency: Regency,
    RegionLevel.district: District,
    RegionLevel.village: Village,
}
PARENT_COLUMNS = {
    RegionLevel.regency: Regency.province_code,
    RegionLevel.district: District.regency_code,
    RegionLevel.village: Village.district_code,
}
CHUNK_SIZE = 5000
IN_CHUNK_SIZE = 500
LIKE_ESCAPE = "\\"
REGENCY_PREFIXES = ("kabupaten ", "kota ", "kabupaten administrasi ", "kota administrasi ")


def tables_exist(session: Session) -> bool:
    """Whether the region tables exist at all (a database that was never migrated has none)."""
    return bool(inspect(session.connection()).has_table(Province.__tablename__))


def count(session: Session, level: RegionLevel) -> int:
    return session.scalar(select(func.count()).select_from(MODELS[level])) or 0


def count_children(session: Session, level: RegionLevel, code: str) -> int:
    """How many regions of the level below ``level`` lie in region ``code``."""
    child = level.child
    if child is None:
        return 0
    column = PARENT_COLUMNS[child]
    return session.scalar(select(func.count()).where(column == code)) or 0


def existing_values(session: Session, level: RegionLevel, columns: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """``{code: (value, …)}`` of every stored region of ``level``, for comparing with the data."""
    model = MODELS[level]
    selected = [getattr(model, column) for column in columns]
    rows = session.execute(select(model.code, *selected))
    return {row[0]: tuple(row[1:]) for row in rows}


def insert_rows(session: Session, level: RegionLevel, rows: Sequence[dict[str, str]]) -> None:
    """Bulk insert: executemany on the table in chunks; ``COPY`` on PostgreSQL (about 3× faster there)."""
    table = cast(Table, MODELS[level].__table__)
    if rows and session.get_bind().dialect.name == "postgresql":
        _copy_rows(session, table, rows)
        return
    for start in range(0, len(rows), CHUNK_SIZE):
        session.execute(insert(table), rows[start : start + CHUNK_SIZE])


def _copy_rows(session: Session, table: Table, rows: Sequence[dict[str, str]]) -> None:
    """``COPY … FROM STDIN`` on the session's own connection, so it is part of the unit of work."""
    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    )
    driver = cast(psycopg.Connection[Any], session.connection().connection.driver_connection)
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def update_rows(session: Session, level: RegionLevel, rows: Sequence[dict[str, str]]) -> None:
    """Bulk update by primary key (``code``) in chunks."""
    model = MODELS[level]
    for start in range(0, len(rows), CHUNK_SIZE):
        session.execute(update(model), rows[start : start + CHUNK_SIZE])


def get(session: Session, level: RegionLevel, code: str) -> RegionModel | None:
    return cast(RegionModel | None, session.get(MODELS[level], code))


def list_provinces(session: Session) -> Sequence[Province]:
    return session.scalars(select(Province).order_by(Province.code)).all()


def list_regencies(session: Session, province_code: str | None) -> Sequence[Regency]:
    query = select(Regency).order_by(Regency.code)
    if province_code is not None:
        query = query.where(Regency.province_code == province_code)
    return session.scalars(query).all()


def list_districts(session: Session, regency_code: str) -> Sequence[District]:
    query = select(District).where(District.regency_code == regency_code).order_by(District.code)
    return session.scalars(query).all()


def list_villages(session: Session, district_code: str, limit: int, offset: int) -> Sequence[Village]:
    query = select(Village).where(Village.district_code == district_code).order_by(Village.code)
    return session.scalars(query.limit(limit).offset(offset)).all()


def names_of(session: Session, level: RegionLevel, codes: Collection[str]) -> dict[str, str]:
    """``{code: name}`` for those of ``codes`` (all of one level) that exist."""
    model = MODELS[level]
    wanted = sorted(codes)
    names: dict[str, str] = {}
    for start in range(0, len(wanted), IN_CHUNK_SIZE):
        chunk = wanted[start : start + IN_CHUNK_SIZE]
        rows = session.execute(select(model.code, model.name).where(model.code.in_(chunk)))
        names.update((code, name) for code, name in rows)
    return names


def search(session: Session, level: RegionLevel, needle: str, limit: int) -> list[tuple[RegionModel, int]]:
    """Regions of ``level`` whose name contains ``needle`` (lower case), best first, with their rank.

    Rank 0: the name is the needle (for regencies also ``Kota <needle>``, ``Kabupaten <needle>``);
    1: it starts with it; 2: it contains it. Shorter names first within a rank.
    """
    model = MODELS[level]
    name = func.lower(model.name)
    variants = [needle, *(prefix + needle for prefix in REGENCY_PREFIXES)] if model is Regency else [needle]
    exact = or_(*(name == variant for variant in variants))
    prefix = or_(*(name.like(_escape_like(variant) + "%", escape=LIKE_ESCAPE) for variant in variants))
    rank = _rank(exact, prefix)
    query = (
        select(model, rank)
        .where(name.like(f"%{_escape_like(needle)}%", escape=LIKE_ESCAPE))
        .order_by(rank, func.length(model.name), model.name, model.code)
        .limit(limit)
    )
    return [(cast(RegionModel, region), int(match)) for region, match in session.execute(query)]


def _rank(exact: ColumnElement[bool], prefix: ColumnElement[bool]) -> ColumnElement[int]:
    return case((exact, 0), (prefix, 1), else_=2).label("rank")


def _escape_like(text: str) -> str:
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
