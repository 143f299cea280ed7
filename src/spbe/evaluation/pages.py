"""HTML pages of the evaluation under ``/evaluation``: the national dashboard, an agency, the heatmap."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from spbe.core.deps import DbSession
from spbe.core.errors import NotFound
from spbe.core.security import Principal, public
from spbe.core.templating import render
from spbe.evaluation import charts, forms
from spbe.evaluation.integration import get_subject, group_of, list_subjects
from spbe.evaluation.national import GROUPS
from spbe.evaluation.service import national, views
from spbe.evaluation.service.instruments import current_instrument
from spbe.evaluation.suggestions import suggestions_for

router = APIRouter(prefix="/evaluation", include_in_schema=False, dependencies=[public])
Year = Annotated[int | None, Query(ge=2000, le=2100)]


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, year: Year = None) -> HTMLResponse:
    """The national picture of a year (the latest by default)."""
    years = national.final_years(session)
    if not years:
        return render(request, "evaluation/empty.html", {})
    chosen = year or years[-1]
    picture = national.picture(session, chosen)
    _, instrument = current_instrument(session)
    names = {s.code: s.name for s in list_subjects(session)}
    groups_heat = [(g, [i.by_group.get(g) for i in picture.indicators]) for g in GROUPS]
    context = {
        "picture": picture,
        "years": years,
        "instrument": instrument,
        "names": names,
        "radar": charts.radar(picture.domains, {d.code: d.name for d in instrument.domains}),
        "histogram": charts.histogram(picture.predikat_counts),
        "trend": charts.trend(national.trend(session)),
        "heatmap": charts.heatmap(groups_heat, instrument.numbers),
    }
    return render(request, "evaluation/dashboard.html", context)


@router.get("/heatmap", response_class=HTMLResponse)
def heatmap(request: Request, session: DbSession, year: Year = None, group: str = "province") -> HTMLResponse:
    """Indicators × agencies of one group, coloured by level."""
    if group not in GROUPS:
        raise NotFound(f"No agency group {group!r}; use one of {', '.join(GROUPS)}.")
    chosen = year or national.latest_year(session)
    _, instrument = current_instrument(session)
    names = {s.code: s.name for s in list_subjects(session)}
    agencies = [a for a in national.agencies_levels(session, chosen) if group_of(a.kind) == group]
    rows = [(names.get(a.code, a.code), [a.levels.get(n) for n in instrument.numbers]) for a in agencies]
    context = {"year": chosen, "group": group, "groups": GROUPS, "chart": charts.heatmap(rows, instrument.numbers)}
    return render(request, "evaluation/heatmap.html", context)


@router.get("/agencies/{agency_code}", response_class=HTMLResponse)
def agency(
    request: Request,
    agency_code: str,
    session: DbSession,
    viewer: Annotated[Principal | None, Depends(forms.viewer)],
    year: Year = None,
) -> HTMLResponse:
    """An agency's index, predikat, domain radar, levels, suggested evidence and history."""
    subject = get_subject(session, agency_code)
    history = views.history(session, subject.code)
    if not history:
        raise NotFound(f"{subject.name} has no final evaluation result yet.")
    chosen = year or history[-1].year
    result = views.final_assessment(session, subject.code, chosen)
    _, instrument = current_instrument(session)
    domains = {code: value for code, value in (result.score.domains.items() if result.score else [])}
    context = {
        "subject": subject,
        "result": result,
        "instrument": instrument,
        "history": history,
        "radar": charts.radar(
            {code: _decimal(v) for code, v in domains.items()}, {d.code: d.name for d in instrument.domains}
        ),
        "trend": charts.trend([(h.year, h.index) for h in history]),
        "suggestions": suggestions_for(session, subject.code),
        "change": next((h.change for h in history if h.year == chosen), {}),
        "actions": forms.actions_for(viewer, subject.code),
    }
    return render(request, "evaluation/agency.html", context)


def _decimal(value: str) -> Decimal:
    return Decimal(value)
