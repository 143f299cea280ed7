"""JSON API of the evaluation under ``/api/v1/evaluation``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from spbe.core.deps import AppSettings, DbSession
from spbe.core.errors import NotFound
from spbe.core.security import Authenticated, public
from spbe.evaluation import exports, repository
from spbe.evaluation.integration import get_subject, list_subjects
from spbe.evaluation.models import EvaluationCycle
from spbe.evaluation.national import NationalPicture
from spbe.evaluation.schemas import AssessmentOut, EvidenceLinkIn, EvidenceOut, ReviewIn, SelfAssessmentIn
from spbe.evaluation.service import access, cycle, evidence, national, periods, views
from spbe.evaluation.service.instruments import current_instrument, instrument_by_id
from spbe.evaluation.suggestions import Suggestion, suggestions_for

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])
ASSESSMENT = "/assessments/{agency_code}/{year}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/instruments/current", dependencies=[public])
def get_current_instrument(session: DbSession) -> dict[str, Any]:
    """The instrument in use: domains, aspects, indicators with weights, level scales and predikat bands."""
    row, _ = current_instrument(session)
    return {"code": row.code, "version": row.version, "title": row.title, "definition": row.definition}


def _cycle_json(row: EvaluationCycle) -> dict[str, Any]:
    return {
        "year": row.year,
        "status": row.status,
        "opened_at": row.opened_at.isoformat(),
        "closed_at": None if row.closed_at is None else row.closed_at.isoformat(),
    }


@router.get("/cycles", dependencies=[public])
def get_cycles(session: DbSession) -> list[dict[str, Any]]:
    """Every evaluation cycle (year, open or closed); closed years are the published ones."""
    return [_cycle_json(row) for row in repository.list_cycles(session)]


@router.post("/cycles/{year}/open", status_code=201)
def post_cycle_open(year: int, session: DbSession, principal: Authenticated) -> dict[str, Any]:
    """Open a year's cycle (coordinator, ``evaluation:admin``): agencies may then assess themselves."""
    return _cycle_json(periods.open_cycle(session, principal, year))


@router.post("/cycles/{year}/close")
def post_cycle_close(year: int, session: DbSession, principal: Authenticated) -> dict[str, Any]:
    """Close a year's cycle (coordinator): its final results are published; unfinished ones stay out."""
    row, counts = periods.close_cycle(session, principal, year)
    return {**_cycle_json(row), "final": counts.final, "unfinished": counts.draft + counts.submitted}


@router.get("/cycles/{year}/coverage")
def get_cycle_coverage(year: int, session: DbSession, principal: Authenticated) -> dict[str, Any]:
    """How far a year's cycle has come (assessors and the coordinator)."""
    rule = access.require_cycle_reader
    access.guarded(session, principal, lambda: rule(principal), "cycle-read", str(year), periods.OBJECT_TYPE)
    counts = periods.coverage(session, year, len(list_subjects(session)))
    return {**asdict(counts), "started": counts.started}


@router.get(ASSESSMENT)
def get_assessment(agency_code: str, year: int, session: DbSession, principal: Authenticated) -> AssessmentOut:
    """An assessment in any state (agency staff, assessors, coordinator)."""
    return views.assessment_for(session, principal, agency_code, year)


@router.put(ASSESSMENT + "/levels")
def put_levels(
    agency_code: str, year: int, body: SelfAssessmentIn, session: DbSession, principal: Authenticated
) -> AssessmentOut:
    """Self-assessment: the agency's levels and justifications (all or nothing)."""
    assessment = cycle.self_assess(session, principal, agency_code, year, body.items)
    return views.describe(session, assessment)


@router.post(ASSESSMENT + "/evidence/links", status_code=201)
def post_evidence_link(
    agency_code: str, year: int, body: EvidenceLinkIn, session: DbSession, principal: Authenticated
) -> EvidenceOut:
    row = evidence.add_link(session, principal, agency_code, year, body.indicator, body.url)
    return views.evidence_out(row)


@router.post(ASSESSMENT + "/evidence/files", status_code=201)
async def post_evidence_file(
    agency_code: str,
    year: int,
    indicator: Annotated[int, Form()],
    file: Annotated[UploadFile, File()],
    session: DbSession,
    principal: Authenticated,
    settings: AppSettings,
) -> EvidenceOut:
    """An evidence file: PDF, PNG, JPEG, XLSX or DOCX (by content), at most 10 MB."""
    content = await file.read(evidence.MAX_EVIDENCE_BYTES + 1)
    upload = (file.filename or "evidence", content)
    row = evidence.add_file(session, principal, (agency_code, year), indicator, upload, settings.data_dir)
    return views.evidence_out(row)


@router.post(ASSESSMENT + "/submit")
def post_submit(agency_code: str, year: int, session: DbSession, principal: Authenticated) -> AssessmentOut:
    return views.describe(session, cycle.submit(session, principal, agency_code, year))


@router.put(ASSESSMENT + "/review")
def put_review(
    agency_code: str, year: int, body: ReviewIn, session: DbSession, principal: Authenticated
) -> AssessmentOut:
    """The assessor's validated levels and notes (all or nothing)."""
    return views.describe(session, cycle.review(session, principal, agency_code, year, body.items))


