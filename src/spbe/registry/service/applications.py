"""Applications (aplikasi): checking, writing with authorization and change log, reading, searching.

The same checks serve the API and the bulk import: ``resolve`` turns an ``ApplicationIn`` into table
values and reports every unknown code (agency, category, affair, hosting, data set) by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from spbe.core.security import Principal
from spbe.registry import normalize
from spbe.registry.duplicates import service as duplicates
from spbe.registry.duplicates.schemas import CheckIn, CheckOut
from spbe.registry.models import Application, ApplicationKind, LifecycleStatus, ServiceArea
from spbe.registry.repository import applications as repository
from spbe.registry.repository.applications import ApplicationFilter
from spbe.registry.schemas.catalogue import (
    ApplicationCreated,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ApplicationPatch,
    ChangeOut,
    IntegrationOut,
    time_disposition,
)
from spbe.registry.service import access, changes, fuzzy, lookups, redaction
from spbe.registry.service.lookups import Lookups

OBJECT_TYPE = "application"
COLUMNS = [
    "code",
    "name",
    "acronym",
    "description",
    "agency_code",
    "kind",
    "wali_agency_code",
    "category",
    "affairs",
    "service_area",
    "status",
    "hosting",
    "technology",
    "url",
    "users",
    "functional_fit",
    "technical_fit",
    "datasets",
]
CONFIDENTIAL = ("hosting", "technology")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Resolved:
    """An application's table values and links, ready to write."""

    values: dict[str, Any]
    affairs: list[str]
    dataset_ids: list[int]


def resolve(record: ApplicationIn, known: Lookups) -> tuple[Resolved | None, list[tuple[str, str]]]:
    """Table values for ``record``, or the (column, reason) of every unknown code."""
    problems: list[tuple[str, str]] = []
    agency_id = _known(known.agencies, record.agency_code, "agency_code", "agency code", problems)
    wali_id = _known(known.agencies, record.wali_agency_code, "wali_agency_code", "agency code", problems)
    hosting_id = _known(known.infrastructure, record.hosting, "hosting", "infrastructure code", problems)
    if record.category is not None and record.category not in known.categories:
        problems.append(
            ("category", f"unknown application category {record.category!r} (use RAA.1.1, RAA.1.2, RAA.2.1, RAA.2.2)")
        )
    problems += [
        ("affairs", f"unknown affair (urusan) code {code!r}") for code in record.affairs if code not in known.affairs
    ]
    problems += [
        ("datasets", f"unknown data set code {code!r}") for code in record.datasets if code not in known.datasets
    ]
    if record.kind is ApplicationKind.umum and record.wali_agency_code is None:
        problems.append(("wali_agency_code", "an Aplikasi Umum needs its wali layanan agency"))
    if problems:
        return None, problems
    values = _values(record, agency_id, wali_id, hosting_id)
    return Resolved(values, sorted(set(record.affairs)), sorted({known.datasets[c] for c in record.datasets})), []


def _known(
    table: Mapping[str, int], code: str | None, column: str, what: str, problems: list[tuple[str, str]]
) -> int | None:
    if code is None:
        return None
    if code not in table:
        problems.append((column, f"unknown {what} {code!r}"))
        return None
    return table[code]


def _values(
    record: ApplicationIn, agency_id: int | None, wali_id: int | None, hosting_id: int | None
) -> dict[str, Any]:
    return {
        "code": record.code,
        "name": record.name,
        "acronym": record.acronym,
        "description": record.description,
        "owner_agency_id": agency_id,
        "kind": record.kind.value,
        "wali_agency_id": wali_id,
        "category_code": record.category,
        "service_area": record.service_area.value if record.service_area else None,
        "status": record.status.value,
        "hosting_id": hosting_id,
        "technology": record.technology,
        "url": record.url,
        "user_count": record.users,
        "functional_fit": record.functional_fit,
        "technical_fit": record.technical_fit,
        "search_text": normalize.search_text(record.code, record.acronym, record.name, record.description),
        "name_key": normalize.search_key(record.name)[:200],
        "acronym_key": normalize.compact_key(record.acronym)[:60],
    }


def snapshot(record: ApplicationIn) -> dict[str, Any]:
    """The flat, comparable form of an application (the import/export row with lists)."""
    data = record.model_dump(mode="json")
    data["affairs"] = sorted(set(data["affairs"]))
    data["datasets"] = sorted(set(data["datasets"]))
    return data


def record_of(row: Row[Any], affairs: list[str], datasets: list[str]) -> ApplicationIn:
    """The ``ApplicationIn`` an application row stands for (what a re-import would compare with)."""
    app: Application = row.Application
    return ApplicationIn.model_construct(
        code=app.code,
        name=app.name,
        acronym=app.acronym,
        description=app.description,
        agency_code=row.agency_code,
        kind=ApplicationKind(app.kind),
        wali_agency_code=row.wali_agency_code,
        category=app.category_code,
        affairs=affairs,
        service_area=ServiceArea(app.service_area) if app.service_area else None,
        status=LifecycleStatus(app.status),
        hosting=row.hosting_code,
        technology=app.technology,
        url=app.url,
        users=app.user_count,
        functional_fit=app.functional_fit,
        technical_fit=app.technical_fit,
        datasets=datasets,
    )


