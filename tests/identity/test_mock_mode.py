"""Mock mode (like MockPass): test personas sign in with one click, everything they get is marked
``acr`` urn:ikd:acr:mock / ``amr`` ["mock"], every IKD page says MOCK MODE, and production refuses it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jwt
from pydantic import ValidationError
from sqlalchemy.orm import Session

from spbe.core.config import Environment
from spbe.identity import mock, repository
from spbe.identity.settings import IdentitySettings, identity_settings

from .conftest import TestRp, exchange, pkce, push, query_of

BANNER = "ikd-mock-banner"


@pytest.fixture
def mock_on(monkeypatch: pytest.MonkeyPatch, oidc_keys: None) -> Iterator[None]:
    monkeypatch.setenv("SPBE_IDENTITY_MOCK_MODE", "true")
    identity_settings.cache_clear()
    yield
    monkeypatch.delenv("SPBE_IDENTITY_MOCK_MODE")
    identity_settings.cache_clear()


def verified(client: TestClient, token: str) -> dict[str, Any]:
    keyset = jwk.JWKSet.from_json(client.get("/oidc/jwks.json").text)
    claims: dict[str, Any] = json.loads(jwt.JWT(jwt=token, key=keyset, algs=["ES256"]).claims)
    return claims


def authorize(client: TestClient, rp: TestRp, **params: str) -> tuple[str, str]:
    verifier, challenge = pkce()
    pushed = push(client, rp, challenge, **params)
    assert pushed.status_code == 201, pushed.text
    response = client.get(
        "/oidc/authorize",
        params={"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]},
        follow_redirects=False,
    )
    return query_of(response.headers["location"])["auth"], verifier


def mock_sign_in(client: TestClient, persona: str, auth: str) -> Any:
    response = client.post("/ikd/login/mock", data={"persona": persona, "auth": auth}, follow_redirects=False)
    if response.headers.get("location", "").startswith("/ikd/consent"):
        response = client.post("/ikd/consent", data={"decision": "allow", "auth": auth}, follow_redirects=False)
    return response


def test_production_refuses_mock_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="production"):
        IdentitySettings(env=Environment.production, mock_mode=True)
    monkeypatch.setenv("SPBE_ENV", "production")
    monkeypatch.setenv("SPBE_IDENTITY_MOCK_MODE", "true")
    identity_settings.cache_clear()
    try:
        with pytest.raises(ValidationError):
            identity_settings()
    finally:
        identity_settings.cache_clear()


def test_without_mock_mode_there_are_no_personas(client: TestClient, oidc_keys: None) -> None:
    page = client.get("/ikd/login")
    assert "mock-personas" not in page.text
    assert BANNER not in page.text
    response = client.post("/ikd/login/mock", data={"persona": "siti-bandung"})
    assert response.status_code == 403
    assert "ikd_sid" not in response.cookies


def test_mock_mode_banner_on_every_ikd_page(client: TestClient, mock_on: None) -> None:
    for path in ("/ikd/login", "/ikd/activate", "/ikd/login/otp", "/ikd/login/passkey"):
        assert BANNER in client.get(path).text, path
    page = client.get("/ikd/login")
    for persona in mock.personas():
        assert f'data-persona="{persona.id}"' in page.text


def test_persona_signs_in_to_an_rp_and_tokens_are_marked(
    client: TestClient, db_session: Session, rp: TestRp, mock_on: None
) -> None:
    auth, verifier = authorize(client, rp, acr_values="urn:ikd:acr:password-otp")  # mock stands in for any acr
    final = mock_sign_in(client, "budi-jakarta", auth)
    assert final.status_code == 302, final.text
    code = query_of(final.headers["location"])["code"]
    from .conftest import Flow

    tokens = exchange(client, rp, Flow(code, verifier, "n-1", {})).json()
    id_token = verified(client, tokens["id_token"])
    assert id_token["acr"] == mock.ACR_MOCK == "urn:ikd:acr:mock"
    assert id_token["amr"] == ["mock"]
    assert id_token["identity_level"] == "in_person_verified"
    assert verified(client, tokens["access_token"])["acr"] == "urn:ikd:acr:mock"
    info = client.get("/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert info["name"] == "Budi Santoso"
    assert info["nik"] == next(p for p in mock.personas() if p.id == "budi-jakarta").nik


def test_staff_persona(client: TestClient, rp: TestRp, mock_on: None) -> None:
    auth, verifier = authorize(client, rp)
    final = mock_sign_in(client, "staff-kemendagri", auth)
    assert final.status_code == 302, final.text
    from .conftest import Flow

    tokens = exchange(client, rp, Flow(query_of(final.headers["location"])["code"], verifier, "n-1", {})).json()
    access = verified(client, tokens["access_token"])
    assert access["kind"] == "staff"
    assert "identity:admin" in access["roles"]
    assert verified(client, tokens["id_token"])["amr"] == ["mock"]


def test_unknown_persona_is_refused(client: TestClient, mock_on: None) -> None:
    response = client.post("/ikd/login/mock", data={"persona": "nobody"})
    assert response.status_code == 404


def test_mock_sessions_stop_counting_when_mock_mode_is_switched_off(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, mock_on: None
) -> None:
    client.post("/ikd/login/mock", data={"persona": "siti-bandung"})
    assert client.get("/ikd/account").status_code == 200
    monkeypatch.setenv("SPBE_IDENTITY_MOCK_MODE", "false")
    identity_settings.cache_clear()
    response = client.get("/ikd/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ikd/login"


def test_personas_cover_levels_ages_regions_and_staff(db_session: Session, mock_on: None) -> None:
    personas = mock.personas()
    residents = [p for p in personas if p.kind == "resident"]
    assert {p.data["identity_level"] for p in residents} == {"self_asserted", "register_matched", "in_person_verified"}
    assert len({p.data["village"][:5] for p in residents}) == len(residents)
    years = sorted(int(p.data["birth_date"][:4]) for p in residents)
    assert years[0] < 1960
    assert years[-1] > 2008
    assert any(p.kind == "staff" for p in personas)
    assert len({p.nik for p in residents}) == len(residents)
    assert all(len(p.nik) == 16 and p.nik.isdigit() for p in residents)
    first = mock.seed_mock_personas(db_session)
    assert mock.seed_mock_personas(db_session) == first  # idempotent
    siti = repository.resident_by_nik(db_session, residents[0].nik)
    assert siti is not None
    assert repository.account_of_resident(db_session, siti.id) is not None


def test_discovery_names_the_mock_acr_only_in_mock_mode(client: TestClient, mock_on: None) -> None:
    assert "urn:ikd:acr:mock" in client.get("/.well-known/openid-configuration").json()["acr_values_supported"]