@router.post(ASSESSMENT + "/finalize")
def post_finalize(agency_code: str, year: int, session: DbSession, principal: Authenticated) -> AssessmentOut:
    return views.describe(session, cycle.finalize(session, principal, agency_code, year))


@router.get(ASSESSMENT + "/suggestions")
def get_suggestions(agency_code: str, year: int, session: DbSession, principal: Authenticated) -> list[dict[str, Any]]:
    """Evidence suggested from the platform's records, each citing the records used."""
    views.assessment_for(session, principal, agency_code, year)
    return [_suggestion(s) for s in suggestions_for(session, agency_code)]


def _suggestion(suggestion: Suggestion) -> dict[str, Any]:
    return asdict(suggestion)


@router.get("/results/{agency_code}", dependencies=[public])
def get_results(agency_code: str, session: DbSession) -> list[dict[str, Any]]:
    """An agency's final results across years, with the change per indicator."""
    get_subject(session, agency_code)
    return [
        {
            "year": r.year,
            "index": f"{r.index:.2f}",
            "predikat": r.predikat,
            "domains": {code: f"{value:.2f}" for code, value in r.domains.items()},
            "levels": r.levels,
            "change": r.change,
        }
        for r in views.history(session, agency_code)
    ]


@router.get("/results/{agency_code}/{year}", dependencies=[public])
def get_final_result(agency_code: str, year: int, session: DbSession) -> AssessmentOut:
    return views.final_assessment(session, agency_code, year)


@router.get("/results/{agency_code}/{year}/report.{fmt}", dependencies=[public])
def get_report(agency_code: str, year: int, fmt: str, session: DbSession) -> Response:
    """One agency's report as pdf, csv or xlsx."""
    content, media_type = agency_report(session, agency_code, year, fmt)
    filename = f"evaluasi-spbe-{agency_code}-{year}.{fmt}"
    return Response(content, media_type=media_type, headers=_attachment(filename))


def agency_report(session: DbSession, agency_code: str, year: int, fmt: str) -> tuple[bytes, str]:
    result = views.final_assessment(session, agency_code, year)
    if fmt == "pdf":
        subject = get_subject(session, agency_code)
        assessment = cycle.get_assessment(session, agency_code, year)
        return exports.agency_pdf(result, subject.name, instrument_by_id(session, assessment.instrument_id)), (
            "application/pdf"
        )
    table = exports.agency_table(result)
    return _table_export(table, fmt, f"{agency_code} {year}")


def _table_export(table: exports.Table, fmt: str, title: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return exports.to_csv(table), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        return exports.to_xlsx(table, title), XLSX
    raise NotFound(f"No export format {fmt!r}; use pdf, csv or xlsx.")


def _attachment(filename: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{filename}"'}


def picture_json(picture: NationalPicture, names: dict[str, str]) -> dict[str, Any]:
    return {
        "year": picture.year,
        "instrument": f"{picture.instrument.code}@{picture.instrument.version}",
        "index": None if picture.index is None else f"{picture.index:.2f}",
        "predikat": picture.predikat,
        "previous_index": None if picture.previous_index is None else f"{picture.previous_index:.2f}",
        "agencies": len(picture.agencies),
        "domains": {code: f"{value:.2f}" for code, value in picture.domains.items()},
        "groups": [{"group": g.group, "count": g.count, "index": g.index and f"{g.index:.2f}"} for g in picture.groups],
        "predikat_counts": picture.predikat_counts,
        "previous_instrument": None
        if picture.previous_instrument is None
        else f"{picture.previous_instrument.code}@{picture.previous_instrument.version}",
        "indicator_movement": {str(n): f"{v:+.2f}" for n, v in picture.indicator_movement.items()},
        "not_compared": list(picture.not_compared),
        "weakest_indicators": [
            {"indicator": i.number, "name": i.name, "mean_level": f"{i.mean_level:.2f}"} for i in picture.weakest()
        ],
        "ranking": [
            {
                "rank": n,
                "agency_code": a.code,
                "name": names.get(a.code, a.code),
                "index": f"{a.index:.2f}",
                "predikat": a.predikat,
                "change": _change(picture, a.code),
            }
            for n, a in enumerate(picture.ranking, start=1)
        ],
    }


def _change(picture: NationalPicture, code: str) -> str | None:
    change = picture.movement.get(code)
    return None if change is None else f"{change:+.2f}"


@router.get("/national/{year}", dependencies=[public])
def get_national(year: int, session: DbSession) -> dict[str, Any]:
    """National index, distribution by agency type, ranking, weakest indicators, year-on-year movement."""
    names = {s.code: s.name for s in list_subjects(session)}
    return picture_json(national.published_picture(session, year), names)


@router.get("/national/{year}/export.{fmt}", dependencies=[public])
def get_national_export(year: int, fmt: str, session: DbSession) -> Response:
    names = {s.code: s.name for s in list_subjects(session)}
    table = exports.national_table(national.published_picture(session, year), names)
    content, media_type = _table_export(table, fmt, f"Indeks SPBE {year}")
    return Response(content, media_type=media_type, headers=_attachment(f"indeks-spbe-{year}.{fmt}"))