def to_out(row: Row[Any], affairs: list[str], datasets: list[str], reader: Principal | None) -> ApplicationOut:
    app: Application = row.Application
    confidential = access.can_read_confidential(reader, row.agency_code)
    internal = app.service_area != "publik"
    return ApplicationOut(
        id=app.id,
        code=app.code,
        name=app.name,
        acronym=app.acronym,
        description=app.description,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        agency_kind=row.agency_kind,
        province_code=row.province_code,
        kind=app.kind,
        wali_agency_code=row.wali_agency_code,
        category=app.category_code,
        affairs=affairs,
        service_area=app.service_area,
        status=app.status,
        hosting=row.hosting_code if confidential else None,
        technology=app.technology if confidential else None,
        url=app.url if confidential or not internal else None,
        users=app.user_count,
        functional_fit=app.functional_fit,
        technical_fit=app.technical_fit,
        time=time_disposition(app.functional_fit, app.technical_fit),
        datasets=datasets,
        version=app.version,
        updated_at=app.updated_at,
    )


def _load_row(session: Session, code: str) -> Row[Any]:
    row = repository.get_row(session, code)
    if row is None:
        raise NotFound(f"There is no application with code {code!r}.")
    return row


def _links(session: Session, application_id: int) -> tuple[list[str], list[str]]:
    affairs = repository.affairs_of(session, [application_id]).get(application_id, [])
    datasets = repository.datasets_of(session, [application_id]).get(application_id, [])
    return affairs, datasets


def get(session: Session, code: str, reader: Principal | None = None) -> ApplicationOut:
    """One application; confidential fields only for staff and coordinators."""
    row = _load_row(session, code)
    return to_out(row, *_links(session, row.Application.id), reader)


def current_record(session: Session, code: str) -> ApplicationIn:
    row = _load_row(session, code)
    return record_of(row, *_links(session, row.Application.id))


def search(
    session: Session,
    *,
    q: str | None = None,
    where: ApplicationFilter | None = None,
    page: int = 1,
    per_page: int = 20,
    reader: Principal | None = None,
) -> ApplicationPage:
    """Applications matching every filter and every word of ``q`` (name, acronym, code, description).

    When nothing matches, the words are corrected against the names' vocabulary (``fuzzy``) and the
    corrected query is searched instead; the page then names it in ``corrected_query``.
    """
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    base = where or ApplicationFilter()
    tokens = tuple(normalize.query_tokens(q or ""))
    phrase = normalize.search_key(q)
    result = _search_page(session, base, tokens, phrase, page, per_page, reader)
    if result.total or not tokens:
        return result
    corrected = fuzzy.correct(session, tokens)
    if corrected is None:
        return result
    fixes = dict(zip(tokens, corrected, strict=True))
    phrase = " ".join(fixes.get(word, word) for word in phrase.split())
    found = _search_page(session, base, corrected, phrase, page, per_page, reader)
    return found.model_copy(update={"corrected_query": phrase}) if found.total else result


def _search_page(
    session: Session,
    base: ApplicationFilter,
    tokens: tuple[str, ...],
    phrase: str,
    page: int,
    per_page: int,
    reader: Principal | None,
) -> ApplicationPage:
    narrowed = ApplicationFilter(
        **{**base.__dict__, "tokens": tokens, "compact": phrase.replace(" ", ""), "phrase": phrase}
    )
    rows, total = repository.search(session, narrowed, limit=per_page, offset=(max(page, 1) - 1) * per_page)
    ids = [row.Application.id for row in rows]
    affairs, datasets = repository.affairs_of(session, ids), repository.datasets_of(session, ids)
    items = [to_out(row, affairs.get(i, []), datasets.get(i, []), reader) for row, i in zip(rows, ids, strict=True)]
    return ApplicationPage(items=items, total=total, page=max(page, 1), per_page=per_page)


def list_applications(session: Session, *, agency_code: str | None = None) -> list[ApplicationOut]:
    """Every application of one agency (public fields), for other modules (e.g. the evaluation)."""
    rows = repository.rows_for_agency(session, agency_code)
    ids = [row.Application.id for row in rows]
    affairs, datasets = repository.affairs_of(session, ids), repository.datasets_of(session, ids)
    return [to_out(row, affairs.get(i, []), datasets.get(i, []), None) for row, i in zip(rows, ids, strict=True)]


def _checked(session: Session, record: ApplicationIn) -> Resolved:
    resolved, problems = resolve(record, lookups.load(session))
    if resolved is None:
        errors = [FieldError(column, message) for column, message in problems]
        raise ValidationFailed(f"The application {record.code} has {len(errors)} problem(s).", errors=errors)
    return resolved


