"""The demo RP keeps a session of its own and forgets it when the provider's back-channel logout token
arrives at ``/demo-rp/backchannel`` (verified: signature, typ, iss, aud, event, no nonce, jti once)."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from spbe.core.config import Settings
from spbe.identity import backchannel, demo_rp_sessions, repository, seed
from spbe.identity.demo_rp_sessions import LogoutTokenError, check_logout_token
from spbe.identity.oidc import endpoints, issuing

from .conftest import ISSUER, ActiveResident, query_of
from .test_demo_rp import ViaTestClient, local


def test_demo_rp_forgets_the_session_on_back_channel_logout(
    client: TestClient, db_session: Session, settings: Settings, resident: ActiveResident, monkeypatch: Any
) -> None:
    monkeypatch.setattr("spbe.core.config.get_settings", lambda: settings)
    seed._demo_clients(db_session)
    assert "backchannel" in demo_rp_sessions.enable_demo_backchannel(db_session)
    row = repository.client(db_session, seed.DEMO_RP_ID)
    assert row is not None
    assert row.backchannel_logout_uri == f"{ISSUER}/demo-rp/backchannel"
    client.app.state.demo_rp_transport = ViaTestClient(TestClient(client.app))
    client.app.state.backchannel_transport = httpx.ASGITransport(app=client.app)
    start = client.get("/demo-rp/login", follow_redirects=False)
    authorize = client.get(local(start.headers["location"]), follow_redirects=False)
    auth = query_of(authorize.headers["location"])["auth"]
    client.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password, "auth": auth})
    client.post("/ikd/login/otp", data={"code": resident.totp(), "auth": auth}, follow_redirects=False)
    back = client.post("/ikd/consent", data={"decision": "allow", "auth": auth}, follow_redirects=False)
    assert client.get(local(back.headers["location"])).status_code == 200
    home = client.get("/demo-rp/")
    assert "Siti Rahmawati" in home.text
    logout_url = re.search(r'href="([^"]*/oidc/logout[^"]*)"', home.text)
    assert logout_url is not None
    assert "id_token_hint=" in logout_url.group(1)  # no confirmation needed
    out = client.get(local(html.unescape(logout_url.group(1))), follow_redirects=False)
    assert out.status_code == 303
    after = client.get("/demo-rp/")
    assert "Siti Rahmawati" not in after.text
    assert "demo-rp-signed-out" in after.text


def _token(session: Session, **changes: Any) -> str:
    claims = backchannel.logout_claims(ISSUER, seed.DEMO_RP_ID, "42", "sub-1")
    typ = changes.pop("typ", backchannel.TOKEN_TYPE)
    claims.update(changes)
    claims = {key: value for key, value in claims.items() if value is not None}
    return issuing.sign(session, claims, typ)


@pytest.mark.parametrize(
    "changes",
    [
        {"typ": "JWT"},
        {"aud": "someone-else"},
        {"iss": "https://other.example"},
        {"nonce": "n"},
        {"events": {"other": {}}},
        {"sid": None, "sub": None},
    ],
)
def test_the_demo_rp_refuses_bad_logout_tokens(db_session: Session, oidc_keys: None, changes: dict[str, Any]) -> None:
    keyset = KeySet.import_key_set(endpoints.jwks(db_session))  # type: ignore[arg-type]
    with pytest.raises((LogoutTokenError, JoseError, ValueError)):
        check_logout_token(_token(db_session, **changes), keyset, ISSUER, seed.DEMO_RP_ID)


def test_a_logout_token_works_once(db_session: Session, oidc_keys: None) -> None:
    keyset = KeySet.import_key_set(endpoints.jwks(db_session))  # type: ignore[arg-type]
    token = _token(db_session)
    assert check_logout_token(token, keyset, ISSUER, seed.DEMO_RP_ID)["sid"] == "42"
    with pytest.raises(LogoutTokenError, match="already used"):
        check_logout_token(token, keyset, ISSUER, seed.DEMO_RP_ID)


def test_the_endpoint_answers_400_to_garbage(client: TestClient, settings: Settings, monkeypatch: Any) -> None:
    client.app.state.demo_rp_transport = ViaTestClient(TestClient(client.app))
    assert client.post("/demo-rp/backchannel", data={"logout_token": "not.a.jwt"}).status_code == 400
    assert client.post("/demo-rp/backchannel", data={}).status_code == 400
