"""The SPLP developer portal (HTML): a service's page with its OpenAPI and a "request access" form,
the provider's inbox of access requests, and "my subsystems" with the register-service form.

Pages take the caller from ``Authenticated`` (or ``optional_principal`` on the public service page) and
call the same service functions as the management API. Forms are CSRF-protected (``core.csrf``). A form
error rolls back whatever the failed step wrote (the denial audit survives, see ``core.db``) and shows the
form again with the message naming the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from spbe.core import csrf
from spbe.core.deps import DbSession
from spbe.core.errors import FieldError, Forbidden, SpbeError, ValidationFailed
from spbe.core.security import Authenticated, Principal, optional_principal, public
from spbe.core.templating import render
from spbe.interop import access_requests, credentials, management, openapi_docs, permissions
from spbe.interop.schemas import AccessRequestIn, ServiceIn, SubsystemIn

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = openapi_docs.MAX_DOCUMENT_BYTES


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    token = csrf.token_for(request)
    response = render(request, template, {**context, "csrf_field": csrf.FIELD, "csrf_token": token}, status_code)
    csrf.set_cookie(response, token, request)
    return response


async def _form(request: Request) -> FormData:
    form = await request.form(max_files=1, max_fields=200)
    csrf.verify(request, form.get(csrf.FIELD))
    return form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _errors(exc: SpbeError) -> list[FieldError]:
    return exc.errors or [FieldError("", exc.detail)]


def _failed(session: Session, exc: SpbeError) -> list[FieldError]:
    """Undo the failed step's writes (a refused one's audit record survives) and say what went wrong."""
    if isinstance(exc, Forbidden):
        raise exc
    session.rollback()
    return _errors(exc)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- a service's page -------------------------------------------------------------------------------


def _operations(document: str | None) -> list[tuple[str, str, str]]:
    if not document:
        return []
    try:
        return list(openapi_docs.parse(document).operations)
    except ValidationFailed:
        return []  # registered through the CLI before documents were checked


def _service_context(session: Session, principal: Principal | None, service_id: int) -> dict[str, Any]:
    row = management.published_service(session, principal, service_id)
    own = management.visible_subsystems(session, principal) if principal and principal.kind == "staff" else []
    consumers = [
        (s.id, str(management.client_id(m, s))) for m, s in own if permissions.can_manage(principal, m.agency_code)
    ]
    return {
        "service": management.service_out(session, row, principal),
        "operations": _operations(row.openapi),
        "consumers": consumers,
        "principal": principal,
        "errors": [],
        "values": {},
    }


@router.get("/interop/services/{service_id}", dependencies=[public], response_class=HTMLResponse)
def service_page(request: Request, service_id: int, session: DbSession) -> HTMLResponse:
    """A published service: operations, the interactive OpenAPI reference, how to call it, request access."""
    context = _service_context(session, optional_principal(request), service_id)
    return _page(request, "interop/service.html", context)


@router.post("/interop/services/{service_id}/request-access", response_class=HTMLResponse)
async def request_access_form(
    request: Request, service_id: int, session: DbSession, principal: Authenticated
) -> Response:
    form = await _form(request)
    context = _service_context(session, principal, service_id)
    values = {
        "client": _text(form, "client"),
        "purpose": _text(form, "purpose"),
        "endpoints": form.getlist("endpoints"),
    }
    try:
        data = AccessRequestIn(
            service=context["service"].identifier,
            client=values["client"] or "-",
            endpoints=[str(e) for e in values["endpoints"]],
            purpose=values["purpose"] or " ",
        )
        access_requests.request_access(session, principal, data)
    except SpbeError as exc:
        context.update(errors=_failed(session, exc), values=values)
        return _page(request, "interop/service.html", context, status_code=exc.status_code)
    return _see_other("/interop/requests?sent=1")


# --- access requests: the provider's inbox and the consumer's requests ------------------------------------


def _requests_context(session: Session, principal: Principal, **extra: Any) -> dict[str, Any]:
    incoming = access_requests.list_requests(session, principal, direction="incoming")
    outgoing = access_requests.list_requests(session, principal, direction="outgoing")
    return {
        "open_incoming": [r for r in incoming if r.status == access_requests.REQUESTED],
        "decided_incoming": [r for r in incoming if r.status != access_requests.REQUESTED],
        "outgoing": outgoing,
        "can_decide": {r.id: permissions.can_manage(principal, r.provider_agency) for r in incoming},
        "errors": [],
        **extra,
    }


@router.get("/interop/requests", response_class=HTMLResponse)
def requests_page(
    request: Request, session: DbSession, principal: Authenticated, sent: bool = False, done: str = ""
) -> HTMLResponse:
    """Access requests on my agency's services (to decide) and from my agency's subsystems (their status)."""
    return _page(request, "interop/requests.html", _requests_context(session, principal, sent=sent, done=done))


@router.post("/interop/requests/{request_id}/{decision}", response_class=HTMLResponse)
async def decide_form(
    request: Request, request_id: int, decision: str, session: DbSession, principal: Authenticated
) -> Response:
    """Approve, reject (with a reason) or withdraw one request."""
    form = await _form(request)
    try:
        if decision == "withdraw":
            access_requests.withdraw(session, principal, request_id)
        elif decision in ("approve", "reject"):
            reason = _text(form, "reason")
            access_requests.decide(session, principal, request_id, approve=decision == "approve", reason=reason)
        else:
            raise ValidationFailed(f"unknown decision {decision!r}")
    except SpbeError as exc:
        errors = [
            FieldError(f"reason-{request_id}" if e.field == "reason" else e.field, e.message)
            for e in _failed(session, exc)
        ]
        context = _requests_context(session, principal, errors=errors)
        return _page(request, "interop/requests.html", context, status_code=exc.status_code)
    return _see_other(f"/interop/requests?done={decision}")


# --- my subsystems and services -------------------------------------------------------------------------


def _my_context(session: Session, principal: Principal, **extra: Any) -> dict[str, Any]:
    subsystems = management.list_subsystems(session, principal)
    services = management.list_services(session, principal)
    by_provider: dict[str, list[Any]] = {}
    for service in services:
        by_provider.setdefault(service.provider, []).append(service)
    return {
        "subsystems": subsystems,
        "services_of": by_provider,
        "credentials_of": {s.id: credentials.list_credentials(session, principal, s.id) for s in subsystems},
        "grants": [g for g in management.list_grants(session, principal) if g.direction == "provided"],
        "can_manage": permissions.can_manage(principal, principal.agency_code),
        "principal": principal,
        "errors": [],
        "values": {},
        "issued": None,
        **extra,
    }


@router.get("/interop/my", response_class=HTMLResponse)
def my_page(request: Request, session: DbSession, principal: Authenticated, done: str = "") -> HTMLResponse:
    """My agency's subsystems, their services (publish/unpublish), credentials and the registration forms."""
    return _page(request, "interop/my.html", _my_context(session, principal, done=done))