def duplicate_check(session: Session, record: ApplicationIn) -> CheckOut:
    """The duplicate finder's closest existing applications to ``record`` (run before it is stored).

    The proposal is cut to the check's limits (a valid application is never refused for them).
    """
    proposal = CheckIn(
        name=record.name.ljust(2),  # a one-letter name still gets its (weak) check
        acronym=record.acronym,
        description=record.description[:4000] if record.description else None,
        affairs=record.affairs[:20],
        agency_code=record.agency_code,
        category=record.category,
        service_area=record.service_area.value if record.service_area else None,
        limit=5,
    )
    return duplicates.check(session, proposal)


def create(
    session: Session, actor: Principal, record: ApplicationIn, *, check_duplicates: bool = True
) -> ApplicationCreated:
    """Register a new application; staff only for their own agency.

    The duplicate check runs first (on the applications stored before this one) and comes back with the
    record: a duplicate is reported, not refused — the agency may have reasons, and the consolidation
    plan deals with it.
    """
    access.require_write(
        session,
        actor,
        action="registry.application.create",
        object_type=OBJECT_TYPE,
        object_id=record.code,
        owners=[record.agency_code],
    )
    if repository.get(session, record.code) is not None:
        raise Conflict(f"An application with code {record.code!r} already exists.")
    resolved = _checked(session, record)
    check = duplicate_check(session, record) if check_duplicates else None
    [ident] = repository.insert_many(session, [resolved.values])
    repository.replace_links(session, {ident: resolved.affairs}, {ident: resolved.dataset_ids})
    changes.record(
        session, actor, object_type=OBJECT_TYPE, code=record.code, action="create", before=None, after=snapshot(record)
    )
    return ApplicationCreated(**get(session, record.code, actor).model_dump(), duplicate_check=check)


def update(session: Session, actor: Principal, code: str, patch: ApplicationPatch) -> ApplicationOut:
    """Change the given fields; refused with 409 when ``patch.version`` is not the current version."""
    current = current_record(session, code)
    given = patch.model_dump(exclude_unset=True, exclude={"version"})
    merged = ApplicationIn.model_validate({**current.model_dump(), **given})
    access.require_write(
        session,
        actor,
        action="registry.application.update",
        object_type=OBJECT_TYPE,
        object_id=code,
        owners={current.agency_code, merged.agency_code},
    )
    application = repository.get(session, code)
    assert application is not None
    if application.version != patch.version:
        raise Conflict(
            f"{code} was changed meanwhile (version {application.version}, you sent {patch.version}); reload and retry."
        )
    before, after = snapshot(current), snapshot(merged)
    if before != after:
        _apply(session, application, _checked(session, merged))
        changes.record(session, actor, object_type=OBJECT_TYPE, code=code, action="update", before=before, after=after)
    return get(session, code, actor)


def _apply(session: Session, application: Application, resolved: Resolved) -> None:
    for name, value in resolved.values.items():
        setattr(application, name, value)
    application.version += 1
    session.flush()
    repository.replace_links(session, {application.id: resolved.affairs}, {application.id: resolved.dataset_ids})


def delete(session: Session, actor: Principal, code: str) -> None:
    """Remove an application (its affairs, data set links and integrations go with it)."""
    current = current_record(session, code)
    access.require_write(
        session,
        actor,
        action="registry.application.delete",
        object_type=OBJECT_TYPE,
        object_id=code,
        owners=[current.agency_code],
    )
    application = repository.get(session, code)
    assert application is not None
    repository.delete_application(session, application.id)
    changes.record(
        session, actor, object_type=OBJECT_TYPE, code=code, action="delete", before=snapshot(current), after=None
    )


def history(session: Session, code: str, reader: Principal | None = None) -> list[ChangeOut]:
    """The application's change log, oldest first (it outlives a deleted application).

    Confidential fields are hidden from ``reader`` as on ``get`` (see ``redaction``).
    """
    found = changes.history(session, OBJECT_TYPE, code)
    row = repository.get_row(session, code)
    if not found and row is None:
        raise NotFound(f"There is no application with code {code!r}.")
    owner = row.agency_code if row is not None else None
    area = row.Application.service_area if row is not None else None
    return redaction.application_history(found, reader, owner, area)


def integrations(session: Session, code: str) -> list[IntegrationOut]:
    application = repository.get(session, code)
    if application is None:
        raise NotFound(f"There is no application with code {code!r}.")
    return [
        IntegrationOut(
            direction=direction, code=row.code, name=row.name, agency_code=row.agency_code, channel=row.channel
        )
        for direction, row in repository.integrations_of(session, application.id)
    ]


def connect(session: Session, actor: Principal, source: str, target: str, channel: str = "splp") -> None:
    """Record that ``source`` sends data to ``target`` (an integration, through SPLP by default)."""
    source_record = current_record(session, source)
    current_record(session, target)  # NotFound when the target is unknown
    access.require_write(
        session,
        actor,
        action="registry.integration.create",
        object_type="integration",
        object_id=f"{source}->{target}",
        owners=[source_record.agency_code],
    )
    ids = repository.code_to_id(session, [source, target])
    if not repository.add_integration(session, ids[source], ids[target], channel):
        return
    data = {"target": target, "channel": channel}
    changes.record(
        session,
        actor,
        object_type=OBJECT_TYPE,
        code=source,
        action="update",
        before={"integration": None},
        after={"integration": data},
    )
