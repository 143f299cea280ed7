"""The front channel: PAR (RFC 9126, not in Authlib), the authorization request, and issuing the code
after the person has signed in and consented. Protocol errors go back as OAuth 2.0 errors: JSON from
PAR, a redirect to the client (with RFC 9207 ``iss``) once its redirect URI is trusted, else a page."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Error
from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.identity import repository, secrets
from spbe.identity.models import PendingAuthorization
from spbe.identity.oidc import claims as claim_rules
from spbe.identity.oidc import context
from spbe.identity.oidc.adapters import CLIENT_AUTH_METHOD, Client, EndUser
from spbe.identity.oidc.http import ProtocolRequest, ProtocolResponse
from spbe.identity.oidc.server import Provider
from spbe.identity.settings import identity_settings

P = ParamSpec("P")
R = TypeVar("R")
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
PENDING_TTL = dt.timedelta(minutes=15)  # time for a person to sign in and consent
_CLIENT_PARAMS = {"client_assertion", "client_assertion_type"}


@dataclass(frozen=True)
class Pending:
    """An authorization request waiting for the person, and what the pages need to show."""

    handle: str
    client: Client
    params: dict[str, str]
    parked_at: dt.datetime | None = None  # when the request was parked (a sign-in after it is fresh)

    @property
    def scope(self) -> str:
        return self.client.get_allowed_scope(self.params.get("scope", ""))

    @property
    def claims_request(self) -> dict[str, Any] | None:
        return claim_rules.parse_claims_parameter(self.params.get("claims"))

    @property
    def acr_values(self) -> list[str]:
        return self.params.get("acr_values", "").split()

    @property
    def prompt(self) -> set[str]:
        return set(self.params.get("prompt", "").split())


def _in_context(function: Callable[P, R]) -> Callable[P, R]:
    """Run with the request's session as Authlib's callbacks' session (first argument)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0]
        assert isinstance(session, Session)
        with context.using(session):
            return function(*args, **kwargs)

    return run


class FrontChannelError(Exception):
    """An error that cannot go back to the client (unknown client, untrusted redirect URI)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


@_in_context
def push(session: Session, provider: Provider, request: ProtocolRequest) -> tuple[int, dict[str, Any]]:
    """RFC 9126: authenticate the client, validate the request now, return a single-use request_uri."""
    try:
        client: Client = provider.authenticate_client(request, [CLIENT_AUTH_METHOD], endpoint="par")
        params = {key: value for key, value in request.form.items() if key not in _CLIENT_PARAMS}
        if "request_uri" in params:
            raise InvalidRequestError("request_uri must not be pushed.")
        if params.get("client_id", client.get_client_id()) != client.get_client_id():
            raise InvalidRequestError("client_id does not match the authenticated client.")
        params["client_id"] = client.get_client_id()
        _validate(provider, ProtocolRequest("GET", request.uri, request.headers, params.items()))
    except OAuth2Error as error:
        return error.status_code, dict(error.get_body())
    ttl = identity_settings().par_ttl
    handle = secrets.new_token()
    repository.add(
        session,
        PendingAuthorization(
            handle=handle,
            client_id=client.get_client_id(),
            pushed=True,
            params=params,
            expires_at=utcnow() + dt.timedelta(seconds=ttl),
        ),
    )
    return 201, {"request_uri": REQUEST_URI_PREFIX + handle, "expires_in": ttl}


def _validate(provider: Provider, request: ProtocolRequest) -> Any:
    grant = provider.get_consent_grant(request)  # client, redirect_uri, response_type, scope, PKCE
    try:
        claim_rules.parse_claims_parameter(request.payload.data.get("claims"))
    except ValueError as error:
        raise InvalidRequestError(
            f"Invalid claims parameter: {error}.",
            redirect_uri=request.payload.redirect_uri,
            state=request.payload.state,
        ) from None
    return grant


@_in_context
def begin(session: Session, provider: Provider, request: ProtocolRequest) -> Pending | ProtocolResponse:
    """Validate an authorization request (pushed or not) and park it for the person's sign-in."""
    params = _resolve_request_uri(session, request)
    client = provider.query_client(params.get("client_id", ""))
    if client is None:
        raise FrontChannelError("invalid_client", "Unknown client.")
    if client.row.require_par and not params.pop("_pushed", None):
        if not client.check_redirect_uri(params.get("redirect_uri", "")):
            raise FrontChannelError("invalid_request", "This client must use pushed authorization requests (PAR).")
        error = InvalidRequestError(
            "This client must use pushed authorization requests (PAR).",
            redirect_uri=params["redirect_uri"],
            state=params.get("state"),
        )
        return _error_response(provider, request, error)
    params.pop("_pushed", None)
    checked = ProtocolRequest("GET", request.uri, request.headers, params.items())
    try:
        _validate(provider, checked)
    except OAuth2Error as error:
        if not error.redirect_uri:
            raise FrontChannelError(error.error, error.get_error_description() or error.error) from None
        return _error_response(provider, checked, error)
    handle, now = secrets.new_token(), utcnow()
    repository.add(
        session,
        PendingAuthorization(
            handle=handle, client_id=client.get_client_id(), params=params, expires_at=now + PENDING_TTL
        ),
    )
    return Pending(handle, client, params, now)


