"""Self-service onboarding on SPLP: an agency registers its subsystems and services, uploads the OpenAPI
document, publishes, and lists what it provides and holds. Rules in ``permissions``; SQL in ``repository``.

Every change is audited (``core.audit``) and bumps the configuration version, so gateways pick it up within
``SPBE_INTEROP_REFRESH_SECONDS``. A refused change writes nothing but its audited denial.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.config import get_settings
from spbe.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from spbe.core.security import Principal
from spbe.interop import openapi_docs, permissions, repository
from spbe.interop import service as interop
from spbe.interop.backend_urls import check_backend_url
from spbe.interop.identifiers import ClientId, ServiceId, valid_part
from spbe.interop.models import AccessRight, Endpoint, Member, Service, Subsystem
from spbe.interop.schemas import (
    EndpointOut,
    GrantOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    SubsystemIn,
    SubsystemOut,
)
from spbe.interop.settings import get_gateway_settings
from spbe.registry.service import agencies, applications


def client_id(member: Member, subsystem: Subsystem) -> ClientId:
    return ClientId(member.instance, member.member_class, member.member_code, subsystem.code)


def member_of(session: Session, subsystem: Subsystem) -> Member:
    member = repository.get(session, Member, subsystem.member_id)
    if member is None:  # pragma: no cover (foreign key)
        raise NotFound(f"no member {subsystem.member_id}")
    return member


def member_for_agency(session: Session, agency_code: str) -> Member:
    """The agency's member, registered on first use (``PEMDA`` for regional governments, else ``GOV``)."""
    existing = repository.member_of_agency(session, agency_code)
    if existing is not None:
        return existing
    agency = agencies.get_by_code(session, agency_code)
    member_class = "PEMDA" if agency.kind.is_regional else "GOV"
    member = ClientId(get_gateway_settings().instance, member_class, agency.code)
    return interop.register_member(
        session, member, agency.name, agency_code=agency.code, province_code=agency.province_code
    )


def subsystem_out(member: Member, subsystem: Subsystem) -> SubsystemOut:
    return SubsystemOut(
        id=subsystem.id,
        identifier=str(client_id(member, subsystem)),
        name=subsystem.name,
        agency_code=member.agency_code,
        application_code=subsystem.application_code,
        created_at=subsystem.created_at,
    )


def register_subsystem(session: Session, principal: Principal, data: SubsystemIn) -> SubsystemOut:
    """Register a subsystem of the caller's agency (the coordinator may name another agency)."""
    agency_code = data.agency_code if data.agency_code and permissions.is_coordinator(principal) else None
    agency_code = agency_code or principal.agency_code
    permissions.require_manage(
        session,
        principal,
        agency_code,
        action="interop.subsystem.register",
        object_type="interop_subsystem",
        object_id=f"{agency_code}/{data.code}",
    )
    if not agency_code:
        raise ValidationFailed("agency_code is required (the coordinator registers for a named agency)")
    if not valid_part(data.code):
        raise ValidationFailed(
            f"code {data.code!r} may only use A-Z a-z 0-9 '()+,-.=?", errors=[FieldError("code", "invalid")]
        )
    _check_application(session, data.application_code, agency_code)
    member = member_for_agency(session, agency_code)
    if repository.find_subsystem(session, member.id, data.code) is not None:
        raise Conflict(f"subsystem {member.instance}/{member.member_class}/{member.member_code}/{data.code} exists")
    row = interop.register_subsystem(
        session, ClientId(member.instance, member.member_class, member.member_code, data.code), data.name
    )
    row.application_code = data.application_code
    out = subsystem_out(member, row)
    audit.append(
        session,
        actor=principal.subject,
        action="interop.subsystem.register",
        object_type="interop_subsystem",
        object_id=out.identifier,
        data={"name": data.name, "application": data.application_code or ""},
    )
    return out


def _check_application(session: Session, code: str | None, agency_code: str) -> None:
    if not code:
        return
    application = applications.get(session, code)
    if application.agency_code != agency_code:
        message = f"application {code} belongs to {application.agency_code}, not {agency_code}"
        raise ValidationFailed(message, errors=[FieldError("application_code", message)])


def visible_subsystems(session: Session, principal: Principal) -> list[tuple[Member, Subsystem]]:
    """The caller's agency's subsystems (every subsystem for the coordinator)."""
    if permissions.is_coordinator(principal):
        members = {m.id: m for m in repository.all_members(session)}
    else:
        member = repository.member_of_agency(session, principal.agency_code or "") if principal.agency_code else None
        members = {member.id: member} if member else {}
    subsystems = repository.subsystems_of(session, list(members)) if members else []
    return [(members[s.member_id], s) for s in subsystems]


