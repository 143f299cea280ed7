"""The person-facing pages (Bahasa Indonesia and English): sign-in, second factor, consent, the
account page with "who used my data", and activation. They authenticate people with the provider's
own session cookie, so the routes are ``public`` at the route level and check the cookie themselves.
Forms post back to the same origin; the cookie is ``SameSite=Lax`` and ``HttpOnly``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from spbe.core import csrf
from spbe.core.deps import DbSession
from spbe.core.errors import SpbeError
from spbe.core.i18n import N_
from spbe.core.security import public
from spbe.core.templating import render
from spbe.identity import (
    accounts,
    admin,
    backchannel,
    mock,
    passkeys,
    recovery,
    release,
    repository,
    secrets,
    sessions,
    throttle,
)
from spbe.identity.accounts import LoginFailed
from spbe.identity.models import LoginSession
from spbe.identity.oidc import claims as claim_rules
from spbe.identity.oidc import context, flow
from spbe.identity.oidc.adapters import EndUser
from spbe.identity.oidc.flow import Pending

router = APIRouter(include_in_schema=False)
router.include_router(admin.router)
router.include_router(recovery.router)
STATIC_DIR = Path(__file__).resolve().parent / "static"
Text = Annotated[str, Form()]
OptionalText = Annotated[str, Form()]


def _provider(request: Request) -> Any:
    from spbe.identity.routes import provider_of

    return provider_of(request)


def _set_cookie(request: Request, response: Response, value: str) -> None:
    secure = request.app.state.settings.public_url.startswith("https")
    response.set_cookie(sessions.COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _with_auth(path: str, handle: str | None) -> str:
    return f"{path}?auth={handle}" if handle else path


def continue_authorization(
    request: Request, session: Session, item: Pending, row: LoginSession | None = None
) -> Response:
    """After the request is parked: sign in, consent, or straight back to the RP with a code.
    ``row`` is a session started by this very request (its cookie is not in the request yet)."""
    row = row or sessions.current(session, request.cookies.get(sessions.COOKIE))
    user = sessions.end_user(session, row) if row is not None else None
    item = _as_asked_of(item, user)
    if user is None:
        return _redirect(_with_auth("/ikd/login", item.handle))
    fresh = _signed_in_since_parked(user, item)
    if "login" in item.prompt and not fresh:
        return _redirect(_with_auth("/ikd/login", item.handle))
    if not claim_rules.acr_satisfies(user.acr, item.acr_values):
        step_up = _step_up(session, user, item, fresh)
        if step_up is not None:
            return step_up
        # a fresh sign-in that still falls short: finish() answers unmet_authentication_requirements
    names = claim_rules.consent_claims(item.scope, item.claims_request)
    needs_consent = user.subject.kind == "resident" and (
        "consent" in item.prompt
        or not release.consent_covers(session, user.subject.id, item.client.get_client_id(), names)
    )
    if needs_consent:
        return _redirect(_with_auth("/ikd/consent", item.handle))
    with context.using(session):
        return flow.finish(session, _provider(request), item, user, str(request.url)).to_starlette()


def _signed_in_since_parked(user: EndUser, item: Pending) -> bool:
    """Whether the person signed in after the request was parked (``prompt=login`` is then met)."""
    if item.parked_at is None:
        return False
    auth_time, parked_at = user.auth_time, item.parked_at
    if (auth_time.tzinfo is None) != (parked_at.tzinfo is None):
        auth_time, parked_at = auth_time.replace(tzinfo=None), parked_at.replace(tzinfo=None)
    return auth_time >= parked_at


def _step_up(session: Session, user: EndUser, item: Pending, fresh: bool) -> Response | None:
    """Where to go when the session's ``acr`` falls short of ``acr_values``: a new sign-in (session older
    than the request), the passkey step (asked for and the account has one), or None — the RP then gets
    ``unmet_authentication_requirements`` instead of an endless sign-in loop."""
    if not fresh:
        return _redirect(_with_auth("/ikd/login", item.handle))
    wants_passkey = claim_rules.ACR_PASSKEY in item.acr_values and "hwk" not in user.amr
    if wants_passkey and user.subject.kind == "resident" and passkeys.of_account(session, user.subject.id):
        return _redirect(_with_auth("/ikd/login/passkey", item.handle))
    return None


def _as_asked_of(item: Pending, user: EndUser | None) -> Pending:
    """A mock persona (mock mode) stands in for any ``acr`` asked: its tokens say ``acr`` mock instead."""
    if user is None or user.acr != sessions.ACR_MOCK:
        return item
    return dataclasses.replace(item, params={key: value for key, value in item.params.items() if key != "acr_values"})


def _resume(request: Request, session: Session, handle: str | None, row: LoginSession | None = None) -> Response:
    if not handle:
        return _redirect("/ikd/account")
    try:
        item = flow.pending(session, _provider(request), handle)
    except flow.FrontChannelError as error:
        return _message(request, error.description, 400)
    return continue_authorization(request, session, item, row)


def _message(request: Request, text: str, status: int) -> HTMLResponse:
    return render(request, "identity/message.html", {"message": text}, status_code=status)


# sign-in


@router.get("/ikd/login", dependencies=[public])
def login_page(request: Request, auth: str | None = None) -> HTMLResponse:
    return render(request, "identity/login.html", _login_context(auth or ""))


def _login_context(auth: str, **extra: Any) -> dict[str, Any]:
    """The sign-in form, plus the test personas in mock mode."""
    return {"auth": auth, "personas": mock.personas() if mock.enabled() else (), **extra}


@router.post("/ikd/login/mock", dependencies=[public])
def mock_login_submit(request: Request, session: DbSession, persona: Text, auth: OptionalText = "") -> Response:
    """Mock mode only: sign in as a test persona with one click (``acr`` mock, ``amr`` ["mock"])."""
    try:
        subject = mock.sign_in_subject(session, persona)
    except SpbeError as error:
        return _message(request, error.detail, error.status_code)
    value, row = sessions.start(session, subject, complete=True, amr=[sessions.AMR_MOCK])
    response = _resume(request, session, auth, row)
    _set_cookie(request, response, value)
    return response


@router.post("/ikd/login", dependencies=[public])
def login_submit(
    request: Request, session: DbSession, identifier: Text, password: Text, auth: OptionalText = ""
) -> Response:
    """First factor. A failure is recorded (audit, lockout counter) and the form shown again."""
    if (refused := throttle.check(request, session, "login")) is not None:
        return refused
    try:
        first = accounts.password_login(session, identifier, password)
    except LoginFailed as error:
        accounts.record_failure(session, "anonymous")
        context_data = _login_context(auth, error=error.detail, identifier="")
        return render(request, "identity/login.html", context_data, status_code=401)
    value, row = sessions.start(session, first.subject, complete=not first.needs_otp, amr=["pwd"])
    if first.needs_otp:
        response: Response = _redirect(_with_auth("/ikd/login/otp", auth))
    else:
        accounts.record_login(session, first.subject, ["pwd"])
        response = _resume(request, session, auth, row)
    _set_cookie(request, response, value)
    return response


@router.get("/ikd/login/otp", dependencies=[public])
def otp_page(request: Request, session: DbSession, auth: str | None = None) -> HTMLResponse:
    return render(request, "identity/otp.html", {"auth": auth or "", "has_passkey": _has_passkey(request, session)})


def _pending_account(request: Request, session: Session) -> tuple[LoginSession, Any] | None:
    """The session waiting for its second factor and the resident's account (None for staff or none)."""
    row = sessions.current(session, request.cookies.get(sessions.COOKIE))
    if row is None or row.subject_kind != "resident":
        return None
    account = repository.account(session, row.subject_id)
    return (row, account) if account is not None else None


