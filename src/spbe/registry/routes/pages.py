"""HTML pages of the registry under ``/registry``: search, national dashboard, agency landscape, application."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from spbe.core.deps import DbSession
from spbe.core.i18n import gettext as _
from spbe.core.security import public
from spbe.core.templating import render
from spbe.registry import charts
from spbe.registry.models import AgencyKind, ApplicationKind, LifecycleStatus
from spbe.registry.repository.catalogue import term_codes
from spbe.registry.routes.deps import Filters
from spbe.registry.service import applications, changes, dashboard

router = APIRouter(prefix="/registry", include_in_schema=False, dependencies=[public])
PER_PAGE = 25


def _time_labels() -> dict[str, str]:
    return {"tolerate": _("Tolerate"), "invest": _("Invest"), "migrate": _("Migrate"), "eliminate": _("Eliminate")}


@router.get("", response_class=HTMLResponse)
def search(
    request: Request,
    session: DbSession,
    filters: Filters,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Search applications by name, acronym or description, with filters."""
    results = applications.search(session, q=q, where=filters, page=page, per_page=PER_PAGE)
    context = {
        "q": q or "",
        "filters": filters,
        "results": results,
        "agency_kinds": [k.value for k in AgencyKind],
        "kinds": [k.value for k in ApplicationKind],
        "statuses": [s.value for s in LifecycleStatus],
        "categories": term_codes(session, "aplikasi", level=2),
        "affairs": term_codes(session, "probis", level=2),
        "query_string": _query_without_page(request),
        "time_labels": _time_labels(),
    }
    return render(request, "registry/search.html", context)


def _query_without_page(request: Request) -> str:
    return "&".join(f"{k}={v}" for k, v in request.query_params.multi_items() if k != "page" and v)


@router.get("/dashboard", response_class=HTMLResponse)
def national(request: Request, session: DbSession) -> HTMLResponse:
    """Applications per agency type and category, umum vs khusus, the TIME quadrant."""
    picture = dashboard.national(session)
    labels = {code: f"{code} {name}" for code, name in picture.category_names.items()}
    rows = [(kind, {labels.get(c, c): n for c, n in values.items()}) for kind, values in picture.by_agency_kind.items()]
    series = [labels.get(c, c) for c in picture.categories]
    context = {
        "picture": picture,
        "by_agency_kind": charts.stacked(rows, series, _("Applications per agency type and category")),
        "by_kind": charts.bars(
            {
                _("Aplikasi Umum"): picture.by_kind.get("umum", 0),
                _("Aplikasi Khusus"): picture.by_kind.get("khusus", 0),
            },
            _("Umum vs khusus"),
        ),
        "time": charts.time_quadrant(picture.time, _time_labels()),
        "time_labels": _time_labels(),
    }
    return render(request, "registry/dashboard.html", context)


@router.get("/agencies/{code}", response_class=HTMLResponse)
def landscape(request: Request, session: DbSession, code: str) -> HTMLResponse:
    """An agency's landscape: applications by category with TIME, services, data sets, infrastructure."""
    view = dashboard.landscape(session, code, None)
    context = {
        "view": view,
        "time": charts.time_quadrant(view.time, _time_labels(), size=280),
        "time_labels": _time_labels(),
    }
    return render(request, "registry/agency.html", context)


@router.get("/applications/{code}", response_class=HTMLResponse)
def application(request: Request, session: DbSession, code: str) -> HTMLResponse:
    """All public fields of one application, its affairs, integrations and change log."""
    item = applications.get(session, code)
    context = {
        "app": item,
        "affairs": term_codes(session, "probis", level=2),
        "categories": term_codes(session, "aplikasi"),
        "integrations": applications.integrations(session, code),
        "history": list(reversed(changes.history(session, "application", code))),
        "time_labels": _time_labels(),
    }
    return render(request, "registry/application.html", context)
