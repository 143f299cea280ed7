"""Account recovery pages: NIK + registered e-mail → a mailed one-time code → that code, the enrolled TOTP
and a new password (``accounts.start_recovery`` / ``finish_recovery``). Recovery never lowers assurance:
without the authenticator the password cannot be reset here (that is a counter visit), and the identity
level and enrolled factors stay as they were."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spbe.core.deps import DbSession
from spbe.core.errors import NotFound, SpbeError
from spbe.core.i18n import N_
from spbe.core.security import public
from spbe.core.templating import render
from spbe.identity import accounts, secrets, throttle

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


@router.get("/ikd/recover", dependencies=[public])
def recover_page(request: Request) -> HTMLResponse:
    return render(request, "identity/recover.html", {})


@router.post("/ikd/recover", dependencies=[public])
def recover_submit(request: Request, session: DbSession, nik: Text, email: Text) -> Response:
    """A NIK and address that match no active account go on to the same code page (with an id no code
    will ever match), so the form does not tell who has an account."""
    if (refused := throttle.check(request, session, "recover")) is not None:
        return refused
    try:
        public_id = accounts.start_recovery(session, nik, email)
    except NotFound:
        public_id = secrets.new_token()[:32]
    except SpbeError as error:
        context = {"error": error.detail, "email": email}
        return render(request, "identity/recover.html", context, status_code=error.status_code)
    return RedirectResponse(f"/ikd/recover/code?account={public_id}", status_code=303)


@router.get("/ikd/recover/code", dependencies=[public])
def recover_code_page(request: Request, account: str) -> HTMLResponse:
    return render(request, "identity/recover_code.html", {"account": account})


@router.post("/ikd/recover/code", dependencies=[public])
def recover_code_submit(
    request: Request, session: DbSession, account: Text, code: Text, totp: Text, password: Text
) -> Response:
    if (refused := throttle.check(request, session, "recover.code")) is not None:
        return refused
    try:
        accounts.finish_recovery(session, account, code, totp, password)
    except SpbeError as error:
        context = {"account": account, "error": _reason(error)}
        return render(request, "identity/recover_code.html", context, status_code=400)
    return render(request, "identity/message.html", {"message": N_("Your password has been changed. Sign in again.")})


def _reason(error: SpbeError) -> str:
    if isinstance(error, NotFound):
        return N_("The code has expired or was tried too often; ask for a new one.")
    return error.detail
