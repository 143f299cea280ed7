"""HTTP routes of the `registry` module."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from spbe.core.deps import DbSession
from spbe.core.security import public
from spbe.registry.models import AgencyKind
from spbe.registry.routes.deps import API
from spbe.registry.schemas.agencies import AgencyOut, AgencyPage
from spbe.registry.service import agencies as service

router = APIRouter()


@router.get(f"{API}/agencies", tags=["registry"], dependencies=[public], summary="List agencies (instansi)")
def list_agencies(
    session: DbSession,
    kind: Annotated[AgencyKind | None, Query(description="kementerian, lpnk, lembaga, provinsi, …")] = None,
    province: Annotated[str | None, Query(max_length=20, description="Province code, e.g. 32")] = None,
    q: Annotated[str | None, Query(min_length=2, max_length=100, description="Part of name or code")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AgencyPage:
    return service.list_agencies(session, kind=kind, province=province, q=q, limit=limit, offset=offset)


@router.get(f"{API}/agencies/{{code}}", tags=["registry"], dependencies=[public], summary="One agency by its code")
def get_agency(session: DbSession, code: str) -> AgencyOut:
    return service.get_by_code(session, code)
