"""REST API of applications (aplikasi): search, read, create, update, delete, history, integrations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from spbe.core.deps import DbSession
from spbe.core.security import Authenticated, public
from spbe.registry.routes.deps import API, Filters, Page, PerPage, Reader
from spbe.registry.schemas.catalogue import (
    ApplicationCreated,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ApplicationPatch,
    ChangeOut,
    ClassificationIn,
    IntegrationOut,
)
from spbe.registry.service import applications as service
from spbe.registry.service import taxonomy

router = APIRouter(prefix=f"{API}/applications", tags=["registry: applications"])


@router.get("", dependencies=[public], summary="Search applications")
def search(
    session: DbSession,
    reader: Reader,
    filters: Filters,
    q: Annotated[
        str | None, Query(max_length=100, description="Words of the name, acronym, code or description")
    ] = None,
    page: Page = 1,
    per_page: PerPage = 20,
) -> ApplicationPage:
    """Every word of ``q`` must match (case and accents ignored); exact acronym and name matches come first."""
    return service.search(session, q=q, where=filters, page=page, per_page=per_page, reader=reader)


@router.post("", status_code=201, summary="Register an application (with the duplicate check's verdict)")
def create(
    session: DbSession,
    principal: Authenticated,
    record: ApplicationIn,
    check_duplicates: Annotated[
        bool, Query(description="Run the duplicate check and return it in duplicate_check (it never blocks)")
    ] = True,
) -> ApplicationCreated:
    """Registers the application and returns it with ``duplicate_check``: the closest existing applications,
    with reasons, and a verdict. To check without registering, use ``POST /api/v1/registry/duplicates/check``
    (public) or the page ``/registry/periksa-duplikasi``."""
    return service.create(session, principal, record, check_duplicates=check_duplicates)


@router.get("/{code}", dependencies=[public], summary="One application")
def get(session: DbSession, reader: Reader, code: str) -> ApplicationOut:
    return service.get(session, code, reader)


@router.patch("/{code}", summary="Change an application (send the version you read)")
def update(session: DbSession, principal: Authenticated, code: str, patch: ApplicationPatch) -> ApplicationOut:
    return service.update(session, principal, code, patch)


@router.delete("/{code}", status_code=204, summary="Remove an application")
def delete(session: DbSession, principal: Authenticated, code: str) -> Response:
    service.delete(session, principal, code)
    return Response(status_code=204)


@router.get("/{code}/history", dependencies=[public], summary="The application's change log")
def history(session: DbSession, reader: Reader, code: str) -> list[ChangeOut]:
    """Fields hidden from the reader on ``GET`` (technology, hosting, an internal URL) are hidden here too."""
    return service.history(session, code, reader)


@router.get("/{code}/integrations", dependencies=[public], summary="Applications it exchanges data with")
def integrations(session: DbSession, code: str) -> list[IntegrationOut]:
    return service.integrations(session, code)


@router.post("/{code}/integrations/{target}", status_code=204, summary="Record that it sends data to another")
def connect(session: DbSession, principal: Authenticated, code: str, target: str, channel: str = "splp") -> Response:
    service.connect(session, principal, code, target, channel)
    return Response(status_code=204)


@router.get("/{code}/classifications", dependencies=[public], summary="Reference-architecture terms")
def classifications(session: DbSession, code: str) -> list[ClassificationIn]:
    application = service.get(session, code)
    return taxonomy.classifications(session, "application", application.id)


@router.put("/{code}/classifications", summary="Classify against the reference architectures")
def classify(
    session: DbSession, principal: Authenticated, code: str, terms: list[ClassificationIn]
) -> list[ClassificationIn]:
    application = service.get(session, code)
    return taxonomy.classify(
        session,
        principal,
        object_type="application",
        object_id=application.id,
        code=code,
        owner=application.agency_code,
        terms=terms,
    )
