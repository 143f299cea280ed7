"""HTML forms of the assessment cycle: the agency's self-assessment and the assessor's review.

Pages under ``/evaluation/agencies/{code}/{year}/…`` call the same service layer as the JSON API
(``service.cycle``), so the rules, the all-or-nothing saves and the audit trail are the API's.

The pages declare ``Authenticated`` and the public agency page reads ``optional_principal`` (both from
``core.security``, which accepts the staff sign-in). POSTs carry a double-submit CSRF token
(``core.csrf``). A refused save is rolled back to a savepoint, so the database is exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from spbe.core import csrf
from spbe.core.deps import AppSettings, DbSession
from spbe.core.errors import Forbidden, ValidationFailed
from spbe.core.i18n import gettext as _
from spbe.core.security import Authenticated, Principal, optional_principal
from spbe.core.templating import render
from spbe.evaluation import evidence_forms, repository
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.integration import get_subject
from spbe.evaluation.schemas import AssessmentOut, LevelEntry, ReviewEntry
from spbe.evaluation.service import access, cycle, evidence, periods, views
from spbe.evaluation.service.instruments import instrument_by_id, instrument_for_year
from spbe.evaluation.service.views import CycleYear
from spbe.evaluation.suggestions import suggestions_for

router = APIRouter(prefix="/evaluation/agencies/{agency_code}/{year}", include_in_schema=False)
MAX_TEXT = 10_000


@dataclass(frozen=True)
class PageError:
    """One GOV.UK error: the field's id (for the summary's link) and the message."""

    field: str
    message: str


@dataclass(frozen=True)
class Row:
    number: int
    name: str
    options: list[tuple[int, str]]
    level: str
    text: str
    self_level: int | None = None
    justification: str | None = None


def viewer(request: Request) -> Principal | None:
    """The caller when a valid bearer token came with the request, else ``None`` (for public pages)."""
    return optional_principal(request)


def actions_for(principal: Principal | None, agency_code: str, years: list[CycleYear]) -> list[tuple[str, str]]:
    """Links (label, url) to the forms the viewer may use now: self-assessment while a year is a draft (or
    not started), review once it is submitted."""
    if principal is None:
        return []
    links: list[tuple[str, str]] = []
    for entry in years:
        base = _base(agency_code, entry.year)
        if entry.status in (None, "draft") and _may(access.require_self_assessor, principal, agency_code):
            label = (
                _("Fill in the self-assessment for %(year)s")
                if entry.status is None
                else _("Continue the self-assessment for %(year)s")
            )
            links.append((label % {"year": entry.year}, base + "/self-assessment"))
        if entry.status == "submitted" and _may(access.require_assessor, principal, agency_code):
            links.append((_("Review the self-assessment for %(year)s") % {"year": entry.year}, base + "/review"))
    return links


def may_see_progress(principal: Principal | None, agency_code: str) -> bool:
    """Drafts and submitted self-assessments are shown to the agency's staff, assessors and the coordinator."""
    return principal is not None and _may(access.require_reader, principal, agency_code)


def _may(rule: Callable[[Principal, str], None], principal: Principal, agency_code: str) -> bool:
    try:
        rule(principal, agency_code)
    except Forbidden:
        return False
    return True


def _guard(session: Session, principal: Principal, agency_code: str, year: int, *, assessor: bool) -> None:
    rule = access.require_assessor if assessor else access.require_self_assessor
    action = "review" if assessor else "self-assess"
    cycle.guarded(session, principal, lambda: rule(principal, agency_code), action, cycle.object_id(agency_code, year))


def _state(session: Session, agency_code: str, year: int) -> tuple[Instrument, AssessmentOut | None]:
    assessment = repository.find_assessment(session, agency_code, year)
    if assessment is None:
        return instrument_for_year(session, year)[1], None
    return instrument_by_id(session, assessment.instrument_id), views.describe(session, assessment)


def _options(instrument: Instrument, number: int) -> list[tuple[int, str]]:
    scale = instrument.scale(instrument.by_number[number].scale)
    return [(level.level, level.name) for level in scale.levels]


def _rows(
    instrument: Instrument, current: AssessmentOut | None, values: dict[int, tuple[str, str]] | None, *, review: bool
) -> list[Row]:
    items = {item.indicator: item for item in current.items} if current else {}
    rows = []
    for number in instrument.numbers:
        item = items.get(number)
        if values is not None:
            level, text = values.get(number, ("", ""))
        elif item is None:
            level, text = "", ""
        elif review:
            chosen = item.validated_level or item.self_level
            level, text = ("" if chosen is None else str(chosen)), item.assessor_note or ""
        else:
            level, text = ("" if item.self_level is None else str(item.self_level)), item.justification or ""
        rows.append(
            Row(
                number=number,
                name=instrument.by_number[number].name,
                options=_options(instrument, number),
                level=level,
                text=text,
                self_level=None if item is None else item.self_level,
                justification=None if item is None else item.justification,
            )
        )
    return rows


