"""All SQL about applications (aplikasi): search, lookups, bulk writes for imports, dashboard counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, and_, case, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from spbe.core.db import Base, utcnow
from spbe.registry.models import (
    Agency,
    Application,
    ApplicationAffair,
    ApplicationDataSet,
    DataSet,
    Infrastructure,
    Integration,
)
from spbe.registry.repository.agencies import LIKE_ESCAPE, _escape_like

Wali = aliased(Agency)
MIN_UMUM_ACRONYM = 4  # query letters before an Aplikasi Umum's acronym containing them ranks first


@dataclass(frozen=True)
class ApplicationFilter:
    """What a search is narrowed to; ``None`` means any."""

    agency_code: str | None = None
    agency_kind: str | None = None
    kind: str | None = None
    category: str | None = None
    affair: str | None = None
    status: str | None = None
    service_area: str | None = None
    province_code: str | None = None
    region_code: str | None = None
    tokens: tuple[str, ...] = ()
    compact: str = ""
    phrase: str = ""


ROW_COLUMNS = (
    Application,
    Agency.code.label("agency_code"),
    Agency.name.label("agency_name"),
    Agency.kind.label("agency_kind"),
    Agency.province_code.label("province_code"),
    Wali.code.label("wali_agency_code"),
    Infrastructure.code.label("hosting_code"),
)


def _base_query() -> Any:
    return (
        select(*ROW_COLUMNS)
        .join(Agency, Agency.id == Application.owner_agency_id)
        .outerjoin(Wali, Wali.id == Application.wali_agency_id)
        .outerjoin(Infrastructure, Infrastructure.id == Application.hosting_id)
    )


def search(session: Session, where: ApplicationFilter, *, limit: int, offset: int) -> tuple[Sequence[Row[Any]], int]:
    """One page of matching applications (best match first when searching by words) and the total.

    The total comes from a window count in the same query (one scan); only a page past the end counts apart.
    """
    conditions = _conditions(where)
    query = (
        _base_query()
        .add_columns(func.count().over().label("total"))
        .where(*conditions)
        .order_by(*_order(where), Application.name, Application.code)
    )
    rows = session.execute(query.limit(limit).offset(offset)).all()
    if rows:
        return rows, int(rows[0].total)
    if offset == 0:  # nothing on the first page: nothing at all (a search without hits scans once, not twice)
        return rows, 0
    count_query = select(func.count()).select_from(Application).join(Agency, Agency.id == Application.owner_agency_id)
    return rows, session.scalar(count_query.where(*conditions)) or 0


def analyze(session: Session) -> None:
    """Refresh the planner's statistics after a bulk import (PostgreSQL plans badly on stale ones)."""
    if session.get_bind().dialect.name == "postgresql":
        for table in ("registry_application", "registry_application_affair", "registry_application_dataset"):
            session.execute(text(f"ANALYZE {table}"))


def _conditions(where: ApplicationFilter) -> list[ColumnElement[bool]]:
    equals: list[tuple[Any, str | None]] = [
        (Agency.code, where.agency_code),
        (Agency.kind, where.agency_kind),
        (Application.kind, where.kind),
        (Application.category_code, where.category),
        (Application.status, where.status),
        (Application.service_area, where.service_area),
        (Agency.province_code, where.province_code),
    ]
    conditions: list[ColumnElement[bool]] = [column == value for column, value in equals if value is not None]
    if where.region_code:
        prefix = _escape_like(where.region_code) + ".%"
        conditions.append(or_(Agency.region_code == where.region_code, Agency.region_code.like(prefix, escape="\\")))
    if where.affair:
        affair = select(ApplicationAffair.application_id).where(ApplicationAffair.affair_code == where.affair)
        conditions.append(Application.id.in_(affair))
    conditions += [
        _contains(Application.search_text, f" {token}" if len(token) <= 2 else token) for token in where.tokens
    ]
    return conditions


def _contains(column: Any, needle: str) -> ColumnElement[bool]:
    result: ColumnElement[bool] = column.like(f"%{_escape_like(needle)}%", escape=LIKE_ESCAPE)
    return result


