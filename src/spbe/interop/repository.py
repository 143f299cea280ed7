"""All SQL of the interop module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.interop.models import (
    AccessRequest,
    AccessRight,
    ApiKey,
    ConfigVersion,
    Endpoint,
    Member,
    Quota,
    Service,
    Subsystem,
)

T = TypeVar("T")


def config_version(session: Session) -> int:
    row = session.get(ConfigVersion, 1)
    return row.version if row else 0


def bump_config_version(session: Session) -> int:
    row = session.get(ConfigVersion, 1)
    if row is None:
        row = ConfigVersion(id=1, version=0)
        session.add(row)
    row.version += 1
    row.changed_at = utcnow()
    session.flush()
    return row.version


def find_member(session: Session, instance: str, member_class: str, member_code: str) -> Member | None:
    query = select(Member).where(
        Member.instance == instance, Member.member_class == member_class, Member.member_code == member_code
    )
    return session.scalars(query).one_or_none()


def find_subsystem(session: Session, member_id: int, code: str) -> Subsystem | None:
    query = select(Subsystem).where(Subsystem.member_id == member_id, Subsystem.code == code)
    return session.scalars(query).one_or_none()


def find_service(session: Session, subsystem_id: int, code: str) -> Service | None:
    query = select(Service).where(Service.subsystem_id == subsystem_id, Service.code == code)
    return session.scalars(query).one_or_none()


def find_endpoint(session: Session, service_id: int, method: str, path: str) -> Endpoint | None:
    query = select(Endpoint).where(Endpoint.service_id == service_id, Endpoint.method == method, Endpoint.path == path)
    return session.scalars(query).one_or_none()


def find_grant(
    session: Session, service_id: int, endpoint_id: int | None, subsystem_id: int | None, group: str | None
) -> AccessRight | None:
    query = select(AccessRight).where(
        AccessRight.service_id == service_id,
        AccessRight.endpoint_id.is_(None) if endpoint_id is None else AccessRight.endpoint_id == endpoint_id,
        AccessRight.subject_subsystem_id.is_(None)
        if subsystem_id is None
        else AccessRight.subject_subsystem_id == subsystem_id,
        AccessRight.subject_group.is_(None) if group is None else AccessRight.subject_group == group,
    )
    return session.scalars(query).first()


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def delete(session: Session, row: object) -> None:
    session.delete(row)
    session.flush()


def all_members(session: Session) -> Sequence[Member]:
    return session.scalars(select(Member).order_by(Member.id)).all()


def all_subsystems(session: Session) -> Sequence[Subsystem]:
    return session.scalars(select(Subsystem).order_by(Subsystem.id)).all()


def all_services(session: Session) -> Sequence[Service]:
    return session.scalars(select(Service).order_by(Service.id)).all()


def all_endpoints(session: Session) -> Sequence[Endpoint]:
    return session.scalars(select(Endpoint).order_by(Endpoint.id)).all()


def all_grants(session: Session) -> Sequence[AccessRight]:
    return session.scalars(select(AccessRight).order_by(AccessRight.id)).all()


def all_quotas(session: Session) -> Sequence[Quota]:
    return session.scalars(select(Quota).order_by(Quota.id)).all()


def active_api_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).where(ApiKey.revoked_at.is_(None))).all()


def find_api_key(session: Session, key_id: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).one_or_none()


def get(session: Session, model: type[T], row_id: int) -> T | None:
    return session.get(model, row_id)


def member_of_agency(session: Session, agency_code: str) -> Member | None:
    query = select(Member).where(Member.agency_code == agency_code).order_by(Member.id)
    return session.scalars(query).first()


def subsystems_of(session: Session, member_ids: Sequence[int] | None) -> Sequence[Subsystem]:
    query = select(Subsystem).order_by(Subsystem.id)
    if member_ids is not None:
        query = query.where(Subsystem.member_id.in_(member_ids))
    return session.scalars(query).all()


def services_of(session: Session, subsystem_ids: Sequence[int]) -> Sequence[Service]:
    query = select(Service).where(Service.subsystem_id.in_(subsystem_ids)).order_by(Service.id)
    return session.scalars(query).all()


def endpoints_of(session: Session, service_id: int) -> Sequence[Endpoint]:
    query = select(Endpoint).where(Endpoint.service_id == service_id).order_by(Endpoint.path, Endpoint.method)
    return session.scalars(query).all()


def grants_touching(
    session: Session, service_ids: Sequence[int], subsystem_ids: Sequence[int]
) -> Sequence[AccessRight]:
    """Grants on any of ``service_ids`` or held by any of ``subsystem_ids``."""
    query = select(AccessRight).where(
        or_(AccessRight.service_id.in_(service_ids), AccessRight.subject_subsystem_id.in_(subsystem_ids))
    )
    return session.scalars(query.order_by(AccessRight.id)).all()


def endpoint_has_grants(session: Session, endpoint_id: int) -> bool:
    query = select(AccessRight.id).where(AccessRight.endpoint_id == endpoint_id).limit(1)
    return session.scalars(query).first() is not None


def api_keys_of(session: Session, subsystem_id: int) -> Sequence[ApiKey]:
    query = select(ApiKey).where(ApiKey.subsystem_id == subsystem_id).order_by(ApiKey.id)
    return session.scalars(query).all()


def open_access_request(session: Session, open_key: str) -> AccessRequest | None:
    return session.scalars(select(AccessRequest).where(AccessRequest.open_key == open_key)).one_or_none()


def access_requests(
    session: Session,
    *,
    service_ids: Sequence[int] | None = None,
    consumer_ids: Sequence[int] | None = None,
    status: str | None = None,
) -> Sequence[AccessRequest]:
    """Requests on ``service_ids`` or from ``consumer_ids`` (both ``None``: all), newest first."""
    query = select(AccessRequest).order_by(AccessRequest.id.desc())
    sides = []
    if service_ids is not None:
        sides.append(AccessRequest.service_id.in_(service_ids))
    if consumer_ids is not None:
        sides.append(AccessRequest.consumer_subsystem_id.in_(consumer_ids))
    if sides:
        query = query.where(or_(*sides))
    if status is not None:
        query = query.where(AccessRequest.status == status)
    return session.scalars(query).all()