def _my_error(
    request: Request, session: Session, principal: Principal, exc: SpbeError, values: dict[str, Any]
) -> HTMLResponse:
    errors = _failed(session, exc)
    context = _my_context(session, principal, errors=errors, values=values)
    return _page(request, "interop/my.html", context, status_code=exc.status_code)


@router.post("/interop/my/subsystems", response_class=HTMLResponse)
async def register_subsystem_form(request: Request, session: DbSession, principal: Authenticated) -> Response:
    form = await _form(request)
    values = {name: _text(form, name) for name in ("code", "name", "application_code")}
    try:
        if not values["code"] or not values["name"]:
            missing = [FieldError(name, f"{name} is required") for name in ("code", "name") if not values[name]]
            raise ValidationFailed("code and name are required", errors=missing)
        data = SubsystemIn(
            code=values["code"], name=values["name"], application_code=values["application_code"] or None
        )
        management.register_subsystem(session, principal, data)
    except SpbeError as exc:
        return _my_error(request, session, principal, exc, values)
    return _see_other("/interop/my?done=subsystem")


async def _upload(form: FormData) -> str:
    upload = form.get("openapi_file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        return data.decode("utf-8", errors="replace") if data else ""
    return _text(form, "openapi_text")


@router.post("/interop/my/subsystems/{subsystem_id}/services", response_class=HTMLResponse)
async def register_service_form(
    request: Request, subsystem_id: int, session: DbSession, principal: Authenticated
) -> Response:
    """Register a service from the form: code, title, back-end URL and the uploaded OpenAPI file."""
    form = await _form(request)
    values = {name: _text(form, name) for name in ("code", "title", "base_url", "timeout_ms")}
    values["subsystem_id"] = str(subsystem_id)
    try:
        document = await _upload(form)
        if not document:
            raise ValidationFailed(
                "OpenAPI document: upload the file",
                errors=[FieldError("openapi", "upload an OpenAPI 3 file (JSON or YAML)")],
            )
        timeout = int(values["timeout_ms"] or 30_000) if (values["timeout_ms"] or "0").isdigit() else -1
        if not 100 <= timeout <= 300_000:
            raise ValidationFailed("timeout", errors=[FieldError("timeout_ms", "timeout must be 100–300000 ms")])
        data = ServiceIn.model_construct(
            code=values["code"],
            title=values["title"],
            base_url=values["base_url"],
            timeout_ms=timeout,
            openapi=document,
        )
        management.register_service(session, principal, subsystem_id, data)
    except SpbeError as exc:
        return _my_error(request, session, principal, exc, values)
    return _see_other("/interop/my?done=service")


@router.post("/interop/my/services/{service_id}/{action}", response_class=HTMLResponse)
async def publish_form(
    request: Request, service_id: int, action: str, session: DbSession, principal: Authenticated
) -> Response:
    """Publish or unpublish one of my services."""
    await _form(request)
    try:
        if action not in ("publish", "unpublish"):
            raise ValidationFailed(f"unknown action {action!r}")
        management.set_published(session, principal, service_id, action == "publish")
    except SpbeError as exc:
        return _my_error(request, session, principal, exc, {})
    return _see_other(f"/interop/my?done={action}")


@router.post("/interop/my/subsystems/{subsystem_id}/credentials", response_class=HTMLResponse)
async def issue_credential_form(
    request: Request, subsystem_id: int, session: DbSession, principal: Authenticated
) -> Response:
    """Issue an API key and show it once (the page is not cached)."""
    form = await _form(request)
    try:
        issued = credentials.issue(session, principal, subsystem_id, _text(form, "kind") or "api_key", {})
    except SpbeError as exc:
        return _my_error(request, session, principal, exc, {})
    response = _page(request, "interop/credential_issued.html", {"issued": issued})
    response.headers["cache-control"] = "no-store"
    return response


@router.post("/interop/my/grants/{grant_id}/revoke", response_class=HTMLResponse)
async def revoke_grant_form(request: Request, grant_id: int, session: DbSession, principal: Authenticated) -> Response:
    """Withdraw an access right on one of my services."""
    await _form(request)
    try:
        management.revoke_grant(session, principal, grant_id)
    except SpbeError as exc:
        return _my_error(request, session, principal, exc, {})
    return _see_other("/interop/my?done=revoke")


@router.post(
    "/interop/my/subsystems/{subsystem_id}/credentials/{kind}/{credential_id}/revoke", response_class=HTMLResponse
)
async def revoke_credential_form(
    request: Request, subsystem_id: int, kind: str, credential_id: str, session: DbSession, principal: Authenticated
) -> Response:
    """Revoke one credential of my subsystem."""
    await _form(request)
    try:
        credentials.revoke(session, principal, subsystem_id, kind, credential_id)
    except SpbeError as exc:
        return _my_error(request, session, principal, exc, {})
    return _see_other("/interop/my?done=revoke")
