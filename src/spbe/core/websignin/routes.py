"""``/masuk`` (sign in), its callback, and ``/keluar`` (sign out) for every module's pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from spbe.core.errors import Unauthorized
from spbe.core.security import optional_principal, public
from spbe.core.websignin import cookies
from spbe.core.websignin.client import SigninClient, SigninFailed

router = APIRouter(include_in_schema=False)


def signin_client(request: Request) -> SigninClient:
    client: SigninClient = request.app.state.web_signin
    return client


@router.get("/masuk", dependencies=[public])
def sign_in(request: Request, next: str | None = None) -> Response:
    """Start the OpenID Connect sign-in (or go straight on when the browser already has a session)."""
    target = cookies.local_path(next)
    if optional_principal(request) is not None:
        return RedirectResponse(target, status_code=303)
    url, pending = signin_client(request).start(target)
    response = RedirectResponse(url, status_code=303)
    cookies.set_pending(response, cookies.is_secure(request), pending)
    return response


@router.get("/masuk/callback", dependencies=[public])
def sign_in_callback(request: Request) -> Response:
    """The provider sends the browser back here with a code; we exchange it and open the session."""
    pending = cookies.pending_of(request)
    if pending is None:
        raise SigninFailed("This sign-in has expired or was started in another browser; please sign in again.")
    client = signin_client(request)
    tokens = client.finish(dict(request.query_params), pending)
    try:
        request.app.state.token_verifier(tokens.access_token)
    except Unauthorized as error:
        raise SigninFailed(f"The access token from the provider is not accepted here: {error.detail}") from error
    response = RedirectResponse(pending.next, status_code=303)
    cookies.set_session(response, cookies.is_secure(request), tokens.access_token, tokens.refresh_token, tokens.name)
    if tokens.id_token:
        cookies.set_id_token(response, cookies.is_secure(request), tokens.id_token)
    response.delete_cookie(cookies.PENDING, path=cookies.PENDING_PATH)
    return response


@router.get("/keluar", dependencies=[public])
def sign_out(request: Request) -> Response:
    """Forget the session here and end it at the provider too (which asks nothing and comes back home)."""
    hint = request.cookies.get(cookies.ID_TOKEN)
    target = signin_client(request).end_session_url(hint) or "/"
    response = RedirectResponse(target, status_code=303)
    cookies.clear_session(response)
    return response
