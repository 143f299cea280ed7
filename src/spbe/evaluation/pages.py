"""HTML pages of the evaluation under ``/evaluation``: the national dashboard, an agency, the heatmap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from spbe.core.deps import DbSession
from spbe.core.errors import NotFound
from spbe.core.i18n import gettext as _
from spbe.core.security import Principal, public
from spbe.core.templating import render
from spbe.evaluation import charts, cycle_pages, forms
from spbe.evaluation.integration import Subject, get_subject, group_of, list_subjects
from spbe.evaluation.national import GROUPS
from spbe.evaluation.schemas import AssessmentOut
from spbe.evaluation.service import cycle, national, periods, views
from spbe.evaluation.service.instruments import instrument_for_year
from spbe.evaluation.suggestions import suggestions_for

router = APIRouter(prefix="/evaluation", include_in_schema=False, dependencies=[public])
Year = Annotated[int | None, Query(ge=2000, le=2100)]


def kind_label(kind: str) -> str | None:
    """A central agency's type in the reader's language; None for regions, whose group already says it."""
    labels = {"kementerian": _("Ministry"), "lpnk": _("Non-ministerial agency"), "lembaga": _("Agency")}
    return labels.get(kind)


def group_labels() -> dict[str, str]:
    """The agency groups in the reader's language (evaluated per request, so the locale applies)."""
    return {
        "central": _("Central agencies"),
        "province": _("Provinces"),
        "regency": _("Regencies"),
        "city": _("Cities"),
    }


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: DbSession,
    viewer: Annotated[Principal | None, Depends(forms.viewer)],
    year: Year = None,
) -> Response:
    """The national picture of a published year (the latest by default), scored with that year's instrument.

    Years whose cycle is still open are not published: assessors and the coordinator see them as "in
    progress" with their coverage (and the coordinator the open/close buttons), nobody sees them as results.
    """
    years = national.final_years(session)
    cycles = cycle_pages.cycles_context(request, session, viewer)
    if not years:
        return cycle_pages.with_csrf_cookie(render(request, "evaluation/empty.html", cycles), request, cycles)
    chosen = year if year in years else years[-1]
    picture = national.picture(session, chosen)
    instrument = picture.instrument
    groups_heat = [(group_labels()[g], [i.by_group.get(g) for i in picture.indicators]) for g in GROUPS]
    context = {
        "picture": picture,
        "years": years,
        "requested": year,
        "instrument": instrument,
        "names": {s.code: s.name for s in list_subjects(session)},
        "group_labels": group_labels(),
        "cycle_year": cycle.open_cycle_year(session),
        "radar": charts.radar(picture.domains, {d.code: d.name for d in instrument.domains}),
        "histogram": charts.histogram(picture.predikat_counts),
        "trend": charts.trend(national.trend(session)),
        "heatmap": charts.heatmap(groups_heat, instrument.numbers),
        **cycles,
    }
    return cycle_pages.with_csrf_cookie(render(request, "evaluation/dashboard.html", context), request, cycles)


@router.get("/heatmap", response_class=HTMLResponse)
def heatmap(request: Request, session: DbSession, year: Year = None, group: str = "province") -> HTMLResponse:
    """Indicators × agencies of one group, coloured by level."""
    if group not in GROUPS:
        raise NotFound(f"No agency group {group!r}; use one of {', '.join(GROUPS)}.")
    chosen = year or national.latest_year(session)
    national.require_published(session, chosen)
    instrument, levels = national.year_levels(session, chosen)
    names = {s.code: s.name for s in list_subjects(session)}
    agencies = [a for a in levels if group_of(a.kind) == group and a.instrument is None]
    rows = [(names.get(a.code, a.code), [a.levels.get(n) for n in instrument.numbers]) for a in agencies]
    context = {
        "year": chosen,
        "group": group,
        "groups": GROUPS,
        "group_labels": group_labels(),
        "count": len(rows),
        "chart": charts.heatmap(rows, instrument.numbers),
    }
    return render(request, "evaluation/heatmap.html", context)


@router.get("/agencies/{agency_code}", response_class=HTMLResponse)
def agency(
    request: Request,
    agency_code: str,
    session: DbSession,
    viewer: Annotated[Principal | None, Depends(forms.viewer)],
    year: Year = None,
) -> HTMLResponse:
    """An agency's index, predikat, domain radar, levels, suggested evidence and history.

    Also for an agency (or a year) without a final result: it then says so, lists the years that exist,
    shows a draft or submitted self-assessment to those who may see it, and still suggests evidence.
    """
    subject = get_subject(session, agency_code)
    history = views.history(session, subject.code)
    open_year = cycle.open_cycle_year(session)
    chosen = year or (history[-1].year if history else open_year) or dt.datetime.now(dt.UTC).year
    final = next((h for h in history if h.year == chosen), None)
    result = views.final_assessment(session, subject.code, chosen) if final else None
    context = {
        "subject": subject,
        "group_label": group_labels()[subject.group],
        "kind_label": kind_label(subject.kind),
        "year": chosen,
        "result": result,
        "final": final,
        "instrument": final.instrument if final else instrument_for_year(session, chosen)[1],
        "history": history,
        "suggestions": suggestions_for(session, subject.code),
        "change": final.change if final else {},
        **_charts(result, history),
        **_progress(session, viewer, subject, chosen, open_year, final is not None),
    }
    return render(request, "evaluation/agency.html", context)


def _charts(result: AssessmentOut | None, history: list[views.YearResult]) -> dict[str, Any]:
    charts_context: dict[str, Any] = {"radar": None, "trend": None}
    if result is not None and result.score is not None:
        domains = {code: Decimal(value) for code, value in result.score.domains.items()}
        instrument = next(h.instrument for h in history if h.year == result.year)
        charts_context["radar"] = charts.radar(domains, {d.code: d.name for d in instrument.domains})
    if history:
        charts_context["trend"] = charts.trend([(h.year, h.index) for h in history])
    return charts_context


def _progress(
    session: Session, viewer: Principal | None, subject: Subject, chosen: int, open_year: int | None, is_final: bool
) -> dict[str, Any]:
    """What staff who may act see: assessments in progress and links to the forms of the year viewed
    (when it is not final) and of the open cycle year."""
    if not forms.may_see_progress(viewer, subject.code):
        return {"staff": False, "in_progress": [], "actions": [], "cycle_year": open_year, "not_started": []}
    wanted = sorted(({open_year} if open_year else set()) | (set() if is_final else {chosen}))
    years = {y: views.cycle_year(session, subject.code, y) for y in wanted}
    return {
        "staff": True,
        "in_progress": views.years_in_progress(session, subject.code),
        "actions": forms.actions_for(
            viewer, subject.code, [y for y in years.values() if periods.is_open(session, y.year)]
        ),
        "cycle_year": open_year,
        "not_started": [y for y in years.values() if y.status is None],
    }
