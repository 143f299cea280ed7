"""OIDC Back-Channel Logout 1.0: when a login session ends, every RP of it that registered a
``backchannel_logout_uri`` receives a signed logout token by a real HTTP POST (a threaded server on
127.0.0.1 here), verified with jwcrypto against the published JWKS."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws, jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.core.errors import BadRequest
from spbe.identity import backchannel, clients, repository

from .conftest import ISSUER, ActiveResident, TestRp, csrf_form, exchange, new_key, public_jwks, rp_logout, run_flow
from .receiver import Receiver, Route, serving

EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as server:
        server.routes["/bc"] = Route(status=200)
        yield server


@pytest.fixture
def bc_rp(db_session: Session, rp: TestRp, receiver: Receiver) -> TestRp:
    backchannel.set_logout_uri(db_session, repository.client(db_session, rp.client_id), receiver.base + "/bc")  # type: ignore[arg-type]
    return rp


def logout_claims(client: TestClient, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    keyset = jwk.JWKSet.from_json(client.get("/oidc/jwks.json").text)
    checked = jwt.JWT(jwt=token, key=keyset, algs=["ES256"])
    header = json.loads(checked.header)
    return header, json.loads(checked.claims)


def id_token_claims(token: str) -> dict[str, Any]:
    parsed = jws.JWS()
    parsed.deserialize(token)
    payload: dict[str, Any] = json.loads(parsed.objects["payload"])
    return payload


def sign_in_and_get_id_token(client: TestClient, rp: TestRp, who: ActiveResident) -> dict[str, Any]:
    flow = run_flow(client, rp, who)
    tokens = exchange(client, rp, flow).json()
    return id_token_claims(tokens["id_token"])


def audits(session: Session) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.action == "identity.backchannel_logout").order_by(AuditRecord.seq)
    return list(session.scalars(query))


def test_discovery_announces_back_channel_logout(client: TestClient) -> None:
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["backchannel_logout_supported"] is True
    assert meta["backchannel_logout_session_supported"] is True


def test_rp_initiated_logout_posts_a_signed_logout_token(
    client: TestClient, db_session: Session, bc_rp: TestRp, resident: ActiveResident, receiver: Receiver
) -> None:
    id_token = sign_in_and_get_id_token(client, bc_rp, resident)
    response = rp_logout(client, client_id=bc_rp.client_id)
    assert response.status_code == 200
    forms = receiver.forms("/bc")
    assert len(forms) == 1
    header, claims = logout_claims(client, forms[0]["logout_token"][0])
    assert header["typ"] == "logout+jwt"
    assert claims["iss"] == ISSUER
    assert claims["aud"] == bc_rp.client_id
    assert claims["sid"] == id_token["sid"]
    assert claims["sub"] == id_token["sub"]
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    assert claims["jti"]
    assert claims["iat"] <= time.time() < claims["exp"] <= claims["iat"] + 120
    content_type = receiver.posts[0][2]["Content-Type"]
    assert content_type.startswith("application/x-www-form-urlencoded")
    records = audits(db_session)
    assert [(r.object_id, r.outcome, r.data["status"]) for r in records] == [(bc_rp.client_id, "success", 200)]
    # the provider session is over: the account page asks to sign in again
    assert client.get("/ikd/account", follow_redirects=False).headers["location"] == "/ikd/login"


def test_sign_out_on_the_provider_also_notifies(
    client: TestClient, bc_rp: TestRp, resident: ActiveResident, receiver: Receiver
) -> None:
    id_token = sign_in_and_get_id_token(client, bc_rp, resident)
    assert client.post("/ikd/logout", data=csrf_form(client), follow_redirects=False).status_code == 303
    (form,) = receiver.forms("/bc")
    _, claims = logout_claims(client, form["logout_token"][0])
    assert claims["sid"] == id_token["sid"]


def session_id(id_token: dict[str, Any]) -> int:
    """The provider's internal id of the sign-in session an ID token's (random, per-sector) ``sid`` names."""
    from spbe.identity import secrets
    from spbe.identity.models import LoginSession

    session: Session = SESSION_OF_TEST[0]
    client_row = repository.client(session, id_token["aud"])
    assert client_row is not None
    for row in session.scalars(select(LoginSession)):
        if secrets.session_sid(row.sid_digest, client_row.sector_identifier) == id_token["sid"]:
            return row.id
    raise AssertionError("no session has this sid")


SESSION_OF_TEST: list[Session] = []


@pytest.fixture(autouse=True)
def _remember_session(db_session: Session) -> None:
    SESSION_OF_TEST[:] = [db_session]


def test_ending_another_session_on_the_account_page_notifies_its_rps(
    app: FastAPI, client: TestClient, bc_rp: TestRp, resident: ActiveResident, receiver: Receiver
) -> None:
    phone_id_token = sign_in_and_get_id_token(client, bc_rp, resident)  # "the phone" signs in to the RP
    with TestClient(app) as laptop:
        laptop.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password})
        assert (
            laptop.post("/ikd/login/otp", data={"code": resident.totp(30)}, follow_redirects=False).status_code == 303
        )
        page = laptop.get("/ikd/account")
        assert page.status_code == 200
        assert "Layanan Uji" in page.text  # the phone's session shows the service it signed in to
        token = laptop.cookies.get("spbe_csrf")
        refused = laptop.post(f"/ikd/account/sessions/{session_id(phone_id_token)}/end", data={"csrf_token": "forged"})
        assert refused.status_code == 403
        assert receiver.posts == []
        ended = laptop.post(
            f"/ikd/account/sessions/{session_id(phone_id_token)}/end",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert ended.status_code == 303
        assert ended.headers["location"] == "/ikd/account"
        assert laptop.get("/ikd/account").status_code == 200  # the laptop stays signed in
    (form,) = receiver.forms("/bc")
    _, claims = logout_claims(client, form["logout_token"][0])
    assert claims["sid"] == phone_id_token["sid"]
    assert client.get("/ikd/account", follow_redirects=False).status_code == 303  # the phone is signed out


def test_a_session_of_someone_else_cannot_be_ended(
    app: FastAPI, client: TestClient, bc_rp: TestRp, resident: ActiveResident, receiver: Receiver
) -> None:
    client.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password})
    client.post("/ikd/login/otp", data={"code": resident.totp()})
    client.get("/ikd/account")
    token = client.cookies.get("spbe_csrf")
    response = client.post("/ikd/account/sessions/999999/end", data={"csrf_token": token})
    assert response.status_code == 404
    assert receiver.posts == []


def test_only_rps_of_the_session_with_a_registered_uri_are_told(
    client: TestClient, db_session: Session, rp: TestRp, resident: ActiveResident, receiver: Receiver
) -> None:
    other_key = new_key("other-key")
    other = clients.register_relying_party(
        db_session,
        client_id="other-rp",
        name="Layanan Lain",
        agency_code="KOMDIGI",
        redirect_uris=["https://other.example.go.id/cb"],
        jwks=public_jwks(other_key),
        scopes=["openid"],
    )
    backchannel.set_logout_uri(db_session, other, receiver.base + "/bc")  # registered, but not in the session
    sign_in_and_get_id_token(client, rp, resident)  # rp has no back-channel URI
    rp_logout(client)
    assert receiver.posts == []
    assert audits(db_session) == []


def test_failures_are_audited_and_do_not_break_logout(
    client: TestClient, db_session: Session, bc_rp: TestRp, resident: ActiveResident, receiver: Receiver
) -> None:
    receiver.routes["/bc"] = Route(status=500)
    sign_in_and_get_id_token(client, bc_rp, resident)
    response = rp_logout(client)
    assert response.status_code == 200
    (record,) = audits(db_session)
    assert record.outcome == "failure"
    assert record.data["status"] == 500


def test_a_slow_rp_times_out_without_holding_the_others(receiver: Receiver) -> None:
    receiver.routes["/slow"] = Route(status=200, delay=2.0)
    deliveries = [
        backchannel.Delivery("slow-rp", receiver.base + "/slow", "token-a", "1"),
        backchannel.Delivery("fast-rp", receiver.base + "/bc", "token-b", "1"),
    ]
    started = time.monotonic()
    outcomes = asyncio.run(backchannel.deliver(deliveries, timeout=0.5))
    elapsed = time.monotonic() - started
    assert elapsed < 1.5
    by_client = {outcome.client_id: outcome for outcome in outcomes}
    assert by_client["fast-rp"].delivered
    assert not by_client["slow-rp"].delivered
    assert by_client["slow-rp"].error == "ReadTimeout"


def test_an_unreachable_rp_is_a_recorded_failure() -> None:
    deliveries = [backchannel.Delivery("gone-rp", "http://127.0.0.1:9/bc", "token", "1")]
    (outcome,) = asyncio.run(backchannel.deliver(deliveries, timeout=0.5))
    assert outcome.status is None
    assert outcome.error == "ConnectError"


def test_the_logout_response_does_not_wait_for_the_rps(
    client: TestClient, bc_rp: TestRp, resident: ActiveResident, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tokens go out in a background task attached to the response (sent after the page)."""
    attached: list[object] = []
    original = backchannel.background

    def spy(request: Any, deliveries: list[backchannel.Delivery]) -> Any:
        task = original(request, deliveries)
        attached.append(task)
        return task

    monkeypatch.setattr(backchannel, "background", spy)
    sign_in_and_get_id_token(client, bc_rp, resident)
    rp_logout(client)
    assert len(attached) == 1
    assert attached[0] is not None


