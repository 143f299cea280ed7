"""HTTP routes of the `identity` module: the OpenID Connect protocol endpoints (public at the route
level; they authenticate clients themselves and answer with OAuth 2.0 errors), plus the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from spbe.core.deps import SAFE_METHODS, DbSession
from spbe.core.security import public
from spbe.core.templating import render
from spbe.identity import demo_rp, logout, pages
from spbe.identity.oidc import context, endpoints, fastpath, flow
from spbe.identity.oidc.http import NO_STORE, ProtocolRequest, ProtocolResponse, protocol_error
from spbe.identity.oidc.server import Provider

router = APIRouter(tags=["identity"])
T = TypeVar("T")


def provider_of(request: Request) -> Provider:
    return fastpath.provider_for(request.app)


async def _form_request(request: Request) -> ProtocolRequest:
    form = await request.form()
    items = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    return ProtocolRequest(request.method, str(request.url), request.headers, request.query_params.multi_items(), items)


async def _in_unit_of_work(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in a worker thread inside one unit of work (see ``fastpath.unit_of_work``)."""
    return await fastpath.unit_of_work(request.app, work, write=request.method not in SAFE_METHODS)


@router.get("/.well-known/openid-configuration", dependencies=[public], summary="OpenID Provider metadata")
def openid_configuration(request: Request) -> JSONResponse:
    body = endpoints.discovery(provider_of(request).issuer)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.get("/oidc/jwks.json", dependencies=[public], summary="OIDC signing keys (JWKS)")
def oidc_jwks(session: DbSession) -> JSONResponse:
    return JSONResponse(endpoints.jwks(session), headers={"Cache-Control": "public, max-age=300"})


@router.post("/oidc/token", dependencies=[public], summary="Token endpoint (private_key_jwt)")
async def token(request: Request) -> Response:
    """Served by ``fastpath.TokenEndpoint`` before FastAPI's routing (installed by ``create_app``); this
    route documents the endpoint and serves the same code wherever that middleware is not installed."""
    status, headers, body = await fastpath.token_reply(request.app, request.scope, request.receive)
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


@router.post("/oidc/par", dependencies=[public], summary="Pushed authorization request (RFC 9126)")
async def par(request: Request) -> Response:
    oauth_request = await _form_request(request)
    provider = provider_of(request)
    status, body = await _in_unit_of_work(request, lambda session: flow.push(session, provider, oauth_request))
    return JSONResponse(body, status_code=status, headers=NO_STORE)


@router.post("/oidc/revoke", dependencies=[public], summary="Token revocation (RFC 7009)")
async def revoke(request: Request) -> Response:
    oauth_request = await _form_request(request)
    provider = provider_of(request)
    result: ProtocolResponse = await _in_unit_of_work(
        request, lambda _: provider.create_endpoint_response("revocation", oauth_request)
    )
    return result.to_starlette()


@router.post("/oidc/introspect", dependencies=[public], summary="Token introspection (RFC 7662)")
async def introspect(request: Request) -> Response:
    oauth_request = await _form_request(request)
    provider = provider_of(request)
    result: ProtocolResponse = await _in_unit_of_work(
        request, lambda _: provider.create_endpoint_response("introspection", oauth_request)
    )
    return result.to_starlette()


@router.get("/oidc/userinfo", dependencies=[public], summary="UserInfo", operation_id="oidc_userinfo_get")
@router.post("/oidc/userinfo", dependencies=[public], summary="UserInfo", operation_id="oidc_userinfo_post")
def userinfo(request: Request, session: DbSession) -> Response:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return _invalid_token("A bearer access token is required.")
    try:
        with context.using(session):
            body = endpoints.userinfo(session, provider_of(request), value.strip())
    except endpoints.InvalidToken:
        return _invalid_token("The access token is invalid, expired or revoked.")
    return JSONResponse(body, headers=NO_STORE)


def _invalid_token(description: str) -> Response:
    response = protocol_error("invalid_token", description, 401)
    response.headers["WWW-Authenticate"] = f'Bearer error="invalid_token", error_description="{description}"'
    return response


@router.get("/oidc/authorize", dependencies=[public], summary="Authorization endpoint (code + PKCE S256)")
def authorize(request: Request, session: DbSession) -> Response:
    provider = provider_of(request)
    oauth_request = ProtocolRequest("GET", str(request.url), request.headers, request.query_params.multi_items())
    try:
        with context.using(session):
            result = flow.begin(session, provider, oauth_request)
    except flow.FrontChannelError as error:
        return _front_channel_error(request, error)
    if isinstance(result, ProtocolResponse):
        return result.to_starlette()
    return pages.continue_authorization(request, session, result)


def _front_channel_error(request: Request, error: flow.FrontChannelError) -> HTMLResponse:
    context_data: dict[str, Any] = {"error": error.error, "description": error.description}
    return render(request, "identity/protocol_error.html", context_data, status_code=400)


router.include_router(logout.router)
router.include_router(pages.router)
router.include_router(demo_rp.router)
