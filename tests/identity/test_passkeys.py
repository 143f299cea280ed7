"""Passkeys (WebAuthn): registered from the account page, used as the second factor beside the TOTP code.
The authenticator is a real EC P-256 key answering the ceremonies in Python (``authenticator.py``);
the server side is the ``webauthn`` package. Unhappy paths: tampered signature, wrong challenge, wrong
origin, replayed signature counter, reused challenge, forged CSRF token, lockout."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.identity.models import Account, Passkey

from .authenticator import SoftAuthenticator
from .conftest import ActiveResident, TestRp, csrf_form, exchange, pkce, push, query_of

ORIGIN = "http://127.0.0.1:8000"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def device() -> SoftAuthenticator:
    return SoftAuthenticator("127.0.0.1", ORIGIN)


def password_step(client: TestClient, who: ActiveResident, auth: str = "") -> None:
    response = client.post(
        "/ikd/login", data={"identifier": who.nik, "password": who.password, "auth": auth}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ikd/login/otp")


def signed_in(client: TestClient, who: ActiveResident, offset: int = 0) -> None:
    """Password + TOTP (each TOTP code works once: a second sign-in in one test takes the next step's)."""
    password_step(client, who)
    assert client.post("/ikd/login/otp", data={"code": who.totp(offset)}, follow_redirects=False).status_code == 303


def register(client: TestClient, device: SoftAuthenticator, **create: Any) -> Any:
    client.get("/ikd/account")
    options = client.post("/ikd/account/passkeys/options", content="{}", headers=JSON)
    assert options.status_code == 200, options.text
    credential = device.create(options.json(), **create)
    data = {"credential": credential, "name": "Ponsel saya", "csrf_token": client.cookies.get("spbe_csrf")}
    return client.post("/ikd/account/passkeys", data=data, follow_redirects=False)


def login_options(client: TestClient) -> dict[str, Any]:
    response = client.post("/ikd/login/passkey/options", content="{}", headers=JSON)
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()
    return options


def passkey_step(client: TestClient, credential: str, auth: str = "") -> Any:
    return client.post("/ikd/login/passkey", data={"credential": credential, "auth": auth}, follow_redirects=False)


@pytest.fixture
def enrolled(client: TestClient, resident: ActiveResident, device: SoftAuthenticator) -> SoftAuthenticator:
    signed_in(client, resident)
    response = register(client, device)
    assert response.status_code == 303, response.text
    client.post("/ikd/logout", data=csrf_form(client))
    client.cookies.delete("ikd_sid")
    return device


def test_register_and_sign_in_with_a_passkey(
    client: TestClient, db_session: Session, resident: ActiveResident, enrolled: SoftAuthenticator
) -> None:
    (key,) = db_session.scalars(select(Passkey)).all()
    assert key.name == "Ponsel saya"
    assert key.transports == ["internal", "hybrid"]
    password_step(client, resident)
    assert "/ikd/login/passkey" in client.get("/ikd/login/otp").text  # offered beside the TOTP code
    response = passkey_step(client, enrolled.get(login_options(client)))
    assert response.status_code == 303
    assert response.headers["location"] == "/ikd/account"
    page = client.get("/ikd/account")
    assert page.status_code == 200
    assert "Ponsel saya" in page.text
    db_session.refresh(key)
    assert key.sign_count == 1
    assert key.last_used_at is not None
    actions = set(db_session.scalars(select(AuditRecord.action)))
    assert {"identity.passkey.registered", "identity.login"} <= actions


def test_an_rp_asking_for_passkey_assurance_gets_acr_passkey(
    client: TestClient, rp: TestRp, resident: ActiveResident, enrolled: SoftAuthenticator
) -> None:
    verifier, challenge = pkce()
    pushed = push(client, rp, challenge, acr_values="urn:ikd:acr:passkey")
    start = client.get(
        "/oidc/authorize", params={"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]}
    )
    auth = query_of(str(start.url))["auth"]
    password_step(client, resident, auth)
    response = passkey_step(client, enrolled.get(login_options(client)), auth)
    if response.headers["location"].startswith("/ikd/consent"):
        response = client.post("/ikd/consent", data={"decision": "allow", "auth": auth}, follow_redirects=False)
    assert response.status_code == 302, response.text
    from .conftest import Flow

    tokens = exchange(client, rp, Flow(query_of(response.headers["location"])["code"], verifier, "n-1", {})).json()
    keyset = jwk.JWKSet.from_json(client.get("/oidc/jwks.json").text)
    id_token = json.loads(jwt.JWT(jwt=tokens["id_token"], key=keyset, algs=["ES256"]).claims)
    assert id_token["acr"] == "urn:ikd:acr:passkey"
    assert id_token["amr"] == ["hwk", "pwd"]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda device, options: device.get(options, tamper=True), id="tampered-signature"),
        pytest.param(
            lambda device, options: device.get(options, challenge="d3JvbmctY2hhbGxlbmdl"), id="wrong-challenge"
        ),
        pytest.param(lambda device, options: device.get(options, origin="https://evil.example"), id="wrong-origin"),
        pytest.param(lambda device, options: device.get(options, count=0), id="replayed-sign-count"),
        pytest.param(lambda device, options: "not json", id="malformed"),
    ],
)
def test_bad_assertions_are_refused(
    client: TestClient,
    db_session: Session,
    resident: ActiveResident,
    enrolled: SoftAuthenticator,
    answer: Any,
) -> None:
    password_step(client, resident)
    enrolled.get(login_options(client))  # one good use: the counter now stands at 1
    passkey_step(client, enrolled.get(login_options(client)))
    client.post("/ikd/logout", data=csrf_form(client))
    password_step(client, resident)
    response = passkey_step(client, answer(enrolled, login_options(client)))
    assert response.status_code == 401
    assert client.get("/ikd/account", follow_redirects=False).status_code == 303  # not signed in
    failures = db_session.scalars(select(AuditRecord).where(AuditRecord.action == "identity.passkey.failed")).all()
    assert len(failures) == 1


