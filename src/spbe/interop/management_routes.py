"""The SPLP management API (``/api/v1/interop/…``): self-service onboarding and access requests.

Every route but a published service's OpenAPI document needs a bearer token. Agency staff (or the
agency's IKD machine clients) with ``interop:operator`` act for their own agency; the coordinator
(``registry:admin``) for all. Reads show the caller's own agency's records. Rules: ``permissions``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response, status

from spbe.core.deps import DbSession
from spbe.core.security import Authenticated, optional_principal, public
from spbe.interop import access_requests, credentials, management
from spbe.interop.schemas import (
    AccessRequestIn,
    AccessRequestOut,
    CredentialIn,
    CredentialOut,
    DecisionIn,
    GrantOut,
    IssuedCredentialOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    SubsystemIn,
    SubsystemOut,
)

router = APIRouter(prefix="/api/v1/interop", tags=["interop"])


@router.get("/subsystems", response_model=list[SubsystemOut])
def list_subsystems(session: DbSession, principal: Authenticated) -> list[SubsystemOut]:
    """Your agency's subsystems (every subsystem for the coordinator)."""
    return management.list_subsystems(session, principal)


@router.post("/subsystems", response_model=SubsystemOut, status_code=status.HTTP_201_CREATED)
def register_subsystem(data: SubsystemIn, session: DbSession, principal: Authenticated) -> SubsystemOut:
    """Register an information system of your agency; your agency becomes an SPLP member on first use."""
    return management.register_subsystem(session, principal, data)


@router.get("/subsystems/{subsystem_id}", response_model=SubsystemOut)
def get_subsystem(subsystem_id: int, session: DbSession, principal: Authenticated) -> SubsystemOut:
    member, subsystem = management.subsystem_for(session, principal, subsystem_id, action=None)
    return management.subsystem_out(member, subsystem)


@router.post("/subsystems/{subsystem_id}/services", response_model=ServiceOut, status_code=status.HTTP_201_CREATED)
def register_service(subsystem_id: int, data: ServiceIn, session: DbSession, principal: Authenticated) -> ServiceOut:
    """Register a REST service with its back-end URL and OpenAPI 3 document (JSON or YAML). It starts
    unpublished: not callable and not in the catalogue until published."""
    return management.register_service(session, principal, subsystem_id, data)


@router.get("/subsystems/{subsystem_id}/credentials", response_model=list[CredentialOut])
def list_credentials(subsystem_id: int, session: DbSession, principal: Authenticated) -> list[CredentialOut]:
    """The subsystem's caller credentials (never their secrets)."""
    return credentials.list_credentials(session, principal, subsystem_id)


@router.post(
    "/subsystems/{subsystem_id}/credentials", response_model=IssuedCredentialOut, status_code=status.HTTP_201_CREATED
)
def issue_credential(
    subsystem_id: int, data: CredentialIn, session: DbSession, principal: Authenticated
) -> IssuedCredentialOut:
    """Issue a credential (kind ``api_key``: the ``X-SPLP-Api-Key`` value, shown only in this answer)."""
    return credentials.issue(session, principal, subsystem_id, data.kind, data.params)


@router.delete("/subsystems/{subsystem_id}/credentials/{kind}/{credential_id}", status_code=204)
def revoke_credential(
    subsystem_id: int, kind: str, credential_id: str, session: DbSession, principal: Authenticated
) -> Response:
    """Revoke a credential; gateways refuse it within their refresh interval."""
    credentials.revoke(session, principal, subsystem_id, kind, credential_id)
    return Response(status_code=204)


@router.get("/services", response_model=list[ServiceOut])
def list_services(session: DbSession, principal: Authenticated) -> list[ServiceOut]:
    """The services your agency provides, published or not."""
    return management.list_services(session, principal)


@router.get("/services/{service_id}", response_model=ServiceOut)
def get_service(service_id: int, session: DbSession, principal: Authenticated) -> ServiceOut:
    row = management.published_service(session, principal, service_id)
    return management.service_out(session, row, principal)