def list_subsystems(session: Session, principal: Principal) -> list[SubsystemOut]:
    return [subsystem_out(member, subsystem) for member, subsystem in visible_subsystems(session, principal)]


def subsystem_for(
    session: Session, principal: Principal, subsystem_id: int, *, action: str | None
) -> tuple[Member, Subsystem]:
    """A subsystem the caller may read (``action`` None) or manage (``action`` names the audited write)."""
    subsystem = repository.get(session, Subsystem, subsystem_id)
    if subsystem is None:
        raise NotFound(f"no subsystem {subsystem_id}")
    member = member_of(session, subsystem)
    if action is not None:
        permissions.require_manage(
            session,
            principal,
            member.agency_code,
            action=action,
            object_type="interop_subsystem",
            object_id=str(client_id(member, subsystem)),
        )
    elif not permissions.can_read(principal, member.agency_code):
        raise NotFound(f"no subsystem {subsystem_id}")
    return member, subsystem


def _document(openapi: str | dict[str, Any]) -> openapi_docs.OpenApiDocument:
    raw = json.dumps(openapi) if isinstance(openapi, dict) else openapi
    return openapi_docs.parse(raw)


def _backend(url: str) -> str:
    return check_backend_url(url, allow_loopback=not get_settings().is_production)


def register_service(session: Session, principal: Principal, subsystem_id: int, data: ServiceIn) -> ServiceOut:
    """A new service of one of the caller's subsystems, unpublished until ``set_published``."""
    member, subsystem = subsystem_for(session, principal, subsystem_id, action="interop.service.register")
    if not valid_part(data.code):
        raise ValidationFailed(
            f"code {data.code!r} may only use A-Z a-z 0-9 '()+,-.=?", errors=[FieldError("code", "invalid")]
        )
    if repository.find_service(session, subsystem.id, data.code) is not None:
        raise Conflict(f"service {client_id(member, subsystem)}/{data.code} exists; change it with PATCH")
    document = _document(data.openapi)
    spec = interop.ServiceSpec(
        data.title or document.title, _backend(data.base_url), data.timeout_ms, document.json_text
    )
    row = interop.register_service(
        session, ServiceId(client_id(member, subsystem), data.code), spec, actor=principal.subject
    )
    row.enabled = False
    repository.bump_config_version(session)
    return service_out(session, row, principal)


def service_for(
    session: Session, principal: Principal, service_id: int, *, action: str | None
) -> tuple[ServiceId, Service]:
    service = repository.get(session, Service, service_id)
    if service is None:
        raise NotFound(f"no service {service_id}")
    member, subsystem = subsystem_for(session, principal, service.subsystem_id, action=action)
    return ServiceId(client_id(member, subsystem), service.code), service


def update_service(session: Session, principal: Principal, service_id: int, patch: ServicePatch) -> ServiceOut:
    identifier, row = service_for(session, principal, service_id, action="interop.service.update")
    document = _document(patch.openapi) if patch.openapi is not None else None
    spec = interop.ServiceSpec(
        patch.title if patch.title is not None else row.title,
        _backend(patch.base_url) if patch.base_url is not None else row.base_url,
        patch.timeout_ms if patch.timeout_ms is not None else row.timeout_ms,
        document.json_text if document else row.openapi,
    )
    interop.register_service(session, identifier, spec, actor=principal.subject)
    if document is not None:
        _drop_stale_endpoints(session, row, document)
    return service_out(session, row, principal)


def _drop_stale_endpoints(session: Session, row: Service, document: openapi_docs.OpenApiDocument) -> None:
    """Endpoints the new document no longer has go, unless an access right still names them."""
    wanted = set(interop.openapi_endpoints(document.json_text))
    stale = [e for e in repository.endpoints_of(session, row.id) if (e.method, e.path) not in wanted]
    removed = [e for e in stale if not repository.endpoint_has_grants(session, e.id)]
    for endpoint in removed:
        repository.delete(session, endpoint)
    if removed:
        repository.bump_config_version(session)