def _order(where: ApplicationFilter) -> list[Any]:
    """An Aplikasi Umum whose acronym holds the query (``lapor`` → SP4N-LAPOR!), exact acronym, exact name,
    acronym prefix, name prefix, a word of the name, then the rest."""
    if not where.tokens:
        return []
    phrase = where.phrase
    first = phrase.split(" ", 1)[0]
    umum_acronym = and_(
        Application.kind == "umum",
        Application.acronym_key.like(f"%{_escape_like(where.compact)}%", escape=LIKE_ESCAPE),
    )
    rank = case(
        (umum_acronym if len(where.compact) >= MIN_UMUM_ACRONYM else Application.id < 0, -1),
        (Application.acronym_key == where.compact, 0),
        (Application.name_key == phrase, 1),
        (Application.acronym_key.like(f"{_escape_like(where.compact)}%", escape=LIKE_ESCAPE), 2),
        (Application.name_key.like(f"{_escape_like(first)}%", escape=LIKE_ESCAPE), 3),
        (_contains(" " + Application.name_key + " ", f" {first} "), 4),
        (_contains(Application.name_key, first), 5),
        else_=6,
    )
    return [rank, Application.kind.desc()]  # umum before khusus among equals


def vocabulary_stamp(session: Session) -> tuple[Any, ...]:
    """Changes when any application is added, removed or renamed (count, newest id, latest change)."""
    row = session.execute(select(func.count(), func.max(Application.id), func.max(Application.updated_at))).one()
    return tuple(row)


def name_and_acronym_keys(session: Session) -> list[tuple[str, str]]:
    """The distinct (name key, acronym key) pairs, for the vocabulary of the typo-tolerant search."""
    query = select(Application.name_key, Application.acronym_key).distinct()
    return [(name or "", acronym or "") for name, acronym in session.execute(query)]


def get_row(session: Session, code: str) -> Row[Any] | None:
    return session.execute(_base_query().where(Application.code == code)).first()


def get(session: Session, code: str) -> Application | None:
    return session.scalar(select(Application).where(Application.code == code))


def rows_for_agency(session: Session, agency_code: str | None) -> Sequence[Row[Any]]:
    """Every application of one agency (or all), for exports and landscapes, by name."""
    query = _base_query()
    if agency_code is not None:
        query = query.where(Agency.code == agency_code)
    return session.execute(query.order_by(Agency.code, Application.code)).all()


def rows_by_codes(session: Session, codes: Sequence[str]) -> list[Row[Any]]:
    """The applications with these codes (chunks of an IN list), for an import of a few rows."""
    found: list[Row[Any]] = []
    for start in range(0, len(codes), 900):
        chunk = list(codes[start : start + 900])
        found += session.execute(_base_query().where(Application.code.in_(chunk))).all()
    return found