@pytest.mark.parametrize(
    "uri", ["http://rp.example.go.id/bc", "ftp://127.0.0.1/bc", "https://rp.example.go.id/bc#x", "/relative"]
)
def test_back_channel_uri_must_be_https_or_loopback(uri: str) -> None:
    with pytest.raises(BadRequest):
        backchannel.check_uri(uri)


def test_logout_claims_carry_no_nonce() -> None:
    claims = backchannel.logout_claims(ISSUER, "rp", "7", None)
    assert set(claims) == {"iss", "aud", "iat", "exp", "jti", "sid", "events"}


def test_outcomes_are_audited_in_a_committed_unit_of_work_of_their_own(tmp_path: Any, settings: Any) -> None:
    """Without the test override the background task opens (and commits) its own write transaction."""
    from types import SimpleNamespace

    from spbe.core.db import create_db_engine, make_session_factory, session_scope
    from tests.core.fresh_database import fresh_database

    with fresh_database(tmp_path) as url:
        engine = create_db_engine(url)
        factory = make_session_factory(engine)
        request = SimpleNamespace(
            app=SimpleNamespace(dependency_overrides={}, state=SimpleNamespace(session_factory=factory))
        )
        outcome = backchannel.Outcome("some-rp", "9", 204, None)
        backchannel._record_in_own_unit(request, [outcome])  # type: ignore[arg-type]
        with session_scope(factory, write=False) as session:
            (record,) = audits(session)
            assert record.object_id == "some-rp"
            assert record.outcome == "success"
        engine.dispose()


def test_ending_this_browsers_session_signs_it_out(
    client: TestClient, bc_rp: TestRp, resident: ActiveResident, receiver: Receiver
) -> None:
    id_token = sign_in_and_get_id_token(client, bc_rp, resident)
    client.get("/ikd/account")
    token = client.cookies.get("spbe_csrf")
    response = client.post(
        f"/ikd/account/sessions/{session_id(id_token)}/end", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ikd/login"
    assert client.get("/ikd/account", follow_redirects=False).status_code == 303
    (form,) = receiver.forms("/bc")
    assert logout_claims(client, form["logout_token"][0])[1]["sid"] == id_token["sid"]
