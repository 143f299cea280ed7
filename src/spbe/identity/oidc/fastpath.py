"""The token endpoint as raw ASGI, in front of FastAPI's routing and dependency machinery.

``POST /oidc/token`` is the provider's hottest path (every RP exchange, every machine client), and the
framework around it cost more than the protocol work itself (bench/identity/inprocess.py measures it).
``TokenEndpoint`` reads and parses the form itself and hands it to the same Authlib server the routes
use; every rule stays Authlib's and ours (``client_auth``, ``grants``).

Client credentials with a cached client and signer are served in the event loop without a database
session (``context.without_database``): the assertion is verified in memory and its ``jti`` is
group-committed by ``replay.AssertionLedger`` before the token is sent; a replay found then turns the
reply into ``invalid_client``. Anything needing the database (a client not cached, a new ``kid``, a code
or refresh grant) runs in a worker thread inside one unit of work, exactly as the routes do.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Generator, Iterator
from typing import TypeVar, cast
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import InvalidClientError
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from spbe.core.db import session_scope, utcnow
from spbe.core.deps import get_db_session
from spbe.core.tokens import platform_issuer
from spbe.identity import repository
from spbe.identity.oidc import context
from spbe.identity.oidc.context import AssertionUse
from spbe.identity.oidc.http import ProtocolRequest, ProtocolResponse
from spbe.identity.oidc.replay import AssertionLedger
from spbe.identity.oidc.server import Provider, make_provider

logger = logging.getLogger("spbe.identity")
T = TypeVar("T")
TOKEN_PATH = "/oidc/token"  # noqa: S105 (a path, not a secret)
MAX_BODY = 64 * 1024  # a token request is a few hundred bytes; assertions signed with RSA-4096 ~2 KiB
FORM = b"application/x-www-form-urlencoded"
REPLAYED = "JWT ID is used before."  # Authlib's own words for a replayed assertion


def provider_for(app: FastAPI) -> Provider:
    """The application's Authlib server (one per application, built on first use)."""
    provider: Provider | None = getattr(app.state, "identity_provider", None)
    if provider is None:
        provider = make_provider(platform_issuer(app.state.settings))
        app.state.identity_provider = provider
    return provider


async def unit_of_work(app: FastAPI, work: Callable[[Session], T], *, write: bool = True) -> T:
    """Run ``work`` in one worker thread inside one unit of work (``get_db_session``'s, or its test
    override). The connection is held only while the thread runs: a ``DbSession`` dependency would hold
    it across the wait for a thread, and 50 concurrent clients then exhaust the pool and the threads."""
    override = app.dependency_overrides.get(get_db_session)

    def run() -> T:
        if override is None:
            with session_scope(app.state.session_factory, write=write) as session, context.using(session):
                return work(session)
        units = override()
        session = next(units)
        try:
            with context.using(session):
                result = work(session)
        except BaseException as error:
            _close(units, error)
            raise
        _close(units, None)
        return result

    return await run_in_threadpool(run)


def _close(units: Iterator[Session], error: BaseException | None) -> None:
    """Finish the unit of work like FastAPI would: commit (exhausting the generator) or roll back."""
    generator = cast(Generator[Session, None, None], units)
    if error is None:
        next(generator, None)
    else:
        with contextlib.suppress(BaseException):  # the caller re-raises the original error
            generator.throw(error)


def ledger_for(app: FastAPI) -> AssertionLedger:
    """The application's ``jti`` group committer (one per process)."""
    ledger: AssertionLedger | None = getattr(app.state, "identity_assertion_ledger", None)
    if ledger is None:

        async def store(uses: list[AssertionUse], purge: bool) -> set[tuple[str, str]]:
            def work(session: Session) -> set[tuple[str, str]]:
                if purge:
                    repository.purge_expired_assertions(session, utcnow())
                return repository.remember_assertions(session, [(u.client_id, u.jti, u.expires_at) for u in uses])

            return await unit_of_work(app, work)

        ledger = AssertionLedger(store)
        app.state.identity_assertion_ledger = ledger
    return ledger


class TokenEndpoint:
    """ASGI middleware: serves ``POST /oidc/token`` itself, passes everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != TOKEN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            status, headers, body = await token_reply(scope["app"], scope, receive)
        except Exception:
            logger.exception("token endpoint failed")
            status, headers, body = _error(500, "server_error", "The request could not be served.")
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def token_reply(app: FastAPI, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = await _read_body(receive)
    if body is None:
        return _error(400, "invalid_request", "The request body is too large.")
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
    try:
        form = _form(headers.get("content-type", ""), body)
    except UnicodeDecodeError:
        return _error(400, "invalid_request", "The request body is not UTF-8.")
    provider = provider_for(app)

    def request() -> ProtocolRequest:
        raw_query: bytes = scope["query_string"]
        query = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True) if raw_query else []
        return ProtocolRequest("POST", provider.issuer + TOKEN_PATH, headers, query, form)

    response = await _in_memory(app, provider, request) if _may_skip_database(provider, form) else None
    if response is None:
        oauth_request = request()
        response = await unit_of_work(
            app, lambda _: cast(ProtocolResponse, provider.create_token_response(oauth_request))
        )
    return response.to_asgi()


def _may_skip_database(provider: Provider, form: list[tuple[str, str]]) -> bool:
    return ("grant_type", "client_credentials") in form and provider.signers.fresh()


async def _in_memory(
    app: FastAPI, provider: Provider, request: Callable[[], ProtocolRequest]
) -> ProtocolResponse | None:
    """Client credentials without a session; None when a step needs the database after all."""
    uses: list[AssertionUse] = []
    oauth_request = request()
    try:
        with context.without_database(uses):
            response: ProtocolResponse = provider.create_token_response(oauth_request)
    except context.NeedsDatabase:
        return None  # nothing was written; the request is served again in a unit of work
    recorded = await ledger_for(app).remember(uses)
    if uses and not recorded and response.status == 200:
        error = InvalidClientError(description=REPLAYED)
        return cast(ProtocolResponse, provider.handle_error_response(oauth_request, error))
    return response


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _form(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The urlencoded form (as Starlette reads it: any other content type gives an empty form)."""
    if content_type.split(";", 1)[0].strip().lower().encode() != FORM:
        return []
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True)


def _error(status: int, error: str, description: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return ProtocolResponse(status, {"error": error, "error_description": description}, []).to_asgi()
