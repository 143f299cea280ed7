"""Permohonan akses: a consumer's staff ask for the right to call a service; the provider's staff decide.

``requested`` → ``approved`` (the grant is created through ``service.grant``, so the gateway lets calls
through after its next refresh) | ``rejected`` (with a reason) | ``withdrawn`` (by the consumer). A decided
request never changes again; one open request per service and consumer. Every step is audited; a refused
step is audited as ``denied`` and changes nothing.
"""

from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from spbe.core.security import Principal
from spbe.interop import management, permissions, repository
from spbe.interop import service as interop
from spbe.interop.identifiers import ClientId, InvalidIdentifier, ServiceId, parse_client, parse_r1_path
from spbe.interop.models import AccessRequest, Member, Service, Subsystem
from spbe.interop.schemas import AccessRequestIn, AccessRequestOut

REQUESTED, APPROVED, REJECTED, WITHDRAWN = "requested", "approved", "rejected", "withdrawn"
STATUSES = (REQUESTED, APPROVED, REJECTED, WITHDRAWN)


def _client(text: str) -> ClientId:
    try:
        client = parse_client(text)
    except InvalidIdentifier as exc:
        raise ValidationFailed(f"client: {exc}", errors=[FieldError("client", str(exc))]) from None
    if client.subsystem is None:
        raise ValidationFailed("client must name a subsystem: INSTANCE/CLASS/MEMBER/SUBSYSTEM")
    return client


def _service_id(text: str) -> ServiceId:
    try:
        return parse_r1_path("/r1/" + text.strip().strip("/")).service
    except InvalidIdentifier:
        message = f"{text!r} is not INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE"
        raise ValidationFailed(f"service: {message}", errors=[FieldError("service", message)]) from None


def _endpoints(session: Session, service: Service, wanted: list[str]) -> list[str]:
    """``METHOD /path`` texts, each one of the service's registered endpoints."""
    known = {f"{e.method} {e.path}" for e in repository.endpoints_of(session, service.id)}
    out = []
    for text in wanted:
        method, _, path = text.strip().partition(" ")
        normalised = f"{method.upper()} {path.strip()}"
        if normalised not in known:
            message = f"{text!r} is not an endpoint of this service (known: {', '.join(sorted(known)) or 'none'})"
            raise ValidationFailed(f"endpoints: {message}", errors=[FieldError("endpoints", message)])
        if normalised not in out:
            out.append(normalised)
    return out


def request_access(session: Session, principal: Principal, data: AccessRequestIn) -> AccessRequestOut:
    """File a request for ``data.client`` (a subsystem of the caller's agency) to call ``data.service``."""
    consumer = interop.subsystem_of(session, _client(data.client))
    consumer_member = management.member_of(session, consumer)
    service_id = _service_id(data.service)
    permissions.require_manage(
        session,
        principal,
        consumer_member.agency_code,
        action="interop.access_request.create",
        object_type="interop_service",
        object_id=str(service_id),
    )
    service = _published(session, service_id)
    purpose = " ".join(data.purpose.split())
    if not purpose:
        raise ValidationFailed("purpose: say what the access is for", errors=[FieldError("purpose", "required")])
    endpoints = _endpoints(session, service, data.endpoints)
    open_key = f"{service.id}:{consumer.id}"
    existing = repository.open_access_request(session, open_key)
    if existing is not None:
        raise Conflict(f"request {existing.id} for {data.client} on {service_id} is still open; wait or withdraw it")
    row = AccessRequest(
        service_id=service.id,
        consumer_subsystem_id=consumer.id,
        endpoints=json.dumps(endpoints),
        purpose=purpose,
        status=REQUESTED,
        open_key=open_key,
        requested_by=principal.subject,
    )
    try:
        repository.add(session, row)
    except IntegrityError:  # a concurrent identical request won the unique open_key
        raise Conflict(f"a request for {data.client} on {service_id} is already open") from None
    _audit(session, principal, "interop.access_request.create", row, {"endpoints": " ".join(endpoints) or "*"})
    return to_out(session, row)


def _published(session: Session, service_id: ServiceId) -> Service:
    try:
        provider = interop.subsystem_of(session, service_id.provider)
    except NotFound:
        raise NotFound(f"no published service {service_id}") from None
    row = repository.find_service(session, provider.id, service_id.service_code)
    if row is None or not row.enabled:
        raise NotFound(f"no published service {service_id}")
    return row


def _audit(session: Session, principal: Principal, action: str, row: AccessRequest, data: dict[str, str]) -> None:
    audit.append(
        session,
        actor=principal.subject,
        action=action,
        object_type="interop_access_request",
        object_id=str(row.id),
        data=data,
    )


