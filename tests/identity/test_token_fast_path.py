"""The token endpoint's fast path (``spbe.identity.oidc.fastpath``): client credentials served from the
cached client and signer, ``jti`` group-committed by ``replay.AssertionLedger``.

Two applications built on one database of their own stand for two worker processes: they share nothing
but the database, as uvicorn's workers do. Assertions are signed with jwcrypto and tokens verified
with it (independent of our joserfc).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws, jwt
from sqlalchemy import update
from sqlalchemy.orm import Session

from spbe.app import create_app
from spbe.core.config import Settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.identity import repository
from spbe.identity.models import OidcClient
from spbe.identity.oidc import context, replay
from spbe.identity.oidc import server as server_module
from spbe.identity.oidc.fastpath import MAX_BODY, TokenEndpoint, ledger_for, provider_for
from tests.core.fresh_database import fresh_database

from .conftest import ASSERTION_TYPE, ISSUER, TOKEN_URL, TestRp, new_key, public_jwks
from .receiver import Route, serving

CLIENT_ID = "fast-machine"


@dataclass
class Workers:
    one: TestClient
    two: TestClient
    key: jwk.JWK
    url: str

    def assertion(self, key: jwk.JWK | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_URL, "iat": now, "exp": now + 60}
        claims |= {"jti": uuid.uuid4().hex, **overrides}
        signer = key or self.key
        token = jwt.JWT(header={"alg": "ES256", "kid": signer["kid"]}, claims=claims)
        token.make_signed_token(signer)
        return str(token.serialize())

    def set_client(self, **values: Any) -> None:
        engine = create_db_engine(self.url)
        with session_scope(make_session_factory(engine)) as session:
            session.execute(update(OidcClient).where(OidcClient.client_id == CLIENT_ID).values(**values))
        engine.dispose()


def token(client: TestClient, assertion: str) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
    response = client.post("/oidc/token", data=form)
    return response.status_code, response.json()


def batches(client: TestClient) -> int:
    return ledger_for(client.app).batches  # type: ignore[arg-type]


@pytest.fixture
def workers(tmp_path: Path, settings: Settings) -> Iterator[Workers]:
    key = new_key("fast-key-1")
    with fresh_database(tmp_path) as url:
        own = settings.model_copy(update={"database_url": url})
        engine = create_db_engine(url)
        with session_scope(make_session_factory(engine)) as session:
            keys.ensure_keys(session, Purpose.oidc)
            session.add(
                OidcClient(
                    client_id=CLIENT_ID,
                    name="Sistem Cepat",
                    kind="machine",
                    agency_code="KOMDIGI",
                    jwks=public_jwks(key),
                    sector_identifier=CLIENT_ID,
                    allowed_scopes="",
                    roles=["registry:reader"],
                    require_par=False,
                )
            )
        engine.dispose()
        with TestClient(create_app(own)) as one, TestClient(create_app(own)) as two:
            workers = Workers(one, two, key, url)
            for client in (one, two):  # warm: the client and the signer are cached from here on
                assert token(client, workers.assertion())[0] == 200
            yield workers


def test_a_warm_worker_issues_tokens_without_a_session_and_records_the_jti(workers: Workers) -> None:
    before = batches(workers.one)
    status, body = token(workers.one, workers.assertion())
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert batches(workers.one) == before + 1  # served in memory; its jti went through the ledger
    jwks = jwk.JWKSet.from_json(workers.one.get("/oidc/jwks.json").text)
    claims = json.loads(jwt.JWT(jwt=body["access_token"], key=jwks, expected_type="JWS").claims)
    assert (claims["iss"], claims["sub"], claims["kind"]) == (ISSUER, CLIENT_ID, "machine")
    assert (claims["roles"], claims["agency"]) == (["registry:reader"], "KOMDIGI")


@pytest.mark.parametrize("order", [("one", "two"), ("two", "one")])
def test_a_replayed_assertion_is_rejected_by_the_other_worker(workers: Workers, order: tuple[str, str]) -> None:
    first, second = (getattr(workers, name) for name in order)
    assertion = workers.assertion()
    assert token(first, assertion)[0] == 200
    status, body = token(second, assertion)
    assert (status, body["error"]) == (400, "invalid_client")
    assert token(first, assertion)[0] == 400


def test_simultaneous_uses_of_one_assertion_on_both_workers_issue_one_token(workers: Workers) -> None:
    assertion = workers.assertion()
    targets = [workers.one, workers.two] * 6
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        statuses = list(pool.map(lambda client: token(client, assertion)[0], targets))
    assert sorted(statuses) == [200] + [400] * (len(targets) - 1)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _hs256_with_public_key(workers: Workers) -> str:
    public_pem = workers.key.export_to_pem(private_key=False, password=None)
    secret = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(public_pem).rstrip(b"=").decode())
    now = int(time.time())
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_URL, "iat": now, "exp": now + 60, "jti": "hs"}
    signed = jws.JWS(json.dumps(claims).encode())
    signed.add_signature(secret, alg="HS256", protected=json.dumps({"alg": "HS256", "kid": "fast-key-1"}))
    return str(signed.serialize(compact=True))


def _alg_none(workers: Workers) -> str:
    now = int(time.time())
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_URL, "iat": now, "exp": now + 60, "jti": "none"}
    return f"{_b64({'alg': 'none', 'kid': 'fast-key-1'})}.{_b64(claims)}."


NEGATIVE = {
    "expired": lambda w: w.assertion(iat=int(time.time()) - 600, exp=int(time.time()) - 540),
    "lives longer than 120 s": lambda w: w.assertion(exp=int(time.time()) + 3600),
    "issued in the future": lambda w: w.assertion(iat=int(time.time()) + 600, exp=int(time.time()) + 660),
    "wrong aud": lambda w: w.assertion(aud="https://other-idp.example/token"),
    "iss differs from sub": lambda w: w.assertion(iss="someone-else"),
    "no jti": lambda w: w.assertion(jti=None),
    "alg none": _alg_none,
    "HS256 signed with the public key": _hs256_with_public_key,
    "unknown kid": lambda w: w.assertion(key=new_key("stranger")),
    "right kid, wrong key": lambda w: w.assertion(key=new_key("fast-key-1")),
    "unknown client": lambda w: w.assertion(iss="nobody", sub="nobody"),
}


@pytest.mark.parametrize("case", NEGATIVE)
def test_the_negative_matrix_holds_on_a_warm_worker(workers: Workers, case: str) -> None:
    status, body = token(workers.one, NEGATIVE[case](workers))
    assert (status, body["error"]) == (400, "invalid_client")


def test_a_newly_registered_key_works_at_once_and_a_removed_one_stops(workers: Workers) -> None:
    rotated = new_key("fast-key-2")
    workers.set_client(jwks=public_jwks(rotated))
    assert token(workers.one, workers.assertion(key=rotated))[0] == 200  # unknown kid: client read again
    status, body = token(workers.one, workers.assertion())  # the old key left with the reload
    assert (status, body["error"]) == (400, "invalid_client")


def test_a_deactivated_client_is_refused_once_its_cache_entry_expires(
    workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    workers.set_client(active=False)
    later = time.monotonic() + server_module.CLIENT_CACHE_SECONDS + 1
    monkeypatch.setattr(server_module.time, "monotonic", lambda: later)
    status, body = token(workers.two, workers.assertion())
    assert (status, body["error"]) == (400, "invalid_client")


def test_a_forgotten_client_is_read_again(workers: Workers) -> None:
    workers.set_client(active=False)
    provider_for(workers.one.app).forget_client(CLIENT_ID)  # type: ignore[arg-type]
    assert token(workers.one, workers.assertion())[0] == 400


def test_malformed_requests_get_oauth_errors(workers: Workers) -> None:
    response = workers.one.post("/oidc/token", content=b"a=" + b"x" * MAX_BODY, headers={"content-type": "x"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE}
    response = workers.one.post("/oidc/token", json=form | {"client_assertion": workers.assertion()})
    assert response.status_code == 400
    assert response.json()["error"] in {"unsupported_grant_type", "invalid_request"}
    response = workers.one.post("/oidc/token", content=b"grant_type=\xff", headers={"content-type": FORM})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    assert response.headers["cache-control"] == "no-store"


FORM = "application/x-www-form-urlencoded"


def _use(jti: str, client_id: str = CLIENT_ID) -> context.AssertionUse:
    return context.AssertionUse(client_id, jti, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2))


def test_the_ledger_lets_the_first_of_two_uses_in_one_batch_win() -> None:
    written: list[list[context.AssertionUse]] = []

    async def store(uses: list[context.AssertionUse], purge: bool) -> set[tuple[str, str]]:
        written.append(uses)
        await asyncio.sleep(0)
        return {(use.client_id, use.jti) for use in uses}

    async def run() -> list[bool]:
        ledger = replay.AssertionLedger(store)
        return list(await asyncio.gather(*(ledger.remember([_use(jti)]) for jti in ("a", "a", "b", "a"))))

    assert asyncio.run(run()) == [True, False, True, False]
    assert [[use.jti for use in batch] for batch in written] == [["a", "b"]]  # one transaction, no duplicate


def test_the_ledger_lets_nothing_through_when_the_database_fails() -> None:
    async def store(uses: list[context.AssertionUse], purge: bool) -> set[tuple[str, str]]:
        raise RuntimeError("database is gone")

    async def run() -> list[BaseException | bool]:
        ledger = replay.AssertionLedger(store)
        return list(
            await asyncio.gather(ledger.remember([_use("x")]), ledger.remember([_use("y")]), return_exceptions=True)
        )

    assert all(isinstance(outcome, RuntimeError) for outcome in asyncio.run(run()))


def test_recorded_assertions_are_replays_until_purged_after_expiry(db_session: Session) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    rows = [(CLIENT_ID, "old", past), (CLIENT_ID, "new", past + dt.timedelta(minutes=5))]
    assert repository.remember_assertions(db_session, rows) == {(CLIENT_ID, "old"), (CLIENT_ID, "new")}
    assert repository.remember_assertions(db_session, rows) == set()
    assert repository.remember_assertions(db_session, [("other-client", "old", past)]) == {("other-client", "old")}
    repository.purge_expired_assertions(db_session, dt.datetime.now(dt.UTC))
    assert repository.remember_assertions(db_session, rows) == {(CLIENT_ID, "old")}


def test_the_route_serves_the_same_endpoint_where_the_middleware_is_not_installed(
    app: FastAPI, machine: TestRp
) -> None:
    app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not TokenEndpoint]
    with TestClient(app) as plain:
        assertion = machine.assertion(alg="PS256")
        status, body = token(plain, assertion)
        assert status == 200
        assert body["token_type"] == "Bearer"
        assert token(plain, assertion)[0] == 400  # the replay cache is the same
    assert ledger_for(app).batches == 1  # the replay went the in-memory way, through the route


def test_a_jwks_uri_client_is_served_off_the_event_loop_with_its_fetched_keys(workers: Workers) -> None:
    rotated = new_key("fast-key-3")
    with serving() as server:
        server.routes["/jwks.json"] = Route(body=json.dumps(public_jwks(rotated)).encode())
        workers.set_client(jwks_uri=server.base + "/jwks.json")
        assert token(workers.one, workers.assertion(key=rotated))[0] == 200  # fetched in a worker thread
        status, body = token(workers.one, workers.assertion(key=new_key("fast-key-9")))
    assert (status, body["error"]) == (400, "invalid_client")