def _error_response(provider: Provider, request: ProtocolRequest, error: OAuth2Error) -> ProtocolResponse:
    response: ProtocolResponse = provider.handle_error_response(request, error)
    return response


def _resolve_request_uri(session: Session, request: ProtocolRequest) -> dict[str, str]:
    """With ``request_uri``, the pushed parameters replace the query (once, before they expire)."""
    query = dict(request.args)
    request_uri = query.get("request_uri")
    if request_uri is None:
        return query
    handle = request_uri.removeprefix(REQUEST_URI_PREFIX)
    row = repository.pending(session, handle) if request_uri.startswith(REQUEST_URI_PREFIX) else None
    if row is None or not row.pushed or row.client_id != query.get("client_id"):
        raise FrontChannelError("invalid_request_uri", "The request_uri is unknown.")
    if row.expires_at <= utcnow() or not repository.claim_pending(session, handle, utcnow()):
        raise FrontChannelError("invalid_request_uri", "The request_uri has expired or was already used.")
    return {**row.params, "_pushed": "1"}


@_in_context
def pending(session: Session, provider: Provider, handle: str) -> Pending:
    row = repository.pending(session, handle)
    if row is None or row.pushed or row.used_at is not None or row.expires_at <= utcnow():
        raise FrontChannelError("invalid_request", "This sign-in request has expired; start again from the service.")
    client = provider.query_client(row.client_id)
    if client is None:
        raise FrontChannelError("invalid_client", "Unknown client.")
    return Pending(handle, client, dict(row.params), row.expires_at - PENDING_TTL)


@_in_context
def finish(session: Session, provider: Provider, item: Pending, user: EndUser, uri: str) -> ProtocolResponse:
    """Issue the code (Authlib's grant) and spend the pending request."""
    if not repository.claim_pending(session, item.handle, utcnow()):
        raise FrontChannelError("invalid_request", "This sign-in request was already completed.")
    request = ProtocolRequest("GET", uri, {}, item.params.items())
    if not claim_rules.acr_satisfies(user.acr, item.acr_values):
        error = OAuth2Error(
            error="unmet_authentication_requirements",
            redirect_uri=item.params["redirect_uri"],
            state=item.params.get("state"),
        )
        error.status_code = 302
        response: ProtocolResponse = provider.handle_error_response(request, error)
        return response
    grant = provider.get_authorization_grant(request)
    result: ProtocolResponse = provider.create_authorization_response(request, grant_user=user, grant=grant)
    return result


@_in_context
def deny(session: Session, provider: Provider, item: Pending, uri: str) -> ProtocolResponse:
    repository.claim_pending(session, item.handle, utcnow())
    request = ProtocolRequest("GET", uri, {}, item.params.items())
    grant = provider.get_authorization_grant(request)
    result: ProtocolResponse = provider.create_authorization_response(request, grant_user=None, grant=grant)
    return result


__all__ = ["FrontChannelError", "InvalidClientError", "Pending", "begin", "deny", "finish", "pending", "push"]