def _parse(
    form: FormData, instrument: Instrument, text_field: str, *, allow_no_level: bool = False
) -> tuple[dict[int, tuple[str, str]], list[PageError]]:
    """Submitted values per indicator, and the errors that need no service (not a level of the indicator's
    scale, too long), every row at once; ``allow_no_level`` when the form brings evidence only."""
    values: dict[int, tuple[str, str]] = {}
    errors: list[PageError] = []
    for number in instrument.numbers:
        raw, text = str(form.get(f"level-{number}", "")).strip(), str(form.get(f"{text_field}-{number}", "")).strip()
        values[number] = (raw, text)
        name = instrument.by_number[number].name
        on_scale = {value for value, _name in _options(instrument, number)}
        if raw and (not raw.isdigit() or int(raw) not in on_scale):  # every bad row at once, not in two rounds
            errors.append(PageError(f"level-{number}", _level_message(instrument, number, name)))
        if text and not raw:
            message = _("%(number)s. %(name)s: choose a level to save this text") % {"number": number, "name": name}
            errors.append(PageError(f"level-{number}", message))
        if len(text) > MAX_TEXT:
            message = _("%(number)s. %(name)s: the text must be at most %(max)s characters") % {
                "number": number,
                "name": name,
                "max": MAX_TEXT,
            }
            errors.append(PageError(f"{text_field}-{number}", message))
    if not errors and not allow_no_level and not any(raw for raw, _text in values.values()):
        first = instrument.numbers[0]
        errors.append(PageError(f"level-{first}", _("Choose a level for at least one indicator")))
    return values, errors


def _level_message(instrument: Instrument, number: int, name: str) -> str:
    return _("%(number)s. %(name)s: choose a level from %(low)s to %(high)s") % {
        "number": number,
        "name": name,
        "low": instrument.min_level,
        "high": instrument.max_level,
    }


def _service_errors(exc: ValidationFailed, instrument: Instrument, numbers: list[int]) -> list[PageError]:
    """The service's field errors, pointed at the form's fields and named by indicator."""
    errors = []
    for error in exc.errors:
        if error.row is not None and error.row < len(numbers):
            number = numbers[error.row]
            errors.append(
                PageError(f"level-{number}", _level_message(instrument, number, instrument.by_number[number].name))
            )
        else:
            errors.append(PageError("", error.message))
    return errors or [PageError("", exc.detail)]


def _missing_error(instrument: Instrument, number: int) -> PageError:
    name = instrument.by_number[number].name
    return PageError("", _("%(number)s. %(name)s: no level chosen") % {"number": number, "name": name})


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    token = csrf.token_for(request)
    response = render(request, template, {**context, "csrf_field": csrf.FIELD, "csrf_token": token}, status_code)
    csrf.set_cookie(response, token, request)
    return response


def _base(agency_code: str, year: int) -> str:
    return f"/evaluation/agencies/{agency_code}/{year}"


def _form_context(session: Session, agency_code: str, year: int, *, review: bool, **extra: Any) -> dict[str, Any]:
    instrument, current = _state(session, agency_code, year)
    values: dict[int, tuple[str, str]] | None = extra.pop("values", None)
    links: dict[int, str] = extra.pop("links", {})
    return {
        "subject": get_subject(session, agency_code),
        "year": year,
        "base": _base(agency_code, year),
        "instrument": instrument,
        "assessment": current,
        "rows": _rows(instrument, current, values, review=review),
        "suggestions": {s.indicator: s for s in suggestions_for(session, agency_code)} if review else {},
        "errors": [],
        "cycle_open": periods.is_open(session, year),
        "links": links,
        "evidence": evidence_forms.by_indicator(current.evidence if current else []),
        **extra,
    }


@router.get("/self-assessment", response_class=HTMLResponse)
def self_assessment_form(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated, saved: bool = False
) -> HTMLResponse:
    """One row per indicator: a level of its scale and a justification; saved as a draft."""
    _guard(session, principal, agency_code, year, assessor=False)
    context = _form_context(session, agency_code, year, review=False, saved=saved)
    return _page(request, "evaluation/self_assessment.html", context)


@router.post("/self-assessment", response_class=HTMLResponse)
async def self_assessment_save(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated, settings: AppSettings
) -> Response:
    """Levels, justifications and evidence (a file and a link per indicator), all checked first, all saved
    or none."""
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD))
    _guard(session, principal, agency_code, year, assessor=False)
    instrument, _current = _state(session, agency_code, year)
    found, evidence_errors = await evidence_forms.parse(form, instrument)
    values, errors = _parse(form, instrument, "justification", allow_no_level=bool(found))
    errors += [PageError(e.field, e.message) for e in evidence_errors]
    if not errors:
        numbers = [n for n, (raw, _text) in values.items() if raw]
        entries = [
            LevelEntry(indicator=n, level=int(values[n][0]), justification=values[n][1] or None) for n in numbers
        ]
        try:
            with session.begin_nested():  # a refusal rolls back to here: nothing half-written
                if entries:
                    cycle.self_assess(session, principal, agency_code, year, entries)
                evidence_forms.save(session, principal, (agency_code, year), found, settings.data_dir)
        except ValidationFailed as exc:
            errors = _service_errors(exc, instrument, numbers)
    return _after_save(request, session, form, agency_code, year, "self-assessment", values, errors)


