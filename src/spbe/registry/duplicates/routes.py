"""Duplicate finder over HTTP: the API under ``/api/v1/registry/duplicates`` and pages under ``/registry/duplicates``.

Reading groups and the plan is public (they name applications and agencies, never confidential fields);
checking a proposal is public too (read-only; rate-limited per client, ``ratelimit``).
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from spbe.core.deps import DbSession
from spbe.core.security import public
from spbe.core.templating import render
from spbe.registry.duplicates import plan as plans
from spbe.registry.duplicates import service
from spbe.registry.duplicates.ratelimit import limit_checks
from spbe.registry.duplicates.schemas import CheckIn, CheckOut, GroupOut, GroupPage, PlanOut

API = "/api/v1/registry/duplicates"
TAGS: list[str | Enum] = ["registry: duplicates"]
AgencyFilter = Annotated[str | None, Query(max_length=40, description="Agency code, e.g. KAB-32.04")]
AffairFilter = Annotated[str | None, Query(max_length=10, description="Proses Bisnis affair SS.UU, e.g. 09.06")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter()


@router.get(API, tags=TAGS, dependencies=[public], summary="Duplicate groups (applications doing the same job)")
def list_groups(
    session: DbSession,
    agency: AgencyFilter = None,
    affair: AffairFilter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> GroupPage:
    return service.list_groups(session, agency=agency, affair=affair, limit=limit, offset=offset)


@router.get(f"{API}/plan", tags=TAGS, dependencies=[public], summary="Consolidation plan of every group",
            response_model=None)  # fmt: skip
def get_plan(
    session: DbSession,
    agency: AgencyFilter = None,
    affair: AffairFilter = None,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> PlanOut | Response:
    plan = plans.build_plan(session, agency=agency, affair=affair)
    if format == "csv":
        headers = {"content-disposition": 'attachment; filename="rencana-konsolidasi.csv"'}
        return Response(plans.to_csv(plan), media_type="text/csv; charset=utf-8", headers=headers)
    if format == "xlsx":
        headers = {"content-disposition": 'attachment; filename="rencana-konsolidasi.xlsx"'}
        return Response(plans.to_xlsx(plan), media_type=XLSX, headers=headers)
    return plan


@router.post(f"{API}/check", tags=TAGS, dependencies=[public, Depends(limit_checks)],
             summary="Is this proposed application a duplicate? (public, rate-limited)")  # fmt: skip
def check(session: DbSession, proposal: CheckIn) -> CheckOut:
    """Read-only, so public like the groups it reads (anyone planning an application should ask first);
    30 checks a minute per client address, then 429."""
    return service.check(session, proposal)


@router.get(f"{API}/{{key}}", tags=TAGS, dependencies=[public], summary="One duplicate group with its applications")
def get_group(session: DbSession, key: str) -> GroupOut:
    return service.get_group(session, key)


# -- pages ------------------------------------------------------------------------------------------------

pages = APIRouter(prefix="/registry/duplicates", include_in_schema=False, dependencies=[public])
PER_PAGE = 25


@pages.get("", response_class=HTMLResponse)
def groups_page(request: Request, session: DbSession, agency: AgencyFilter = None, affair: AffairFilter = None,
                page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:  # fmt: skip
    """Every duplicate group with its score and why its applications look alike."""
    result = service.list_groups(session, agency=agency, affair=affair, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    pages_total = max(1, -(-result.total // PER_PAGE))
    context = {"result": result, "agency": agency or "", "affair": affair or "", "page": page, "pages": pages_total}
    return render(request, "registry/duplicates/list.html", context)


@pages.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, session: DbSession, agency: AgencyFilter = None,
              affair: AffairFilter = None) -> HTMLResponse:  # fmt: skip
    """The consolidation plan as a report: migrate to an Aplikasi Umum, or consolidate."""
    plan = plans.build_plan(session, agency=agency, affair=affair)
    return render(
        request, "registry/duplicates/plan.html", {"plan": plan, "agency": agency or "", "affair": affair or ""}
    )


@pages.get("/{key}", response_class=HTMLResponse)
def group_page(request: Request, session: DbSession, key: str) -> HTMLResponse:
    """One group: its applications, the reasons, and its step of the plan."""
    group = service.get_group(session, key)
    analysis = service.analyse(session)
    item = plans.plan_item(analysis, analysis.group(key))
    return render(request, "registry/duplicates/group.html", {"group": group, "item": item})


router.include_router(pages)
