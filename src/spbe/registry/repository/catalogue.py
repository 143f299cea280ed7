"""All SQL about services, data sets, infrastructure, taxonomy terms, classifications and the change log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spbe.core.db import Base
from spbe.core.errors import Conflict
from spbe.registry.models import (
    Agency,
    Application,
    Change,
    Classification,
    DataSet,
    Infrastructure,
    Service,
    ServiceApplication,
    TaxonomyTerm,
)

M = TypeVar("M", bound=Base)


def get(session: Session, model: type[M], code: str) -> M | None:
    statement: Any = select(model).where(model.__table__.c.code == code)
    found: M | None = session.scalars(statement).first()
    return found


def page(
    session: Session,
    model: type[M],
    owner_column: str,
    agency_code: str | None,
    limit: int,
    offset: int,
    *,
    secret_readers: tuple[str, ...] | None = None,
) -> tuple[Sequence[tuple[M, str]], int]:
    """One page of objects of ``model`` (optionally of one agency) with their owner agency codes.

    ``secret_readers`` (data sets only): unless ``None``, ``rahasia`` data sets are left out except those
    of these agencies.
    """
    owner = getattr(model, owner_column)
    query = select(model, Agency.code).join(Agency, Agency.id == owner)
    if agency_code is not None:
        query = query.where(Agency.code == agency_code)
    if secret_readers is not None and model is DataSet:
        query = query.where(or_(DataSet.classification != "rahasia", Agency.code.in_(secret_readers)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(model.code).limit(limit).offset(offset)).all()  # type: ignore[attr-defined]
    return [(row[0], row[1]) for row in rows], total


def add(session: Session, instance: Base) -> None:
    session.add(instance)
    session.flush()


def remove(session: Session, instance: Base) -> None:
    """Delete ``instance``; ``Conflict`` when other records still refer to it (e.g. hosted applications)."""
    session.delete(instance)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("Other registry records still refer to this one; change them first.") from None


def agency_ids(session: Session) -> dict[str, int]:
    return {code: ident for code, ident in session.execute(select(Agency.code, Agency.id))}


def agency_codes(session: Session) -> dict[int, str]:
    return {ident: code for code, ident in session.execute(select(Agency.code, Agency.id))}


def infrastructure_ids(session: Session) -> dict[str, int]:
    return {code: ident for code, ident in session.execute(select(Infrastructure.code, Infrastructure.id))}


def dataset_ids(session: Session) -> dict[str, int]:
    return {code: ident for code, ident in session.execute(select(DataSet.code, DataSet.id))}


def term_codes(session: Session, reference: str, level: int | None = None) -> dict[str, str]:
    """Code → name of the terms of one reference architecture (every version)."""
    query = select(TaxonomyTerm.code, TaxonomyTerm.name).where(TaxonomyTerm.reference == reference)
    if level is not None:
        query = query.where(TaxonomyTerm.level == level)
    return {code: name for code, name in session.execute(query)}


def terms(session: Session, reference: str | None = None) -> Sequence[TaxonomyTerm]:
    query = select(TaxonomyTerm)
    if reference is not None:
        query = query.where(TaxonomyTerm.reference == reference)
    return session.scalars(query.order_by(TaxonomyTerm.reference, TaxonomyTerm.code)).all()


def terms_by_key(session: Session, reference: str, version: str) -> dict[str, TaxonomyTerm]:
    query = select(TaxonomyTerm).where(TaxonomyTerm.reference == reference, TaxonomyTerm.version == version)
    return {term.code: term for term in session.scalars(query)}


def term_exists(session: Session, reference: str, code: str) -> bool:
    query = select(TaxonomyTerm.id).where(TaxonomyTerm.reference == reference, TaxonomyTerm.code == code)
    return session.scalar(query.limit(1)) is not None


def classifications(session: Session, object_type: str, object_id: int) -> list[tuple[str, str]]:
    query = select(Classification.reference, Classification.code).where(
        Classification.object_type == object_type, Classification.object_id == object_id
    )
    return [(reference, code) for reference, code in session.execute(query.order_by(Classification.reference))]


def set_classifications(session: Session, object_type: str, object_id: int, pairs: Iterable[tuple[str, str]]) -> None:
    clear_classifications(session, object_type, object_id)
    rows = [{"object_type": object_type, "object_id": object_id, "reference": r, "code": c} for r, c in set(pairs)]
    if rows:
        session.execute(insert(Classification), rows)


def clear_classifications(session: Session, object_type: str, object_id: int) -> None:
    session.execute(
        delete(Classification).where(Classification.object_type == object_type, Classification.object_id == object_id)
    )


def add_changes(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        session.execute(insert(Change), list(rows))


def history(session: Session, object_type: str, code: str) -> Sequence[Change]:
    query = select(Change).where(Change.object_type == object_type, Change.object_code == code)
    return session.scalars(query.order_by(Change.occurred_at, Change.id)).all()


def service_application_codes(session: Session, service_id: int) -> list[str]:
    query = (
        select(Application.code)
        .join(ServiceApplication, ServiceApplication.application_id == Application.id)
        .where(ServiceApplication.service_id == service_id)
    )
    return list(session.scalars(query.order_by(Application.code)))


def set_service_applications(session: Session, service_id: int, application_ids: Iterable[int]) -> None:
    session.execute(delete(ServiceApplication).where(ServiceApplication.service_id == service_id))
    rows = [{"service_id": service_id, "application_id": ident} for ident in set(application_ids)]
    if rows:
        session.execute(insert(ServiceApplication), rows)


def all_of(
    session: Session,
    model: type[M],
    owner_column: str,
    agency_code: str | None,
    *,
    secret_readers: tuple[str, ...] | None = None,
) -> Sequence[tuple[M, str]]:
    rows, _ = page(session, model, owner_column, agency_code, limit=1_000_000, offset=0, secret_readers=secret_readers)
    return rows


def serving_pairs(session: Session) -> list[tuple[str, str]]:
    """(application code, service code) of every application serving a service."""
    query = (
        select(Application.code, Service.code)
        .join(ServiceApplication, ServiceApplication.application_id == Application.id)
        .join(Service, Service.id == ServiceApplication.service_id)
    )
    return [(a, s) for a, s in session.execute(query)]


def agencies_by_codes(session: Session, codes: Iterable[str] | None) -> Sequence[Agency]:
    query = select(Agency)
    if codes is not None:
        query = query.where(Agency.code.in_(list(codes)))
    return session.scalars(query.order_by(Agency.code)).all()
