"""``/api/v1/wilayah``: Kemendagri region codes, public and read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from spbe.core.deps import DbSession
from spbe.core.security import public
from spbe.core.wilayah import service
from spbe.core.wilayah.schemas import (
    DistrictOut,
    Page,
    ProvinceOut,
    RegencyOut,
    RegionDetail,
    RegionLevel,
    RegionList,
    SearchHit,
    VillageOut,
)

router = APIRouter(prefix="/api/v1/wilayah", tags=["wilayah"])


@router.get("/provinces", dependencies=[public], summary="All provinces (provinsi)")
def provinces(session: DbSession) -> RegionList[ProvinceOut]:
    return service.list_provinces(session)


@router.get("/regencies", dependencies=[public], summary="Regencies and cities (kabupaten/kota)")
def regencies(
    session: DbSession,
    province: Annotated[str | None, Query(max_length=20, description="Province code, e.g. 32")] = None,
) -> RegionList[RegencyOut]:
    return service.list_regencies(session, province)


@router.get("/districts", dependencies=[public], summary="Districts (kecamatan) of one regency")
def districts(
    session: DbSession,
    regency: Annotated[str, Query(max_length=20, description="Regency code, e.g. 32.73")],
) -> RegionList[DistrictOut]:
    return service.list_districts(session, regency)


@router.get("/villages", dependencies=[public], summary="Villages (desa/kelurahan) of one district")
def villages(
    session: DbSession,
    district: Annotated[str, Query(max_length=20, description="District code, e.g. 32.73.05")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[VillageOut]:
    return service.list_villages(session, district, limit=limit, offset=offset)


@router.get("/search", dependencies=[public], summary="Find regions by name")
def search(
    session: DbSession,
    q: Annotated[str, Query(min_length=2, max_length=100, description="Part of a name, any case")],
    level: Annotated[RegionLevel | None, Query(description="Only this level")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SearchHit]:
    """Ranked: exact names first (``bandung`` finds Kota and Kabupaten Bandung), then names starting
    with the query, then names containing it; within a rank, higher levels first."""
    return service.search(session, q, level=level, limit=limit)


@router.get("/{code}", dependencies=[public], summary="One region at any level, with its parents")
def region(session: DbSession, code: str) -> RegionDetail:
    return service.get_region(session, code)
