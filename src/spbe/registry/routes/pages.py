"""HTML pages of the registry under ``/registry``: search, national dashboard, agency landscape, application."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from spbe.core.deps import DbSession
from spbe.core.i18n import gettext as _
from spbe.core.security import optional_principal, public
from spbe.core.templating import render
from spbe.registry import charts, labels
from spbe.registry.duplicates import figures
from spbe.registry.duplicates import service as duplicate_finder
from spbe.registry.duplicates.ratelimit import limit_checks
from spbe.registry.duplicates.schemas import CheckIn
from spbe.registry.models import AgencyKind, ApplicationKind, LifecycleStatus
from spbe.registry.repository.catalogue import term_codes
from spbe.registry.routes.deps import Filters
from spbe.registry.service import applications, dashboard

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
    reader = optional_principal(request)
    results = applications.search(session, q=q, where=filters, page=page, per_page=PER_PAGE, reader=reader)
    context = {
        "q": q or "",
        "filters": filters,
        "results": results,
        "agency_kinds": [k.value for k in AgencyKind],
        "kinds": [k.value for k in ApplicationKind],
        "statuses": [s.value for s in LifecycleStatus],
        "labels": labels.all_labels(),
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
    names = {code: f"{code} {name}" for code, name in picture.category_names.items()}
    kinds = labels.agency_kinds()
    rows = [
        (kinds.get(kind, kind), {names.get(c, c): n for c, n in values.items()})
        for kind, values in picture.by_agency_kind.items()
    ]
    series = [names.get(c, c) for c in picture.categories]
    duplicates = figures.figures(session)
    context = {
        "picture": picture,
        "labels": labels.all_labels(),
        "duplicates": duplicates,
        "by_size": charts.bars(
            {_("%(size)s applications") % {"size": size}: n for size, n in duplicates.by_size.items()},
            _("Duplicate clusters by size"),
        ),
        "by_umum": charts.bars(
            {(umum or _("No Aplikasi Umum")): n for umum, n in duplicates.by_umum.items()},
            _("Aplikasi Khusus in duplicate clusters, by the Aplikasi Umum covering them"),
        ),
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
    view = dashboard.landscape(session, code, optional_principal(request))
    context = {
        "view": view,
        "labels": labels.all_labels(),
        "time": charts.time_quadrant(view.time, _time_labels(), size=280),
        "time_labels": _time_labels(),
    }
    return render(request, "registry/agency.html", context)


@router.get("/applications/{code}", response_class=HTMLResponse)
def application(request: Request, session: DbSession, code: str) -> HTMLResponse:
    """All public fields of one application, its affairs, integrations and change log."""
    reader = optional_principal(request)
    item = applications.get(session, code, reader)
    context = {
        "app": item,
        "labels": labels.all_labels(),
        "affairs": term_codes(session, "probis", level=2),
        "categories": term_codes(session, "aplikasi"),
        "integrations": applications.integrations(session, code),
        "history": list(reversed(applications.history(session, code, reader))),
        "time_labels": _time_labels(),
    }
    return render(request, "registry/application.html", context)


@router.get("/periksa-duplikasi", response_class=HTMLResponse)
def check_duplicates(
    request: Request,
    session: DbSession,
    name: Annotated[str, Query(max_length=200)] = "",
    description: Annotated[str, Query(max_length=4000)] = "",
    affairs: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The "Periksa duplikasi" page: before registering, see the closest existing applications and why.

    A GET form (it changes nothing, so it needs no sign-in and no CSRF token); rate-limited like the API.
    """
    chosen = [code for code in (affairs or []) if code]
    context: dict[str, object] = {
        "name": name,
        "description": description,
        "chosen": chosen,
        "affairs": term_codes(session, "probis", level=2),
        "result": None,
        "error": None,
    }
    if name.strip() or description.strip():
        if len(name.strip()) < 2:
            context["error"] = _("Enter the name of the application (at least 2 characters)")
        else:
            limit_checks(request)
            proposal = CheckIn(name=name.strip(), description=description.strip() or None, affairs=chosen, limit=10)
            context["result"] = duplicate_finder.check(session, proposal)
    return render(request, "registry/check.html", context)
