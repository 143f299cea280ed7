"""The administrators' pages for relying parties: list them and register a new one (what
``spbe identity register-rp`` does), for staff with role ``identity:admin`` or the national coordinator
(``registry:admin``). Signed in through the platform's web sign-in (``Authenticated``); forms carry the
double-submit CSRF token of ``spbe.core.csrf``.

Everything is checked before anything is written (agency, client id, redirect URIs, keys, scopes, the
back-channel URI, and the ``jwks_uri`` is fetched), so a refused form leaves nothing half-registered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from spbe.core import csrf
from spbe.core.deps import DbSession
from spbe.core.errors import BadRequest, Forbidden, SpbeError
from spbe.core.i18n import N_
from spbe.core.security import Authenticated, Principal
from spbe.core.templating import render
from spbe.identity import backchannel, clients, jwks_fetch, repository
from spbe.identity.oidc import claims as claim_rules

router = APIRouter(prefix="/ikd/admin", include_in_schema=False)
ADMIN_ROLES = frozenset({"identity:admin", "registry:admin"})
Field = Annotated[str, Form()]
Many = Annotated[list[str], Form()]


def require_admin(principal: Principal) -> None:
    if principal.kind != "system" and not ADMIN_ROLES & principal.roles:
        raise Forbidden(N_("Only identity administrators and the national coordinator may manage relying parties."))


@dataclass
class RpForm:
    """The registration form as typed (shown again with the error when refused)."""

    client_id: str = ""
    name: str = ""
    agency: str = ""
    application: str = ""
    redirect_uris: str = ""
    post_logout_redirect_uris: str = ""
    scopes: list[str] = field(default_factory=lambda: ["openid", "profile"])
    purpose: str = ""
    jwks: str = ""
    jwks_uri: str = ""
    backchannel_logout_uri: str = ""
    require_par: bool = True

    def lines(self, text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    token = csrf.token_for(request)
    response = render(request, template, {**context, "csrf_token": token}, status_code=status)
    csrf.set_cookie(response, token, request)
    return response


@router.get("/clients")
def list_page(request: Request, session: DbSession, principal: Authenticated) -> HTMLResponse:
    require_admin(principal)
    return _page(request, "identity/admin_clients.html", {"clients": repository.clients(session)})


@router.get("/clients/new")
def new_page(request: Request, principal: Authenticated) -> HTMLResponse:
    require_admin(principal)
    return _page(request, "identity/admin_client_new.html", _form_context(RpForm()))


def _form_context(form: RpForm, error: str | None = None, errors: list[str] | None = None) -> dict[str, Any]:
    return {"form": form, "error": error, "errors": errors or [], "supported_scopes": claim_rules.SUPPORTED_SCOPES}


@router.post("/clients/new")
def new_submit(
    request: Request,
    session: DbSession,
    principal: Authenticated,
    client_id: Field = "",
    name: Field = "",
    agency: Field = "",
    application: Field = "",
    redirect_uris: Field = "",
    post_logout_redirect_uris: Field = "",
    scopes: Many = [],  # noqa: B006 (FastAPI reads the default)
    purpose: Field = "",
    jwks: Field = "",
    jwks_uri: Field = "",
    backchannel_logout_uri: Field = "",
    require_par: Field = "",
    csrf_token: Field = "",
) -> Response:
    require_admin(principal)
    csrf.verify(request, csrf_token)
    form = RpForm(
        client_id.strip(),
        name.strip(),
        agency.strip(),
        application.strip(),
        redirect_uris,
        post_logout_redirect_uris,
        scopes,
        purpose.strip(),
        jwks,
        jwks_uri.strip(),
        backchannel_logout_uri.strip(),
        require_par == "yes",
    )
    try:
        register(session, form, actor=f"{principal.kind}:{principal.subject}")
    except SpbeError as error:
        context = _form_context(form, error.detail, [f"{item.field}: {item.message}" for item in error.errors])
        return _page(request, "identity/admin_client_new.html", context, status=400)
    return RedirectResponse(f"/ikd/admin/clients?registered={form.client_id}", status_code=303)


def register(session: Session, form: RpForm, actor: str) -> None:
    """Check everything, then write the RP, its ``jwks_uri`` and its back-channel URI in one go."""
    if not form.client_id or not form.name or not form.agency:
        raise BadRequest(N_("Client id, service name and agency are required."))
    if bool(form.jwks.strip()) == bool(form.jwks_uri):
        raise BadRequest(N_("Give the public keys either as a JWKS or as a jwks_uri, not both."))
    if form.backchannel_logout_uri:
        backchannel.check_uri(form.backchannel_logout_uri)
    keys = _inline_jwks(form.jwks) if form.jwks.strip() else jwks_fetch.fetch(form.jwks_uri)
    row = clients.register_relying_party(
        session,
        client_id=form.client_id,
        name=form.name,
        agency_code=form.agency,
        redirect_uris=form.lines(form.redirect_uris),
        jwks=keys,
        scopes=form.scopes,
        application_code=form.application or None,
        purpose=form.purpose,
        require_par=form.require_par,
        post_logout_redirect_uris=form.lines(form.post_logout_redirect_uris),
        actor=actor,
    )
    if form.jwks_uri:
        jwks_fetch.register(session, row, form.jwks_uri, actor=actor, fetched=keys)
    if form.backchannel_logout_uri:
        backchannel.set_logout_uri(session, row, form.backchannel_logout_uri, actor=actor)


def _inline_jwks(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise BadRequest(N_("The JWKS is not valid JSON.")) from None
    if not isinstance(value, dict):
        raise BadRequest(N_("The JWKS is not valid JSON."))
    return value