def _after_save(
    request: Request,
    session: Session,
    form: FormData,
    agency_code: str,
    year: int,
    step: str,
    values: dict[int, tuple[str, str]],
    errors: list[PageError],
) -> Response:
    """After saving a step's form: the form again with its errors (422), else the check page or a banner."""
    review = step == "review"
    if errors:
        links = {n: str(form.get(f"evidence-link-{n}") or "") for n in values}
        context = _form_context(session, agency_code, year, review=review, values=values, errors=errors, links=links)
        template = "evaluation/review.html" if review else "evaluation/self_assessment.html"
        return _page(request, template, context, status_code=422)
    follow = "/check" if form.get("action") == "continue" else "?saved=true"
    return RedirectResponse(f"{_base(agency_code, year)}/{step}{follow}", status_code=303)


@router.get("/self-assessment/check", response_class=HTMLResponse)
def self_assessment_check(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated
) -> HTMLResponse:
    """Check your answers before submitting to the assessors."""
    _guard(session, principal, agency_code, year, assessor=False)
    return _page(request, "evaluation/self_assessment_check.html", _check_context(session, agency_code, year))


def _check_context(session: Session, agency_code: str, year: int, **extra: Any) -> dict[str, Any]:
    context = _form_context(session, agency_code, year, review=False, **extra)
    current: AssessmentOut | None = context["assessment"]
    context["missing"] = list(current.missing) if current else list(context["instrument"].numbers)
    return context


@router.post("/self-assessment/submit", response_class=HTMLResponse)
async def self_assessment_submit(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated
) -> HTMLResponse:
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD))
    try:
        with session.begin_nested():
            cycle.submit(session, principal, agency_code, year)
    except ValidationFailed:
        instrument, _current = _state(session, agency_code, year)
        missing = cycle.missing_indicators(session, cycle.get_assessment(session, agency_code, year))
        errors = [_missing_error(instrument, number) for number in missing]
        context = _check_context(session, agency_code, year, errors=errors)
        return _page(request, "evaluation/self_assessment_check.html", context, status_code=422)
    context = _form_context(session, agency_code, year, review=False, title=_("Self-assessment submitted"))
    return render(request, "evaluation/confirmation.html", context)


@router.get("/review", response_class=HTMLResponse)
def review_form(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated, saved: bool = False
) -> HTMLResponse:
    """The agency's levels and justifications; the assessor's validated level and note per indicator."""
    _guard(session, principal, agency_code, year, assessor=True)
    cycle.get_assessment(session, agency_code, year)
    context = _form_context(session, agency_code, year, review=True, saved=saved)
    return _page(request, "evaluation/review.html", context)


@router.post("/review", response_class=HTMLResponse)
async def review_save(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated
) -> Response:
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD))
    _guard(session, principal, agency_code, year, assessor=True)
    instrument, _current = _state(session, agency_code, year)
    values, errors = _parse(form, instrument, "note")
    if not errors:
        numbers = [n for n, (raw, _text) in values.items() if raw]
        entries = [ReviewEntry(indicator=n, level=int(values[n][0]), note=values[n][1] or None) for n in numbers]
        try:
            with session.begin_nested():
                cycle.review(session, principal, agency_code, year, entries)
        except ValidationFailed as exc:
            errors = _service_errors(exc, instrument, numbers)
    return _after_save(request, session, form, agency_code, year, "review", values, errors)


@router.get("/review/check", response_class=HTMLResponse)
def review_check(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated
) -> HTMLResponse:
    """Check the validated levels before finalizing (which locks the result)."""
    _guard(session, principal, agency_code, year, assessor=True)
    cycle.get_assessment(session, agency_code, year)
    context = _form_context(session, agency_code, year, review=True)
    return _page(request, "evaluation/review_check.html", context)


@router.post("/review/finalize", response_class=HTMLResponse)
async def review_finalize(
    request: Request, agency_code: str, year: int, session: DbSession, principal: Authenticated
) -> HTMLResponse:
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD))
    cycle.finalize(session, principal, agency_code, year)
    context = _form_context(session, agency_code, year, review=True, title=_("Evaluation finalized"))
    return render(request, "evaluation/confirmation.html", context)


@router.get("/evidence/{evidence_id}")
def evidence_download(
    agency_code: str, year: int, evidence_id: int, session: DbSession, principal: Authenticated, settings: AppSettings
) -> Response:
    """An evidence file as an attachment with its checked content type (agency staff, assessors, coordinator)."""
    row, content = evidence.evidence_file(session, principal, (agency_code, year), evidence_id, settings.data_dir)
    headers = evidence_forms.attachment_headers(row.filename or f"evidence-{row.id}")
    return Response(content, media_type=row.content_type or "application/octet-stream", headers=headers)