def revoke_grant(session: Session, principal: Principal, grant_id: int) -> None:
    """The provider withdraws an access right on one of its services (audited by ``service.revoke``)."""
    right = repository.get(session, AccessRight, grant_id)
    if right is None:
        raise NotFound(f"no access right {grant_id}")
    identifier, _ = service_for(session, principal, right.service_id, action="interop.access.revoke")
    endpoint = repository.get(session, Endpoint, right.endpoint_id) if right.endpoint_id else None
    subject = interop.Subject(subsystem=_subject_client(session, right.subject_subsystem_id), group=right.subject_group)
    pair = (endpoint.method, endpoint.path) if endpoint else None
    interop.revoke(session, identifier, subject, actor=principal.subject, endpoint=pair)


def _subject_client(session: Session, subsystem_id: int | None) -> ClientId | None:
    subsystem = repository.get(session, Subsystem, subsystem_id) if subsystem_id else None
    return client_id(member_of(session, subsystem), subsystem) if subsystem else None


def set_published(session: Session, principal: Principal, service_id: int, published: bool) -> ServiceOut:
    """Publish (callable, in the catalogue) or unpublish a service. Publishing needs its OpenAPI document."""
    action = "interop.service.publish" if published else "interop.service.unpublish"
    identifier, row = service_for(session, principal, service_id, action=action)
    if published and not row.openapi:
        raise ValidationFailed(f"{identifier} has no OpenAPI document; upload one (PATCH openapi) before publishing")
    if row.enabled != published:
        row.enabled = published
        audit.append(
            session, actor=principal.subject, action=action, object_type="interop_service", object_id=str(identifier)
        )
        repository.bump_config_version(session)
    return service_out(session, row, principal)


def service_out(session: Session, row: Service, principal: Principal | None) -> ServiceOut:
    subsystem = repository.get(session, Subsystem, row.subsystem_id)
    assert subsystem is not None  # foreign key
    member = member_of(session, subsystem)
    provider = client_id(member, subsystem)
    return ServiceOut(
        id=row.id,
        identifier=str(ServiceId(provider, row.code)),
        title=row.title or row.code,
        provider=str(provider),
        provider_name=member.name,
        base_url=row.base_url if permissions.can_read(principal, member.agency_code) else None,
        timeout_ms=row.timeout_ms,
        published=row.enabled,
        has_openapi=bool(row.openapi),
        endpoints=[EndpointOut(method=e.method, path=e.path) for e in repository.endpoints_of(session, row.id)],
    )


def list_services(session: Session, principal: Principal) -> list[ServiceOut]:
    """The services of the caller's subsystems (published or not)."""
    ids = [subsystem.id for _, subsystem in visible_subsystems(session, principal)]
    return [service_out(session, row, principal) for row in repository.services_of(session, ids)] if ids else []


def published_service(session: Session, principal: Principal | None, service_id: int) -> Service:
    """A service anyone may read (published), or one of the caller's own; else ``NotFound``."""
    row = repository.get(session, Service, service_id)
    if row is None:
        raise NotFound(f"no service {service_id}")
    if not row.enabled:
        subsystem = repository.get(session, Subsystem, row.subsystem_id)
        if subsystem is None or not permissions.can_read(principal, member_of(session, subsystem).agency_code):
            raise NotFound(f"no service {service_id}")
    return row


def list_grants(session: Session, principal: Principal) -> list[GrantOut]:
    """Rights on the caller's services (``provided``) and rights its subsystems hold (``held``)."""
    own = visible_subsystems(session, principal)
    subsystem_ids = [s.id for _, s in own]
    services = {row.id: row for row in repository.services_of(session, subsystem_ids)} if subsystem_ids else {}
    names = _service_names(session)
    clients = _client_names(session)
    out = []
    for right in repository.grants_touching(session, list(services), subsystem_ids):
        endpoint = repository.get(session, Endpoint, right.endpoint_id) if right.endpoint_id else None
        subject = clients.get(right.subject_subsystem_id or 0) or f"group {right.subject_group}"
        out.append(
            GrantOut(
                id=right.id,
                service=names[right.service_id],
                subject=subject,
                endpoint=f"{endpoint.method} {endpoint.path}" if endpoint else "*",
                granted_by=right.granted_by,
                granted_at=right.granted_at,
                direction="provided" if right.service_id in services else "held",
            )
        )
    return out


def _client_names(session: Session) -> dict[int, str]:
    members = {m.id: m for m in repository.all_members(session)}
    return {s.id: str(client_id(members[s.member_id], s)) for s in repository.all_subsystems(session)}


def _service_names(session: Session) -> dict[int, str]:
    clients = _client_names(session)
    return {row.id: f"{clients[row.subsystem_id]}/{row.code}" for row in repository.all_services(session)}
