"""RP-Initiated Logout 1.0 at ``/oidc/logout``: with a valid ``id_token_hint`` (our signature, ``aud`` the
client) the session ends at once; without one the person confirms on a page (a POST with CSRF), so a
cross-site link or image cannot sign anyone out. ``post_logout_redirect_uri`` is followed only when it is
registered for the client the hint (or ``client_id``) names."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy.orm import Session

from spbe.core import csrf
from spbe.core.deps import DbSession
from spbe.core.keys import service as keys
from spbe.core.security import public
from spbe.core.templating import render
from spbe.identity import backchannel, pages, repository, sessions

router = APIRouter()
FIELDS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")


class BadHint(Exception):
    """The ``id_token_hint`` is not an ID token we issued to the named client."""


def hint_audience(session: Session, issuer: str, hint: str, client_id: str | None) -> str:
    """The client an ID token hint was issued to (expired hints are fine: the person is leaving)."""

    def key_for(token: Any) -> Any:
        headers = token.headers()
        material = keys.verifying_key(session, str(headers.get("kid")))
        if material is None or material.algorithm != headers.get("alg"):
            raise BadHint("unknown key")
        return material.key

    try:
        claims = jwt.decode(hint, key_for, algorithms=["ES256", "PS256", "ES384"]).claims
    except (JoseError, ValueError, LookupError):
        raise BadHint("The id_token_hint is not a valid ID token of this provider.") from None
    audience = claims.get("aud")
    names = audience if isinstance(audience, list) else [audience]
    if claims.get("iss") != issuer or "kind" in claims or len(names) != 1 or not isinstance(names[0], str):
        raise BadHint("The id_token_hint is not a valid ID token of this provider.")
    if repository.client(session, names[0]) is None or (client_id and client_id != names[0]):
        raise BadHint("The id_token_hint was not issued to this client.")
    return names[0]


def _issuer(request: Request) -> str:
    from spbe.identity.routes import provider_of

    return str(provider_of(request).issuer)


def _handle(request: Request, session: Session, params: dict[str, str], confirmed: bool) -> Response:
    client_id = params.get("client_id") or None
    if params.get("id_token_hint"):
        try:
            client_id = hint_audience(session, _issuer(request), params["id_token_hint"], client_id)
        except BadHint as error:
            return render(request, "identity/message.html", {"message": str(error)}, status_code=400)
        confirmed = True
    row = sessions.current(session, request.cookies.get(sessions.COOKIE))
    if row is not None and not confirmed:
        token = csrf.token_for(request)
        page = render(request, "identity/logout_confirm.html", {"params": params, "csrf_token": token})
        return csrf.set_cookie(page, token, request)
    task = backchannel.end_session(request, session, row)  # back-channel logout to the session's RPs
    target = pages.logout_target(session, client_id, params.get("post_logout_redirect_uri"), params.get("state"))
    response: Response = (
        RedirectResponse(target, status_code=303) if target else render(request, "identity/logged_out.html")
    )
    response.delete_cookie(sessions.COOKIE, path="/")
    response.background = task
    return response


@router.get("/oidc/logout", dependencies=[public], summary="RP-initiated logout")
def logout(request: Request, session: DbSession) -> Response:
    """With a valid ``id_token_hint``: sign out at once; otherwise ask the person to confirm."""
    params = {name: request.query_params[name] for name in FIELDS if request.query_params.get(name)}
    return _handle(request, session, params, confirmed=False)


@router.post("/oidc/logout", dependencies=[public], summary="RP-initiated logout (form post, or confirmation)")
def logout_post(
    request: Request,
    session: DbSession,
    id_token_hint: str = Form(""),
    client_id: str = Form(""),
    post_logout_redirect_uri: str = Form(""),
    state: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """An RP's form post with ``id_token_hint``, or the person's confirmation (CSRF-checked)."""
    params = {
        "id_token_hint": id_token_hint,
        "client_id": client_id,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
    }
    params = {name: value for name, value in params.items() if value}
    if not id_token_hint:
        csrf.verify(request, csrf_token)
    return _handle(request, session, params, confirmed=True)