def affairs_of(session: Session, application_ids: Iterable[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(list(application_ids)):
        query = select(ApplicationAffair.application_id, ApplicationAffair.affair_code).where(
            ApplicationAffair.application_id.in_(chunk)
        )
        for application_id, code in session.execute(query.order_by(ApplicationAffair.affair_code)):
            found[application_id].append(code)
    return found


def datasets_of(session: Session, application_ids: Iterable[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(list(application_ids)):
        query = (
            select(ApplicationDataSet.application_id, DataSet.code)
            .join(DataSet, DataSet.id == ApplicationDataSet.dataset_id)
            .where(ApplicationDataSet.application_id.in_(chunk))
        )
        for application_id, code in session.execute(query.order_by(DataSet.code)):
            found[application_id].append(code)
    return found


def all_affairs(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    query = select(ApplicationAffair.application_id, ApplicationAffair.affair_code).order_by(
        ApplicationAffair.affair_code
    )
    for application_id, code in session.execute(query):
        found[application_id].append(code)
    return found


def all_datasets(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    query = select(ApplicationDataSet.application_id, DataSet.code).join(
        DataSet, DataSet.id == ApplicationDataSet.dataset_id
    )
    for application_id, code in session.execute(query.order_by(DataSet.code)):
        found[application_id].append(code)
    return found


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def code_to_id(session: Session, codes: Iterable[str] | None = None) -> dict[str, int]:
    query = select(Application.code, Application.id)
    if codes is None:
        return {code: ident for code, ident in session.execute(query)}
    wanted = list(codes)
    if len(wanted) > 2000:
        everything = {code: ident for code, ident in session.execute(query)}
        return {code: everything[code] for code in wanted if code in everything}
    return {code: ident for code, ident in session.execute(query.where(Application.code.in_(wanted)))}


def insert_many(session: Session, values: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert applications in bulk (one executemany); returns their ids in the order given."""
    if not values:
        return []
    now = utcnow()
    rows = [{**row, "version": row.get("version", 1), "created_at": now, "updated_at": now} for row in values]
    session.connection().execute(insert(_table(Application)), rows)
    ids = code_to_id(session, [row["code"] for row in rows])
    return [ids[row["code"]] for row in rows]


def update_many(session: Session, values: Sequence[Mapping[str, Any]]) -> None:
    """Update applications in bulk by primary key (each mapping has ``id``)."""
    if values:
        now = utcnow()
        session.execute(update(Application), [{**row, "updated_at": now} for row in values])


def replace_links(
    session: Session, affairs: Mapping[int, Sequence[str]], datasets: Mapping[int, Sequence[int]]
) -> None:
    """Set the affairs and data sets of these applications (their old links are removed)."""
    for chunk in _chunks(list(affairs)):
        session.execute(delete(ApplicationAffair).where(ApplicationAffair.application_id.in_(chunk)))
        session.execute(delete(ApplicationDataSet).where(ApplicationDataSet.application_id.in_(chunk)))
    affair_rows = [{"application_id": i, "affair_code": c} for i, codes in affairs.items() for c in codes]
    dataset_rows = [{"application_id": i, "dataset_id": d} for i, ids in datasets.items() for d in ids]
    connection = session.connection()
    if affair_rows:
        connection.execute(insert(_table(ApplicationAffair)), affair_rows)
    if dataset_rows:
        connection.execute(insert(_table(ApplicationDataSet)), dataset_rows)


def delete_application(session: Session, application_id: int) -> None:
    session.execute(delete(Application).where(Application.id == application_id))


def integrations_of(session: Session, application_id: int) -> list[tuple[str, Any]]:
    """Applications this one sends data to ("out") and receives data from ("in")."""
    other = aliased(Application)
    owner = aliased(Agency)
    found: list[tuple[str, Any]] = []
    for direction, mine, theirs in (
        ("out", Integration.source_id, Integration.target_id),
        ("in", Integration.target_id, Integration.source_id),
    ):
        query = (
            select(other.code, other.name, owner.code.label("agency_code"), Integration.channel)
            .join(other, other.id == theirs)
            .join(owner, owner.id == other.owner_agency_id)
            .where(mine == application_id)
        )
        found += [(direction, row) for row in session.execute(query)]
    return found


def all_integrations(session: Session, agency_code: str | None = None) -> list[tuple[str, str, str]]:
    """(source code, target code, channel) of every integration, or those touching one agency."""
    source, target = aliased(Application), aliased(Application)
    source_owner, target_owner = aliased(Agency), aliased(Agency)
    query = (
        select(source.code, target.code, Integration.channel)
        .join(source, source.id == Integration.source_id)
        .join(target, target.id == Integration.target_id)
        .join(source_owner, source_owner.id == source.owner_agency_id)
        .join(target_owner, target_owner.id == target.owner_agency_id)
    )
    if agency_code is not None:
        query = query.where(or_(source_owner.code == agency_code, target_owner.code == agency_code))
    return [(source_code, target_code, channel) for source_code, target_code, channel in session.execute(query)]


def add_integration(session: Session, source_id: int, target_id: int, channel: str) -> bool:
    """Store the integration unless it exists; whether it was new."""
    exists = select(Integration.id).where(and_(Integration.source_id == source_id, Integration.target_id == target_id))
    if session.scalar(exists) is not None:
        return False
    session.add(Integration(source_id=source_id, target_id=target_id, channel=channel))
    session.flush()
    return True


def counts_by(session: Session, *columns: Any) -> list[tuple[Any, ...]]:
    """Application counts grouped by the given columns (of Application or the owner Agency)."""
    query = (
        select(*columns, func.count())
        .select_from(Application)
        .join(Agency, Agency.id == Application.owner_agency_id)
        .group_by(*columns)
    )
    return [tuple(row) for row in session.execute(query)]


def fits(session: Session) -> list[tuple[int | None, int | None, int]]:
    """How many applications have each (functional fit, technical fit) pair."""
    query = select(Application.functional_fit, Application.technical_fit, func.count()).group_by(
        Application.functional_fit, Application.technical_fit
    )
    return [(f, t, n) for f, t, n in session.execute(query)]


def time_rows(session: Session, agency_code: str | None = None) -> list[tuple[str, int | None, int | None]]:
    """(category, functional fit, technical fit) of every application (of one agency)."""
    query = select(Application.category_code, Application.functional_fit, Application.technical_fit).join(
        Agency, Agency.id == Application.owner_agency_id
    )
    if agency_code is not None:
        query = query.where(Agency.code == agency_code)
    return [(c or "", f, t) for c, f, t in session.execute(query)]
