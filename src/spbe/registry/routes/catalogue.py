"""REST API of services (layanan), data sets and infrastructure, and of the reference architectures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from spbe.core.deps import DbSession
from spbe.core.security import Authenticated, public
from spbe.registry.routes.deps import API, Page, PerPage, Reader
from spbe.registry.schemas.catalogue import (
    CatalogueKind,
    CatalogueOut,
    CataloguePage,
    ChangeOut,
    ClassificationIn,
    DataSetIn,
    DataSetPatch,
    InfrastructureIn,
    InfrastructurePatch,
    ServiceIn,
    ServicePatch,
    TaxonomyTermOut,
)
from spbe.registry.service import catalogue as service
from spbe.registry.service import taxonomy

router = APIRouter(prefix=API)
TAGS: list[str | Any] = ["registry: catalogue"]


@router.get("/taxonomy", tags=TAGS, dependencies=[public], summary="Reference-architecture terms")
def terms(session: DbSession, reference: str | None = None) -> list[TaxonomyTermOut]:
    """The six references of Perpres 132/2022: probis, data, layanan, aplikasi, infrastruktur, keamanan."""
    return taxonomy.list_terms(session, reference)


@router.get("/{kind}", tags=TAGS, dependencies=[public], summary="List services, data sets or infrastructure")
def list_objects(
    session: DbSession,
    reader: Reader,
    kind: CatalogueKind,
    agency: Annotated[str | None, Query(max_length=40)] = None,
    page: Page = 1,
    per_page: PerPage = 20,
) -> CataloguePage:
    return service.list_page(
        session, kind, agency_code=agency.upper() if agency else None, page=page, per_page=per_page, reader=reader
    )


# One typed route per kind, so OpenAPI documents each body and a bad body is a 422 naming its fields.


@router.post("/services", tags=TAGS, status_code=201, summary="Register a service (layanan)")
def create_service(session: DbSession, principal: Authenticated, record: ServiceIn) -> CatalogueOut:
    return service.create(session, principal, CatalogueKind.services, record)


@router.post("/datasets", tags=TAGS, status_code=201, summary="Register a data set")
def create_dataset(session: DbSession, principal: Authenticated, record: DataSetIn) -> CatalogueOut:
    return service.create(session, principal, CatalogueKind.datasets, record)


@router.post("/infrastructure", tags=TAGS, status_code=201, summary="Register an infrastructure")
def create_infrastructure(session: DbSession, principal: Authenticated, record: InfrastructureIn) -> CatalogueOut:
    return service.create(session, principal, CatalogueKind.infrastructure, record)


@router.patch("/services/{code}", tags=TAGS, summary="Change a service (send the version you read)")
def update_service(session: DbSession, principal: Authenticated, code: str, patch: ServicePatch) -> CatalogueOut:
    return service.update(session, principal, CatalogueKind.services, code, patch)


@router.patch("/datasets/{code}", tags=TAGS, summary="Change a data set (send the version you read)")
def update_dataset(session: DbSession, principal: Authenticated, code: str, patch: DataSetPatch) -> CatalogueOut:
    return service.update(session, principal, CatalogueKind.datasets, code, patch)


@router.patch("/infrastructure/{code}", tags=TAGS, summary="Change an infrastructure (send the version you read)")
def update_infrastructure(
    session: DbSession, principal: Authenticated, code: str, patch: InfrastructurePatch
) -> CatalogueOut:
    return service.update(session, principal, CatalogueKind.infrastructure, code, patch)


@router.get("/{kind}/{code}", tags=TAGS, dependencies=[public], summary="One service, data set or infrastructure")
def get(session: DbSession, reader: Reader, kind: CatalogueKind, code: str) -> CatalogueOut:
    """A ``rahasia`` data set is 404 except for its producer's staff and coordinators; a ``terbatas`` one
    shows anonymous readers its catalogue entry without ``description`` and ``reference_codes``."""
    return service.get(session, kind, code, reader)


@router.delete("/{kind}/{code}", tags=TAGS, status_code=204, summary="Remove")
def delete(session: DbSession, principal: Authenticated, kind: CatalogueKind, code: str) -> Response:
    service.delete(session, principal, kind, code)
    return Response(status_code=204)


@router.get("/{kind}/{code}/history", tags=TAGS, dependencies=[public], summary="Change log")
def history(session: DbSession, reader: Reader, kind: CatalogueKind, code: str) -> list[ChangeOut]:
    """Redacted for the reader as ``GET`` is."""
    return service.history(session, kind, code, reader)


@router.put("/{kind}/{code}/classifications", tags=TAGS, summary="Classify against the reference architectures")
def classify(
    session: DbSession, principal: Authenticated, kind: CatalogueKind, code: str, terms: list[ClassificationIn]
) -> list[ClassificationIn]:
    object_type, ident, owner = service.object_ref(session, kind, code)
    return taxonomy.classify(
        session, principal, object_type=object_type, object_id=ident, code=code, owner=owner, terms=terms
    )