def test_a_challenge_works_once(client: TestClient, resident: ActiveResident, enrolled: SoftAuthenticator) -> None:
    password_step(client, resident)
    options = login_options(client)
    first = enrolled.get(options)
    refused = passkey_step(client, enrolled.get(options, challenge="b3RoZXI"))  # spends the challenge
    assert refused.status_code == 401
    assert passkey_step(client, first).status_code == 401  # the right answer, too late


def test_another_accounts_passkey_is_refused(
    client: TestClient, resident: ActiveResident, enrolled: SoftAuthenticator
) -> None:
    password_step(client, resident)
    stranger = SoftAuthenticator("127.0.0.1", ORIGIN)
    assert passkey_step(client, stranger.get(login_options(client))).status_code == 401


def test_failures_lock_the_account(
    client: TestClient, db_session: Session, resident: ActiveResident, enrolled: SoftAuthenticator
) -> None:
    password_step(client, resident)
    for _ in range(5):
        passkey_step(client, enrolled.get(login_options(client), tamper=True))
    account = db_session.scalars(select(Account).where(Account.public_id == resident.public_id)).one()
    assert account.locked_until is not None
    response = passkey_step(client, enrolled.get(login_options(client)))  # the right passkey, but locked
    assert response.status_code == 401
    assert client.get("/ikd/account", follow_redirects=False).status_code == 303


def test_options_need_a_password_session_and_json(client: TestClient, enrolled: SoftAuthenticator) -> None:
    assert client.post("/ikd/login/passkey/options", content="{}", headers=JSON).status_code == 401
    assert client.post("/ikd/login/passkey/options", data={"x": "1"}).status_code == 415
    assert client.post("/ikd/account/passkeys/options", content="{}", headers=JSON).status_code == 401
    assert client.post("/ikd/login/passkey", data={"credential": "{}"}, follow_redirects=False).status_code == 303


def test_no_passkey_yet(client: TestClient, resident: ActiveResident) -> None:
    password_step(client, resident)
    assert "/ikd/login/passkey" not in client.get("/ikd/login/otp").text
    response = client.post("/ikd/login/passkey/options", content="{}", headers=JSON)
    assert response.status_code == 404


def test_registration_checks_origin_and_csrf(
    client: TestClient, db_session: Session, resident: ActiveResident, device: SoftAuthenticator
) -> None:
    signed_in(client, resident)
    assert register(client, device, origin="https://evil.example").status_code == 400
    client.get("/ikd/account")
    options = client.post("/ikd/account/passkeys/options", content="{}", headers=JSON).json()
    forged = {"credential": device.create(options), "name": "x", "csrf_token": "forged"}
    assert client.post("/ikd/account/passkeys", data=forged).status_code == 403
    assert db_session.scalars(select(Passkey)).all() == []
    assert register(client, device).status_code == 303
    assert register(client, device).status_code == 400  # the same credential twice


def test_remove_a_passkey(
    client: TestClient, db_session: Session, resident: ActiveResident, enrolled: SoftAuthenticator
) -> None:
    signed_in(client, resident, 30)
    client.get("/ikd/account")
    key = db_session.scalars(select(Passkey)).one()
    token = client.cookies.get("spbe_csrf")
    assert client.post("/ikd/account/passkeys/999999/remove", data={"csrf_token": token}).status_code == 404
    response = client.post(f"/ikd/account/passkeys/{key.id}/remove", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert db_session.scalars(select(Passkey)).all() == []


def test_the_script_is_served(client: TestClient) -> None:
    response = client.get("/ikd/static/passkeys.js")
    assert response.status_code == 200
    assert "navigator.credentials" in response.text
    assert response.headers["content-type"].startswith("text/javascript")
