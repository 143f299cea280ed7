"""REST API of services (layanan), data sets and infrastructure, and of the reference architectures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel

from spbe.core.deps import DbSession
from spbe.core.security import Authenticated, public
from spbe.registry.routes.deps import API, Page, PerPage
from spbe.registry.schemas.catalogue import (
    CatalogueKind,
    CatalogueOut,
    CataloguePage,
    ChangeOut,
    ClassificationIn,
    DataSetIn,
    InfrastructureIn,
    ServiceIn,
    TaxonomyTermOut,
)
from spbe.registry.service import catalogue as service
from spbe.registry.service import taxonomy

router = APIRouter(prefix=API)
TAGS: list[str | Any] = ["registry: catalogue"]
AnyIn = ServiceIn | DataSetIn | InfrastructureIn
SCHEMAS: dict[CatalogueKind, type[BaseModel]] = {
    CatalogueKind.services: ServiceIn,
    CatalogueKind.datasets: DataSetIn,
    CatalogueKind.infrastructure: InfrastructureIn,
}


@router.get("/taxonomy", tags=TAGS, dependencies=[public], summary="Reference-architecture terms")
def terms(session: DbSession, reference: str | None = None) -> list[TaxonomyTermOut]:
    """The six references of Perpres 132/2022: probis, data, layanan, aplikasi, infrastruktur, keamanan."""
    return taxonomy.list_terms(session, reference)


@router.get("/{kind}", tags=TAGS, dependencies=[public], summary="List services, data sets or infrastructure")
def list_objects(
    session: DbSession,
    kind: CatalogueKind,
    agency: Annotated[str | None, Query(max_length=40)] = None,
    page: Page = 1,
    per_page: PerPage = 20,
) -> CataloguePage:
    return service.list_page(
        session, kind, agency_code=agency.upper() if agency else None, page=page, per_page=per_page
    )


@router.post("/{kind}", tags=TAGS, status_code=201, summary="Register a service, data set or infrastructure")
def create(
    session: DbSession, principal: Authenticated, kind: CatalogueKind, body: Annotated[dict[str, Any], Body()]
) -> CatalogueOut:
    """The body follows ``ServiceIn``, ``DataSetIn`` or ``InfrastructureIn`` (see the schemas)."""
    record = SCHEMAS[kind].model_validate(body)
    return service.create(session, principal, kind, record)


@router.get("/{kind}/{code}", tags=TAGS, dependencies=[public], summary="One service, data set or infrastructure")
def get(session: DbSession, kind: CatalogueKind, code: str) -> CatalogueOut:
    return service.get(session, kind, code)


@router.patch("/{kind}/{code}", tags=TAGS, summary="Change fields (send the version you read)")
def update(
    session: DbSession,
    principal: Authenticated,
    kind: CatalogueKind,
    code: str,
    body: Annotated[dict[str, Any], Body()],
) -> CatalogueOut:
    return service.update(session, principal, kind, code, dict(body))


@router.delete("/{kind}/{code}", tags=TAGS, status_code=204, summary="Remove")
def delete(session: DbSession, principal: Authenticated, kind: CatalogueKind, code: str) -> Response:
    service.delete(session, principal, kind, code)
    return Response(status_code=204)


@router.get("/{kind}/{code}/history", tags=TAGS, dependencies=[public], summary="Change log")
def history(session: DbSession, kind: CatalogueKind, code: str) -> list[ChangeOut]:
    return service.history(session, kind, code)


@router.put("/{kind}/{code}/classifications", tags=TAGS, summary="Classify against the reference architectures")
def classify(
    session: DbSession, principal: Authenticated, kind: CatalogueKind, code: str, terms: list[ClassificationIn]
) -> list[ClassificationIn]:
    object_type, ident, owner = service.object_ref(session, kind, code)
    return taxonomy.classify(
        session, principal, object_type=object_type, object_id=ident, code=code, owner=owner, terms=terms
    )
