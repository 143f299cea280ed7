"""The coordinator's cycle controls on the dashboard: open a year's cycle, close (publish) an open one.

Assessors and the coordinator see each open cycle "in progress" with its coverage; only the coordinator
(``evaluation:admin``) gets the buttons. POSTs carry the double-submit CSRF token (``core.csrf``) and call
the same service as the API and the CLI (``service.periods``), so refusals are the service's (403, 409).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from spbe.core import csrf
from spbe.core.deps import DbSession
from spbe.core.errors import FieldError, Forbidden, ValidationFailed
from spbe.core.security import Authenticated, Principal
from spbe.evaluation.integration import list_subjects
from spbe.evaluation.service import access, periods

router = APIRouter(prefix="/evaluation/cycles", include_in_schema=False)


def _allowed(rule: Any, principal: Principal | None) -> bool:
    if principal is None:
        return False
    try:
        rule(principal)
    except Forbidden:
        return False
    return True


def cycles_context(request: Request, session: Session, viewer: Principal | None) -> dict[str, Any]:
    """What the dashboard shows about cycles in progress: nothing to the public; coverage per open cycle to
    assessors and the coordinator; the open/close buttons (with a CSRF token) to the coordinator."""
    if not _allowed(access.require_cycle_reader, viewer):
        return {"cycles_in_progress": None, "coordinator": False}
    agencies = len(list_subjects(session))
    open_years = periods.open_years(session)
    known = periods.open_years(session) + periods.closed_years(session)
    return {
        "cycles_in_progress": [periods.coverage(session, year, agencies) for year in open_years],
        "coordinator": _allowed(access.require_admin, viewer),
        "next_cycle_year": max(known) + 1 if known else None,
        "csrf_field": csrf.FIELD,
        "csrf_token": csrf.token_for(request),
    }


def with_csrf_cookie(response: Response, request: Request, context: dict[str, Any]) -> Response:
    if context.get("coordinator"):
        csrf.set_cookie(response, context["csrf_token"], request)
    return response


@router.post("/open")
async def open_from_page(request: Request, session: DbSession, principal: Authenticated) -> Response:
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD))
    raw = str(form.get("year", "")).strip()
    if not raw.isdigit():
        message = f"year {raw!r} is not a year"
        raise ValidationFailed(message, errors=[FieldError("year", message)])
    periods.open_cycle(session, principal, int(raw))
    return RedirectResponse("/evaluation", status_code=303)


@router.post("/{year}/close")
async def close_from_page(request: Request, year: int, session: DbSession, principal: Authenticated) -> Response:
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD))
    periods.close_cycle(session, principal, year)
    return RedirectResponse(f"/evaluation?year={year}", status_code=303)