def _has_passkey(request: Request, session: Session) -> bool:
    pending = _pending_account(request, session)
    return pending is not None and bool(passkeys.of_account(session, pending[1].id))


def _relying_party(request: Request) -> passkeys.RelyingParty:
    return passkeys.RelyingParty.of(str(request.app.state.settings.public_url))


def _json_only(request: Request) -> JSONResponse | None:
    """JSON endpoints accept only ``application/json`` (a cross-site form cannot send it)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"error": "Send application/json."}, status_code=415)
    return None


@router.get("/ikd/static/passkeys.js", dependencies=[public])
def passkeys_script() -> FileResponse:
    """The small plain-JavaScript helper that calls ``navigator.credentials`` (no framework)."""
    return FileResponse(STATIC_DIR / "passkeys.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/ikd/login/passkey", dependencies=[public])
def passkey_page(request: Request, auth: str | None = None) -> HTMLResponse:
    return render(request, "identity/passkey_login.html", {"auth": auth or ""})


@router.post("/ikd/login/passkey/options", dependencies=[public])
def passkey_login_options(request: Request, session: DbSession) -> Response:
    refused = _json_only(request)
    pending = _pending_account(request, session)
    if refused is not None or pending is None:
        return refused or JSONResponse({"error": "Sign in with your password first."}, status_code=401)
    try:
        options = passkeys.authentication_options(session, pending[0], pending[1], _relying_party(request))
    except SpbeError as error:
        return JSONResponse({"error": error.detail}, status_code=error.status_code)
    return Response(options, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.post("/ikd/login/passkey", dependencies=[public])
def passkey_login_submit(request: Request, session: DbSession, credential: Text, auth: OptionalText = "") -> Response:
    """The second factor by passkey: ``amr`` gains ``hwk`` (``acr`` urn:ikd:acr:passkey)."""
    if (refused := throttle.check(request, session, "login.passkey")) is not None:
        return refused
    pending = _pending_account(request, session)
    if pending is None:
        return _redirect(_with_auth("/ikd/login", auth))
    row, account = pending
    try:
        passkeys.authenticate(session, row, account, _relying_party(request), credential)
    except LoginFailed as error:
        return render(request, "identity/passkey_login.html", {"auth": auth, "error": error.detail}, status_code=401)
    sessions.complete(row, ["hwk"])
    accounts.record_login(session, accounts.resident_subject(account), list(row.amr))
    return _resume(request, session, auth)


@router.post("/ikd/login/otp", dependencies=[public])
def otp_submit(request: Request, session: DbSession, code: Text, auth: OptionalText = "") -> Response:
    if (refused := throttle.check(request, session, "login.otp")) is not None:
        return refused
    row = sessions.current(session, request.cookies.get(sessions.COOKIE))
    subject = sessions.pending_subject(session, row) if row is not None else None
    if row is None or subject is None:
        return _redirect(_with_auth("/ikd/login", auth))
    try:
        accounts.second_factor(session, subject, code)
    except LoginFailed as error:
        accounts.record_failure(session, subject.local_id)
        return render(request, "identity/otp.html", {"auth": auth, "error": error.detail}, status_code=401)
    sessions.complete(row, ["otp"])
    accounts.record_login(session, subject, list(row.amr))
    return _resume(request, session, auth)


# consent


@router.get("/ikd/consent", dependencies=[public])
def consent_page(request: Request, session: DbSession, auth: str = "") -> Response:
    state = _consent_state(request, session, auth)
    if isinstance(state, Response):
        return state
    item, _ = state
    names = claim_rules.consent_claims(item.scope, item.claims_request)
    essential = release.essential_claims(item.claims_request, names)
    context_data = {
        "auth": auth,
        "client": item.client.row,
        "claims": [(name, claim_rules.CLAIM_LABELS[name], name in essential) for name in names],
    }
    return render(request, "identity/consent.html", context_data)


def _consent_state(request: Request, session: Session, auth: str) -> tuple[Pending, Any] | Response:
    row = sessions.current(session, request.cookies.get(sessions.COOKIE))
    user = sessions.end_user(session, row) if row is not None else None
    if user is None:
        return _redirect(_with_auth("/ikd/login", auth))
    try:
        return flow.pending(session, _provider(request), auth), user
    except flow.FrontChannelError as error:
        return _message(request, error.description, 400)


@router.post("/ikd/consent", dependencies=[public])
def consent_submit(
    request: Request,
    session: DbSession,
    decision: Text,
    auth: OptionalText = "",
    claims: Annotated[list[str] | None, Form()] = None,
    claims_chosen: OptionalText = "",
) -> Response:
    """Allow (the ticked claims plus the essential ones) or deny the whole request.

    ``claims_chosen`` marks a form with the per-claim boxes; without it every asked claim is granted."""
    state = _consent_state(request, session, auth)
    if isinstance(state, Response):
        return state
    item, user = state
    item = _as_asked_of(item, user)
    with context.using(session):
        if decision != "allow":
            return flow.deny(session, _provider(request), item, str(request.url)).to_starlette()
        asked = claim_rules.consent_claims(item.scope, item.claims_request)
        essential = release.essential_claims(item.claims_request, asked)
        names = release.chosen_claims(asked, essential, (claims or []) if claims_chosen else None)
        purpose = item.client.row.purpose or item.client.row.name
        release.grant_consent(session, user.subject.id, item.client.get_client_id(), names, purpose, asked)
        return flow.finish(session, _provider(request), item, user, str(request.url)).to_starlette()


# account


def _resident_session(request: Request, session: Session) -> tuple[LoginSession, accounts.Subject] | None:
    row = sessions.current(session, request.cookies.get(sessions.COOKIE))
    user = sessions.end_user(session, row) if row is not None else None
    if row is None or user is None or user.subject.kind != "resident":
        return None
    return row, user.subject


@router.get("/ikd/account", dependencies=[public])
def account_page(request: Request, session: DbSession) -> Response:
    """The resident's own page: their data, consents (revocable) and who used their data."""
    signed_in = _resident_session(request, session)
    if signed_in is None:
        return _redirect("/ikd/login")
    account = repository.account(session, signed_in[1].id)
    assert account is not None
    resident = repository.resident(session, account.resident_id)
    consents = repository.consents_of(session, account.id)
    names = {client.client_id: client.name for client in repository.clients(session, [c.client_id for c in consents])}
    token = csrf.token_for(request)
    context_data = {
        "account": account,
        "resident": resident,
        "masked_nik": secrets_mask(resident.nik if resident else ""),
        "consents": consents,
        "client_names": names,
        "uses": release.data_uses(session, account.public_id),
        "labels": claim_rules.CLAIM_LABELS,
        "level_labels": LEVEL_LABELS,
        "action_labels": ACTION_LABELS,
        "sessions": _session_rows(session, signed_in),
        "passkeys": passkeys.of_account(session, account.id),
        "csrf_token": token,
    }
    return csrf.set_cookie(render(request, "identity/account.html", context_data), token, request)


