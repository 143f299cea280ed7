"""Rules and transactions of SPLP registration: members, subsystems, services, access rights, quotas
and (temporary) API keys. Services flush, never commit; every change bumps the configuration version
so gateways reload, and every grant and revoke is written to the audit log."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.core.errors import Conflict, NotFound, ValidationFailed
from spbe.interop import repository
from spbe.interop.identifiers import ClientId, ServiceId, valid_part
from spbe.interop.models import AccessRight, ApiKey, Endpoint, Member, Quota, Service, Subsystem
from spbe.interop.snapshot import GROUP_ALL, Upstream

GROUP_PREFIXES = ("class:", "province:")
METHODS = frozenset({"*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _check_parts(*parts: str) -> None:
    bad = [p for p in parts if not valid_part(p)]
    if bad:
        raise ValidationFailed(f"identifier parts may only use A-Z a-z 0-9 '()+,-.=? : {bad}")


def register_member(
    session: Session,
    member: ClientId,
    name: str,
    *,
    agency_code: str | None = None,
    province_code: str | None = None,
) -> Member:
    """Register (or return the existing) member ``INSTANCE/CLASS/CODE``."""
    _check_parts(member.instance, member.member_class, member.member_code)
    existing = repository.find_member(session, member.instance, member.member_class, member.member_code)
    if existing is not None:
        return existing
    row = Member(
        instance=member.instance,
        member_class=member.member_class,
        member_code=member.member_code,
        name=name,
        agency_code=agency_code,
        province_code=province_code,
    )
    repository.add(session, row)
    repository.bump_config_version(session)
    return row


def _member(session: Session, client: ClientId) -> Member:
    row = repository.find_member(session, client.instance, client.member_class, client.member_code)
    if row is None:
        raise NotFound(f"no member {client.instance}/{client.member_class}/{client.member_code}")
    return row


def subsystem_of(session: Session, client: ClientId) -> Subsystem:
    """The registered subsystem named by ``client`` (which must name one)."""
    if client.subsystem is None:
        raise ValidationFailed("a subsystem identifier needs four parts")
    row = repository.find_subsystem(session, _member(session, client).id, client.subsystem)
    if row is None:
        raise NotFound(f"no subsystem {client}")
    return row


def register_subsystem(session: Session, client: ClientId, name: str) -> Subsystem:
    if client.subsystem is None:
        raise ValidationFailed("a subsystem identifier needs four parts")
    _check_parts(client.subsystem)
    member = _member(session, client)
    existing = repository.find_subsystem(session, member.id, client.subsystem)
    if existing is not None:
        return existing
    row = Subsystem(member_id=member.id, code=client.subsystem, name=name)
    repository.add(session, row)
    repository.bump_config_version(session)
    return row


@dataclass(frozen=True)
class ServiceSpec:
    """What a provider registers: the back-end URL and (mandatory later) the OpenAPI document."""

    title: str
    base_url: str
    timeout_ms: int = 30_000
    openapi: str | None = None
    endpoints: tuple[tuple[str, str], ...] = ()


def register_service(session: Session, service: ServiceId, spec: ServiceSpec, *, actor: str) -> Service:
    """Register or update a service; endpoints come from ``spec`` and from its OpenAPI paths."""
    _check_parts(service.service_code)
    try:
        Upstream.parse(spec.base_url)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    subsystem = subsystem_of(session, service.provider)
    row = repository.find_service(session, subsystem.id, service.service_code)
    if row is not None and _unchanged(session, row, spec):
        return row
    if row is None:
        row = Service(subsystem_id=subsystem.id, code=service.service_code, base_url=spec.base_url)
        repository.add(session, row)
    row.title, row.base_url, row.timeout_ms, row.openapi = spec.title, spec.base_url, spec.timeout_ms, spec.openapi
    for method, path in (*spec.endpoints, *openapi_endpoints(spec.openapi)):
        _ensure_endpoint(session, row.id, method, path)
    audit.append(
        session,
        actor=actor,
        action="interop.service.register",
        object_type="interop_service",
        object_id=str(service),
        data={"base_url": spec.base_url},
    )
    repository.bump_config_version(session)
    return row


def _unchanged(session: Session, row: Service, spec: ServiceSpec) -> bool:
    same = (row.title, row.base_url, row.timeout_ms, row.openapi) == (
        spec.title,
        spec.base_url,
        spec.timeout_ms,
        spec.openapi,
    )
    wanted = (*spec.endpoints, *openapi_endpoints(spec.openapi))
    return same and all(repository.find_endpoint(session, row.id, m.upper(), p) for m, p in wanted)


def openapi_endpoints(document: str | None) -> list[tuple[str, str]]:
    """``(METHOD, path)`` pairs of an OpenAPI 3 JSON document (path templates become ``*``)."""
    if not document:
        return []
    try:
        paths = json.loads(document).get("paths", {})
    except (ValueError, AttributeError):
        raise ValidationFailed("the OpenAPI document must be JSON with a 'paths' object") from None
    pairs = []
    for path, operations in paths.items():
        pattern = "".join("*" if part.startswith("{") else part for part in _split_templates(path))
        pairs += [(method.upper(), pattern) for method in operations if method.upper() in METHODS]
    return pairs


def _split_templates(path: str) -> list[str]:
    out, current = [], ""
    for char in path:
        if char == "{":
            out.append(current)
            current = "{"
        elif char == "}" and current.startswith("{"):
            out.append(current + "}")
            current = ""
        else:
            current += char
    out.append(current)
    return [p for p in out if p]


def _ensure_endpoint(session: Session, service_id: int, method: str, path: str) -> Endpoint:
    method = method.upper()
    if method not in METHODS or not path.startswith(("/", "*")):
        raise ValidationFailed(f"bad endpoint {method} {path}")
    row = repository.find_endpoint(session, service_id, method, path)
    if row is None:
        row = Endpoint(service_id=service_id, method=method, path=path)
        repository.add(session, row)
    return row


def _service(session: Session, service: ServiceId) -> Service:
    row = repository.find_service(session, subsystem_of(session, service.provider).id, service.service_code)
    if row is None:
        raise NotFound(f"no service {service}")
    return row


@dataclass(frozen=True)
class Subject:
    """Who a right is granted to: one subsystem or a group (``all``, ``class:PEMDA``, ``province:32``)."""

    subsystem: ClientId | None = None
    group: str | None = None

    def describe(self) -> str:
        return str(self.subsystem) if self.subsystem is not None else f"group {self.group}"


def _subject_ids(session: Session, subject: Subject) -> tuple[int | None, str | None]:
    if subject.subsystem is not None:
        return subsystem_of(session, subject.subsystem).id, None
    group = subject.group or ""
    if group != GROUP_ALL and not (group.startswith(GROUP_PREFIXES) and group.split(":", 1)[1]):
        raise ValidationFailed("group must be 'all', 'class:<MEMBERCLASS>' or 'province:<code>'")
    return None, group


def grant(
    session: Session, service: ServiceId, subject: Subject, *, actor: str, endpoint: tuple[str, str] | None = None
) -> AccessRight:
    """Give ``subject`` the right to call ``service`` (or one endpoint of it). Audited."""
    row = _service(session, service)
    subsystem_id, group = _subject_ids(session, subject)
    endpoint_id = _ensure_endpoint(session, row.id, *endpoint).id if endpoint else None
    existing = repository.find_grant(session, row.id, endpoint_id, subsystem_id, group)
    if existing is not None:
        return existing
    right = AccessRight(
        service_id=row.id,
        endpoint_id=endpoint_id,
        subject_subsystem_id=subsystem_id,
        subject_group=group,
        granted_by=actor,
    )
    repository.add(session, right)
    _audit_right(session, "interop.access.grant", service, subject, endpoint, actor)
    repository.bump_config_version(session)
    return right


def revoke(
    session: Session, service: ServiceId, subject: Subject, *, actor: str, endpoint: tuple[str, str] | None = None
) -> None:
    """Withdraw a right granted by ``grant``. Audited."""
    row = _service(session, service)
    subsystem_id, group = _subject_ids(session, subject)
    endpoint_row = repository.find_endpoint(session, row.id, *endpoint) if endpoint else None
    right = repository.find_grant(session, row.id, endpoint_row.id if endpoint_row else None, subsystem_id, group)
    if right is None or (endpoint and endpoint_row is None):
        raise NotFound(f"{subject.describe()} has no such right on {service}")
    repository.delete(session, right)
    _audit_right(session, "interop.access.revoke", service, subject, endpoint, actor)
    repository.bump_config_version(session)


def _audit_right(
    session: Session, action: str, service: ServiceId, subject: Subject, endpoint: tuple[str, str] | None, actor: str
) -> None:
    data = {"subject": subject.describe(), "endpoint": " ".join(endpoint) if endpoint else "*"}
    audit.append(session, actor=actor, action=action, object_type="interop_service", object_id=str(service), data=data)


def set_quota(
    session: Session, service: ServiceId, limit: int, window_seconds: int, *, client: ClientId | None = None
) -> Quota:
    if limit < 1 or window_seconds < 1:
        raise ValidationFailed("limit and window must be positive")
    row = Quota(
        service_id=_service(session, service).id,
        limit=limit,
        window_seconds=window_seconds,
        client_subsystem_id=subsystem_of(session, client).id if client else None,
    )
    repository.add(session, row)
    repository.bump_config_version(session)
    return row


def issue_api_key(session: Session, client: ClientId, *, actor: str) -> str:
    """TEMPORARY credential: a new ``splp_<key_id>_<secret>`` for a subsystem, shown once."""
    subsystem = subsystem_of(session, client)
    key_id, secret = secrets.token_hex(8), secrets.token_hex(24)
    row = ApiKey(subsystem_id=subsystem.id, key_id=key_id, secret_sha256=hashlib.sha256(secret.encode()).hexdigest())
    repository.add(session, row)
    audit.append(
        session,
        actor=actor,
        action="interop.apikey.issue",
        object_type="interop_subsystem",
        object_id=str(client),
        data={"key_id": key_id},
    )
    repository.bump_config_version(session)
    return f"splp_{key_id}_{secret}"


def revoke_api_key(session: Session, key_id: str, *, actor: str) -> None:
    row = repository.find_api_key(session, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is not None:
        raise Conflict(f"API key {key_id} is already revoked")
    row.revoked_at = utcnow()
    audit.append(session, actor=actor, action="interop.apikey.revoke", object_type="interop_api_key", object_id=key_id)
    repository.bump_config_version(session)