def _sides(session: Session, row: AccessRequest) -> tuple[Service, Subsystem, Member, Subsystem, Member]:
    service = repository.get(session, Service, row.service_id)
    consumer = repository.get(session, Subsystem, row.consumer_subsystem_id)
    provider = repository.get(session, Subsystem, service.subsystem_id) if service else None
    if service is None or consumer is None or provider is None:  # pragma: no cover (foreign keys cascade)
        raise NotFound(f"no access request {row.id}")
    return service, provider, management.member_of(session, provider), consumer, management.member_of(session, consumer)


def _row(session: Session, request_id: int) -> AccessRequest:
    row = repository.get(session, AccessRequest, request_id)
    if row is None:
        raise NotFound(f"no access request {request_id}")
    return row


def decide(
    session: Session, principal: Principal, request_id: int, *, approve: bool, reason: str = ""
) -> AccessRequestOut:
    """The provider's staff approve (grant created) or reject (reason required) an open request."""
    row = _row(session, request_id)
    service, provider, provider_member, consumer, consumer_member = _sides(session, row)
    action = "interop.access_request.approve" if approve else "interop.access_request.reject"
    permissions.require_manage(
        session,
        principal,
        provider_member.agency_code,
        action=action,
        object_type="interop_access_request",
        object_id=str(row.id),
    )
    _require_open(row)
    reason = " ".join(reason.split())
    if not approve and not reason:
        raise ValidationFailed("reason: say why the request is rejected", errors=[FieldError("reason", "required")])
    if approve:
        identifier = ServiceId(management.client_id(provider_member, provider), service.code)
        subject = interop.Subject(subsystem=management.client_id(consumer_member, consumer))
        for endpoint in _endpoint_pairs(row) or [None]:
            interop.grant(session, identifier, subject, actor=principal.subject, endpoint=endpoint)
    _close(row, APPROVED if approve else REJECTED, principal, reason or None)
    _audit(session, principal, action, row, {"reason": reason})
    return to_out(session, row)


def withdraw(session: Session, principal: Principal, request_id: int) -> AccessRequestOut:
    """The consumer's staff take back a request nobody decided yet."""
    row = _row(session, request_id)
    *_, consumer_member = _sides(session, row)
    permissions.require_manage(
        session,
        principal,
        consumer_member.agency_code,
        action="interop.access_request.withdraw",
        object_type="interop_access_request",
        object_id=str(row.id),
    )
    _require_open(row)
    _close(row, WITHDRAWN, principal, None)
    _audit(session, principal, "interop.access_request.withdraw", row, {})
    return to_out(session, row)


def _require_open(row: AccessRequest) -> None:
    if row.status != REQUESTED:
        raise Conflict(f"access request {row.id} is already {row.status}")


def _close(row: AccessRequest, status: str, principal: Principal, reason: str | None) -> None:
    row.status, row.open_key, row.reason = status, None, reason
    row.decided_by, row.decided_at = principal.subject, utcnow()


def _endpoint_pairs(row: AccessRequest) -> list[tuple[str, str] | None]:
    pairs: list[tuple[str, str] | None] = []
    for text in json.loads(row.endpoints or "[]"):
        method, _, path = str(text).partition(" ")
        pairs.append((method, path))
    return pairs


def to_out(session: Session, row: AccessRequest) -> AccessRequestOut:
    service, provider, provider_member, consumer, consumer_member = _sides(session, row)
    return AccessRequestOut(
        id=row.id,
        service=str(ServiceId(management.client_id(provider_member, provider), service.code)),
        service_title=service.title or service.code,
        provider_agency=provider_member.agency_code,
        client=str(management.client_id(consumer_member, consumer)),
        client_agency=consumer_member.agency_code,
        endpoints=[str(e) for e in json.loads(row.endpoints or "[]")],
        purpose=row.purpose,
        status=row.status,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
    )


def get(session: Session, principal: Principal, request_id: int) -> AccessRequestOut:
    """One request, for staff of either side or the coordinator."""
    row = _row(session, request_id)
    out = to_out(session, row)
    if not (permissions.can_read(principal, out.provider_agency) or permissions.can_read(principal, out.client_agency)):
        raise NotFound(f"no access request {request_id}")
    return out


def list_requests(
    session: Session, principal: Principal, *, direction: str | None = None, status: str | None = None
) -> list[AccessRequestOut]:
    """``incoming`` (on the caller's services), ``outgoing`` (from its subsystems), or both."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}")
    if direction not in (None, "incoming", "outgoing"):
        raise ValidationFailed("direction must be 'incoming' or 'outgoing'")
    if permissions.is_coordinator(principal) and direction is None:
        rows = repository.access_requests(session, status=status)
    else:
        own = [s.id for _, s in management.visible_subsystems(session, principal)]
        services = [s.id for s in repository.services_of(session, own)] if own else []
        rows = repository.access_requests(
            session,
            service_ids=services if direction != "outgoing" else [],
            consumer_ids=own if direction != "incoming" else [],
            status=status,
        )
    return [to_out(session, row) for row in rows]
