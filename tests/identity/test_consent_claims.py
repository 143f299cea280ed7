"""Consent per claim: the resident unticks optional claims, only the granted ones are stored and released
(ID token and userinfo), essential claims (OIDC Core 5.5) are required, the whole request can still be
denied, and a later request asks again only for claims not yet granted."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from jwcrypto import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.identity import repository
from spbe.identity.models import Account, Consent
from tests.identity.conftest import ActiveResident, Flow, TestRp, exchange, pkce, push, query_of

PROFILE_EMAIL = "openid profile email"


def _start(client: TestClient, rp: TestRp, **params: str) -> tuple[str, str, str]:
    """PAR + authorize; returns the provider's next location, the ``auth`` handle and the PKCE verifier."""
    verifier, challenge = pkce()
    pushed = push(client, rp, challenge, **params)
    assert pushed.status_code == 201, pushed.text
    response = client.get(
        "/oidc/authorize",
        params={"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text  # 302: straight back to the RP
    location = response.headers["location"]
    return location, query_of(location).get("auth", ""), verifier


def _sign_in(client: TestClient, who: ActiveResident, auth: str) -> str:
    response = client.post(
        "/ikd/login", data={"identifier": who.nik, "password": who.password, "auth": auth}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    response = client.post("/ikd/login/otp", data={"code": who.totp(), "auth": auth}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _consent(client: TestClient, auth: str, claims: list[str], decision: str = "allow") -> Any:
    data: dict[str, Any] = {"decision": decision, "auth": auth, "claims_chosen": "1", "claims": claims}
    return client.post("/ikd/consent", data=data, follow_redirects=False)


def _tokens(client: TestClient, rp: TestRp, location: str, verifier: str) -> dict[str, Any]:
    response = exchange(client, rp, Flow(query_of(location)["code"], verifier, "n-1", {}))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _userinfo(client: TestClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = client.get("/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _id_token_claims(token: str) -> dict[str, Any]:
    parsed = jwt.JWT()
    parsed.deserialize(token)
    payload = parsed.token.objects.get("payload")  # unverified read: signature checks live in test_flow
    return dict(json.loads(payload))


def _consent_row(db_session: Session, who: ActiveResident, rp: TestRp) -> Consent:
    account = db_session.scalar(select(Account).where(Account.public_id == who.public_id))
    assert account is not None
    consent = repository.consent(db_session, account.id, rp.client_id)
    assert consent is not None
    db_session.refresh(consent)
    return consent


def test_unticked_email_is_not_stored_nor_released(
    client: TestClient, rp: TestRp, resident: ActiveResident, db_session: Session
) -> None:
    claims_param = json.dumps({"id_token": {"email": None, "name": None}})
    _, auth, verifier = _start(client, rp, scope=PROFILE_EMAIL, claims=claims_param)
    assert _sign_in(client, resident, auth).startswith("/ikd/consent")
    page = client.get("/ikd/consent", params={"auth": auth})
    assert page.status_code == 200
    assert 'name="claims" value="email"' in page.text  # optional: a tickable box
    granted = ["name", "birthdate", "gender", "birth_place"]
    final = _consent(client, auth, granted)
    assert final.status_code == 302, final.text
    tokens = _tokens(client, rp, final.headers["location"], verifier)
    info = _userinfo(client, tokens)
    assert "email" not in info
    assert "email_verified" not in info
    assert info["name"] == "Siti Rahmawati"
    assert info["sub"]
    id_claims = _id_token_claims(tokens["id_token"])
    assert "email" not in id_claims
    assert id_claims["name"] == "Siti Rahmawati"
    assert _consent_row(db_session, resident, rp).claims == sorted(granted)
    record = db_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "identity.consent.granted").order_by(AuditRecord.id.desc())
    ).first()
    assert record is not None
    assert "email" not in record.data["claims"]
    account_page = client.get("/ikd/account").text
    services = account_page.split("Layanan yang menerima data Anda")[1].split("<h2")[0]  # which RP got what
    assert "Layanan Uji" in services
    assert "Nama lengkap" in services
    assert "Alamat email" not in services


def test_same_claims_do_not_ask_again_but_email_does(
    client: TestClient, rp: TestRp, resident: ActiveResident, db_session: Session
) -> None:
    _, auth, _ = _start(client, rp, scope=PROFILE_EMAIL)
    _sign_in(client, resident, auth)
    assert _consent(client, auth, ["name", "birthdate", "gender", "birth_place"]).status_code == 302
    # the same granted claims: straight back to the RP with a code
    location, _, _ = _start(client, rp, scope="openid profile")
    assert "code=" in location
    assert location.startswith(rp.redirect_uri)
    # asking for email again: the consent page again; granting it now widens the consent
    location, auth, _ = _start(client, rp, scope=PROFILE_EMAIL)
    assert location.startswith("/ikd/consent")
    assert _consent(client, auth, ["email", "email_verified", "name"]).status_code == 302
    assert _consent_row(db_session, resident, rp).claims == ["email", "email_verified", "name"]


def test_essential_claim_is_required_but_the_request_can_be_denied(
    client: TestClient, rp: TestRp, resident: ActiveResident, db_session: Session
) -> None:
    claims_param = json.dumps({"userinfo": {"email": {"essential": True}}})
    _, auth, verifier = _start(client, rp, scope=PROFILE_EMAIL, claims=claims_param)
    _sign_in(client, resident, auth)
    page = client.get("/ikd/consent", params={"auth": auth}).text
    assert 'type="hidden" name="claims" value="email"' in page  # required: no tickable box
    final = _consent(client, auth, [])  # unticking everything still grants the essential claim
    assert final.status_code == 302
    info = _userinfo(client, _tokens(client, rp, final.headers["location"], verifier))
    assert info["email"] == "siti@example.id"
    assert "name" not in info
    _, auth, _ = _start(client, rp, scope=PROFILE_EMAIL, claims=claims_param, prompt="consent")
    denied = _consent(client, auth, ["email"], decision="deny")
    assert denied.status_code == 302
    assert query_of(denied.headers["location"])["error"] == "access_denied"


def test_tampered_claim_names_are_ignored_and_sub_needs_no_box(
    client: TestClient, rp: TestRp, resident: ActiveResident, db_session: Session
) -> None:
    _, auth, verifier = _start(client, rp, scope="openid profile")
    _sign_in(client, resident, auth)
    final = _consent(client, auth, ["nik", "sub", "name"])  # nik was not asked for
    assert final.status_code == 302
    assert _consent_row(db_session, resident, rp).claims == ["name"]
    info = _userinfo(client, _tokens(client, rp, final.headers["location"], verifier))
    assert info["sub"]
    assert "nik" not in info
    assert set(info) <= {"sub", "name", "identity_level"}