@router.get(
    "/services/{service_id}/openapi.json", dependencies=[public], responses={200: {"content": {"application/json": {}}}}
)
def service_openapi(service_id: int, request: Request, session: DbSession) -> Response:
    """The OpenAPI document of a published service (public, like the catalogue), or of your own unpublished one."""
    row = management.published_service(session, optional_principal(request), service_id)
    return Response(row.openapi or "{}", media_type="application/json")


@router.patch("/services/{service_id}", response_model=ServiceOut)
def update_service(service_id: int, patch: ServicePatch, session: DbSession, principal: Authenticated) -> ServiceOut:
    """Change title, back-end URL, timeout or OpenAPI document."""
    return management.update_service(session, principal, service_id, patch)


@router.post("/services/{service_id}/publish", response_model=ServiceOut)
def publish_service(service_id: int, session: DbSession, principal: Authenticated) -> ServiceOut:
    """Make the service callable (for granted clients) and list it in the catalogue."""
    return management.set_published(session, principal, service_id, True)


@router.post("/services/{service_id}/unpublish", response_model=ServiceOut)
def unpublish_service(service_id: int, session: DbSession, principal: Authenticated) -> ServiceOut:
    """Take the service off the catalogue; gateways answer ``ServiceDisabled`` within their refresh interval."""
    return management.set_published(session, principal, service_id, False)


@router.get("/grants", response_model=list[GrantOut])
def list_grants(session: DbSession, principal: Authenticated) -> list[GrantOut]:
    """Access rights on your services (``provided``) and rights your subsystems hold (``held``)."""
    return management.list_grants(session, principal)


@router.delete("/grants/{grant_id}", status_code=204)
def revoke_grant(grant_id: int, session: DbSession, principal: Authenticated) -> Response:
    """Provider: withdraw an access right on one of your services (gateways refuse within their refresh)."""
    management.revoke_grant(session, principal, grant_id)
    return Response(status_code=204)


@router.post("/access-requests", response_model=AccessRequestOut, status_code=status.HTTP_201_CREATED)
def request_access(data: AccessRequestIn, session: DbSession, principal: Authenticated) -> AccessRequestOut:
    """Ask the provider for access for one of your subsystems (optionally to some endpoints only)."""
    return access_requests.request_access(session, principal, data)


@router.get("/access-requests", response_model=list[AccessRequestOut])
def list_access_requests(
    session: DbSession,
    principal: Authenticated,
    direction: Literal["incoming", "outgoing"] | None = Query(default=None),
    request_status: Literal["requested", "approved", "rejected", "withdrawn"] | None = Query(
        default=None, alias="status"
    ),
) -> list[AccessRequestOut]:
    """Requests on your services (``incoming``), from your subsystems (``outgoing``), or both."""
    return access_requests.list_requests(session, principal, direction=direction, status=request_status)


@router.get("/access-requests/{request_id}", response_model=AccessRequestOut)
def get_access_request(request_id: int, session: DbSession, principal: Authenticated) -> AccessRequestOut:
    return access_requests.get(session, principal, request_id)


@router.post("/access-requests/{request_id}/approve", response_model=AccessRequestOut)
def approve_access_request(
    request_id: int, session: DbSession, principal: Authenticated, data: DecisionIn | None = None
) -> AccessRequestOut:
    """Provider: grant the requested access (the gateway lets calls through after its next refresh)."""
    return access_requests.decide(session, principal, request_id, approve=True, reason=data.reason if data else "")


@router.post("/access-requests/{request_id}/reject", response_model=AccessRequestOut)
def reject_access_request(
    request_id: int, data: DecisionIn, session: DbSession, principal: Authenticated
) -> AccessRequestOut:
    """Provider: refuse the request, saying why (``reason`` is required)."""
    return access_requests.decide(session, principal, request_id, approve=False, reason=data.reason)


@router.post("/access-requests/{request_id}/withdraw", response_model=AccessRequestOut)
def withdraw_access_request(request_id: int, session: DbSession, principal: Authenticated) -> AccessRequestOut:
    """Consumer: take back a request nobody has decided yet."""
    return access_requests.withdraw(session, principal, request_id)
