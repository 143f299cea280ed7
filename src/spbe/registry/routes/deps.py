"""Dependencies shared by the registry's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from spbe.core.errors import Unauthorized
from spbe.core.security import Principal, TokenVerifier, optional_principal
from spbe.registry.models import AgencyKind, ApplicationKind, LifecycleStatus, ServiceArea
from spbe.registry.repository.applications import ApplicationFilter

API = "/api/v1/registry"


def reader_of(request: Request) -> Principal | None:
    """The caller of a public read (to show confidential fields), else ``None``.

    A bearer token must be valid (a bad one is a 401, not a silent anonymous read); without one, the
    browser session cookie counts when it is valid (``optional_principal``), so staff signed in on the
    pages see their agency's confidential fields there and in the API alike.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return optional_principal(request)
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise Unauthorized("No token issuer is configured on this node.")
    return verifier(token.strip())


Reader = Annotated[Principal | None, Depends(reader_of)]


def _filters(
    agency: Annotated[str | None, Query(max_length=40, description="Owner agency code, e.g. KOTA-32.73")] = None,
    agency_kind: Annotated[
        AgencyKind | None, Query(description="kementerian, lpnk, lembaga, provinsi, kabupaten, kota")
    ] = None,
    kind: Annotated[ApplicationKind | None, Query(description="umum (Aplikasi Umum) or khusus")] = None,
    category: Annotated[str | None, Query(max_length=40, description="RAA code, e.g. RAA.2.2")] = None,
    affair: Annotated[str | None, Query(max_length=10, description="Proses Bisnis affair SS.UU, e.g. 09.06")] = None,
    status: Annotated[LifecycleStatus | None, Query()] = None,
    service_area: Annotated[ServiceArea | None, Query()] = None,
    province: Annotated[str | None, Query(max_length=5, description="Province code of the owner, e.g. 32")] = None,
    region: Annotated[
        str | None, Query(max_length=13, description="Region code of the owner or below, e.g. 32.73")
    ] = None,
) -> ApplicationFilter:
    return ApplicationFilter(
        agency_code=agency.strip().upper() if agency else None,
        agency_kind=agency_kind.value if agency_kind else None,
        kind=kind.value if kind else None,
        category=category,
        affair=affair,
        status=status.value if status else None,
        service_area=service_area.value if service_area else None,
        province_code=province,
        region_code=region,
    )


Filters = Annotated[ApplicationFilter, Depends(_filters)]
Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]