def _session_rows(session: Session, signed_in: tuple[LoginSession, accounts.Subject]) -> list[dict[str, Any]]:
    """The resident's open sessions: when, how, which services got a sign-in from it, this browser or not."""
    return [
        {
            "row": row,
            "current": row.id == signed_in[0].id,
            "services": [client.name for client in backchannel.session_clients(session, row)],
        }
        for row in sessions.active_of(session, signed_in[1])
    ]


def _account_of(request: Request, session: Session) -> tuple[LoginSession, Any] | None:
    signed_in = _resident_session(request, session)
    account = repository.account(session, signed_in[1].id) if signed_in is not None else None
    return (signed_in[0], account) if signed_in is not None and account is not None else None


@router.post("/ikd/account/passkeys/options", dependencies=[public])
def passkey_register_options(request: Request, session: DbSession) -> Response:
    refused = _json_only(request)
    signed_in = _account_of(request, session)
    if refused is not None or signed_in is None:
        return refused or JSONResponse({"error": "Sign in first."}, status_code=401)
    options = passkeys.registration_options(session, signed_in[0], signed_in[1], _relying_party(request))
    return Response(options, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.post("/ikd/account/passkeys", dependencies=[public])
def passkey_register_submit(
    request: Request, session: DbSession, credential: Text, name: OptionalText = "", csrf_token: OptionalText = ""
) -> Response:
    csrf.verify(request, csrf_token)
    signed_in = _account_of(request, session)
    if signed_in is None:
        return _redirect("/ikd/login")
    try:
        passkeys.register(session, signed_in[0], signed_in[1], _relying_party(request), credential, name)
    except SpbeError as error:
        return _message(request, error.detail, error.status_code)
    return _redirect("/ikd/account")


@router.post("/ikd/account/passkeys/{passkey_id}/remove", dependencies=[public])
def passkey_remove(request: Request, session: DbSession, passkey_id: int, csrf_token: OptionalText = "") -> Response:
    csrf.verify(request, csrf_token)
    signed_in = _account_of(request, session)
    if signed_in is None:
        return _redirect("/ikd/login")
    try:
        passkeys.remove(session, signed_in[1], passkey_id)
    except SpbeError as error:
        return _message(request, error.detail, error.status_code)
    return _redirect("/ikd/account")


LEVEL_LABELS = {
    "self_asserted": N_("Self-declared"),
    "register_matched": N_("Matched against the population register"),
    "in_person_verified": N_("Verified in person at a counter"),
}
ACTION_LABELS = {
    "identity.consent.granted": N_("Consent given"),
    "identity.consent.revoked": N_("Consent withdrawn"),
    "identity.claims.released": N_("Data shared"),
}


def secrets_mask(nik: str) -> str:
    from spbe.core.logging import mask_nik

    return mask_nik(nik)


@router.post("/ikd/account/consents/{client_id}/revoke", dependencies=[public])
def revoke_consent(request: Request, session: DbSession, client_id: str, csrf_token: OptionalText = "") -> Response:
    csrf.verify(request, csrf_token)
    signed_in = _resident_session(request, session)
    if signed_in is None:
        return _redirect("/ikd/login")
    try:
        release.revoke_consent(session, signed_in[1].id, client_id)
    except SpbeError as error:
        return _message(request, error.detail, error.status_code)
    return _redirect("/ikd/account")


@router.post("/ikd/logout", dependencies=[public])
def sign_out(request: Request, session: DbSession, csrf_token: OptionalText = "") -> Response:
    """Ends this browser's session; its RPs hear of it by back-channel logout after the response."""
    csrf.verify(request, csrf_token)
    row = sessions.current(session, request.cookies.get(sessions.COOKIE))
    task = backchannel.end_session(request, session, row)
    response = _redirect("/ikd/login")
    response.delete_cookie(sessions.COOKIE, path="/")
    response.background = task
    return response


@router.post("/ikd/account/sessions/{session_id}/end", dependencies=[public])
def end_other_session(request: Request, session: DbSession, session_id: int, csrf_token: OptionalText = "") -> Response:
    """The resident ends one of their sessions (another device, say); its RPs are told by back channel."""
    csrf.verify(request, csrf_token)
    signed_in = _resident_session(request, session)
    if signed_in is None:
        return _redirect("/ikd/login")
    row = next((item for item in sessions.active_of(session, signed_in[1]) if item.id == session_id), None)
    if row is None:
        return _message(request, N_("No such session."), 404)
    task = backchannel.end_session(request, session, row)
    this_browser = row.id == signed_in[0].id
    response = _redirect("/ikd/login" if this_browser else "/ikd/account")
    if this_browser:
        response.delete_cookie(sessions.COOKIE, path="/")
    response.background = task
    return response


def logout_target(session: Session, client_id: str | None, target: str | None, state: str | None) -> str | None:
    """A ``post_logout_redirect_uri`` only when registered for the named client."""
    client = repository.client(session, client_id) if client_id else None
    if client is None or not target or target not in client.post_logout_redirect_uris:
        return None
    return f"{target}?state={state}" if state else target


# activation


@router.get("/ikd/activate", dependencies=[public])
def activate_page(request: Request) -> HTMLResponse:
    return render(request, "identity/activate.html", {})


@router.post("/ikd/activate", dependencies=[public])
def activate_submit(request: Request, session: DbSession, nik: Text, email: Text, phone: OptionalText = "") -> Response:
    try:
        public_id = accounts.start_activation(session, nik, email, phone)
    except SpbeError as error:
        return render(
            request, "identity/activate.html", {"error": error.detail, "email": email}, status_code=error.status_code
        )
    return _redirect(f"/ikd/activate/code?account={public_id}")


@router.get("/ikd/activate/code", dependencies=[public])
def activate_code_page(request: Request, account: str) -> HTMLResponse:
    return render(request, "identity/activate_code.html", {"account": account})


@router.post("/ikd/activate/code", dependencies=[public])
def activate_code_submit(request: Request, session: DbSession, account: Text, code: Text, password: Text) -> Response:
    """The mailed code proves the address; the password is set in the same step."""
    try:
        row = accounts.check_code(session, account, code)
        accounts.set_password(row, password)
    except SpbeError as error:
        return render(
            request, "identity/activate_code.html", {"account": account, "error": error.detail}, status_code=400
        )
    value, _ = sessions.start(session, accounts.resident_subject(row), complete=False, amr=["pwd"])
    seed = accounts.begin_totp(row)
    response = render(request, "identity/activate_totp.html", _totp_context(seed, row.public_id))
    _set_cookie(request, response, value)
    return response


def _totp_context(seed: str, public_id: str, error: str | None = None) -> dict[str, Any]:
    return {"seed": seed, "uri": secrets.totp_uri(seed, f"IKD {public_id[:8]}"), "error": error}


@router.post("/ikd/activate/authenticator", dependencies=[public])
def activate_totp_submit(request: Request, session: DbSession, code: Text) -> Response:
    row = sessions.current(session, request.cookies.get(sessions.COOKIE))
    account = (
        repository.account(session, row.subject_id) if row is not None and row.subject_kind == "resident" else None
    )
    if row is None or account is None or account.totp_sealed is None:
        return _redirect("/ikd/activate")
    try:
        accounts.confirm_totp(session, account, code)
    except SpbeError as error:
        seed = secrets.unseal(account.totp_sealed)
        return render(
            request,
            "identity/activate_totp.html",
            _totp_context(seed, account.public_id, error.detail),
            status_code=400,
        )
    sessions.complete(row, ["otp"])
    return _redirect("/ikd/account")
