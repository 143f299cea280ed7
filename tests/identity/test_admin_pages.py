"""The relying-party admin pages: identity administrators and the coordinator list and register RPs
(CSRF-protected form, everything checked before anything is written); other staff and residents may not.
Callers authenticate with real access tokens issued by the provider (staff sign-in through the test RP)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.identity import accounts, repository

from .conftest import TestRp, exchange, new_key, pkce, public_jwks, push, query_of
from .receiver import Route, serving

STAFF_PASSWORD = "staff-password-123"


def staff_token(client: TestClient, db_session: Session, rp: TestRp, username: str, roles: list[str]) -> str:
    accounts.create_staff(
        db_session, username, "Petugas", f"{username}@example.go.id", "KOMDIGI", roles, STAFF_PASSWORD
    )
    verifier, challenge = pkce()
    pushed = push(client, rp, challenge, scope="openid")
    start = client.get(
        "/oidc/authorize",
        params={"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]},
        follow_redirects=False,
    )
    auth = query_of(start.headers["location"])["auth"]
    back = client.post(
        "/ikd/login", data={"identifier": username, "password": STAFF_PASSWORD, "auth": auth}, follow_redirects=False
    )
    assert back.status_code == 302, back.text
    from .conftest import Flow

    tokens = exchange(client, rp, Flow(query_of(back.headers["location"])["code"], verifier, "", {})).json()
    client.cookies.clear()
    return str(tokens["access_token"])


def form(client: TestClient, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "client_id": "izin-bdg",
        "name": "Layanan Perizinan",
        "agency": "KOTA-32.73",
        "redirect_uris": "https://izin.bandung.go.id/callback\n",
        "scopes": ["openid", "profile"],
        "purpose": "Izin usaha",
        "jwks": json.dumps(public_jwks(new_key("izin-1"))),
        "require_par": "yes",
        "csrf_token": client.cookies.get("spbe_csrf"),
    }
    data.update(fields)
    return data


@pytest.fixture
def admin_headers(client: TestClient, db_session: Session, rp: TestRp, web_rp: TestRp) -> dict[str, str]:
    """Staff sign in through the platform's web client (tokens of other RPs are not platform credentials)."""
    return {"Authorization": f"Bearer {staff_token(client, db_session, web_rp, 'admin.ikd', ['identity:admin'])}"}


def test_admin_lists_and_registers_a_relying_party(
    client: TestClient, db_session: Session, admin_headers: dict[str, str]
) -> None:
    listing = client.get("/ikd/admin/clients", headers=admin_headers)
    assert listing.status_code == 200
    assert "test-rp" in listing.text
    assert client.get("/ikd/admin/clients/new", headers=admin_headers).status_code == 200
    data = form(client, backchannel_logout_uri="https://izin.bandung.go.id/backchannel")
    response = client.post("/ikd/admin/clients/new", data=data, headers=admin_headers, follow_redirects=False)
    assert response.status_code == 303, response.text
    row = repository.client(db_session, "izin-bdg")
    assert row is not None
    assert row.backchannel_logout_uri == "https://izin.bandung.go.id/backchannel"
    assert row.require_par
    assert "izin-bdg" in client.get("/ikd/admin/clients", headers=admin_headers).text


def test_register_with_a_jwks_uri(client: TestClient, db_session: Session, admin_headers: dict[str, str]) -> None:
    client.get("/ikd/admin/clients/new", headers=admin_headers)
    with serving() as server:
        server.routes["/jwks.json"] = Route(body=json.dumps(public_jwks(new_key("izin-2"))).encode())
        data = form(client, jwks="", jwks_uri=server.base + "/jwks.json")
        response = client.post("/ikd/admin/clients/new", data=data, headers=admin_headers, follow_redirects=False)
    assert response.status_code == 303, response.text
    row = repository.client(db_session, "izin-bdg")
    assert row is not None
    assert row.jwks_uri == server.base + "/jwks.json"


@pytest.mark.parametrize(
    "fields",
    [
        {"redirect_uris": "http://izin.bandung.go.id/callback"},
        {"agency": "NOPE"},
        {"scopes": ["profile"]},
        {"jwks": "{not json"},
        {"jwks": ""},
        {"backchannel_logout_uri": "http://izin.bandung.go.id/bc"},
        {"client_id": "test-rp"},
        {"jwks_uri": "http://127.0.0.1:9/jwks.json"},
    ],
)
def test_bad_forms_are_refused_and_nothing_is_written(
    client: TestClient, db_session: Session, admin_headers: dict[str, str], fields: dict[str, object]
) -> None:
    client.get("/ikd/admin/clients/new", headers=admin_headers)
    response = client.post("/ikd/admin/clients/new", data=form(client, **fields), headers=admin_headers)
    assert response.status_code in (400, 404, 409, 422), response.text
    assert "govuk-error-summary" in response.text
    assert repository.client(db_session, "izin-bdg") is None


def test_forged_csrf_is_refused(client: TestClient, db_session: Session, admin_headers: dict[str, str]) -> None:
    client.get("/ikd/admin/clients/new", headers=admin_headers)
    response = client.post("/ikd/admin/clients/new", data=form(client, csrf_token="forged"), headers=admin_headers)
    assert response.status_code == 403
    assert repository.client(db_session, "izin-bdg") is None


def test_other_staff_and_anonymous_are_refused(client: TestClient, db_session: Session, web_rp: TestRp) -> None:
    token = staff_token(client, db_session, web_rp, "operator.lain", ["registry:editor"])
    assert client.get("/ikd/admin/clients", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.get("/ikd/admin/clients", headers={"Accept": "application/json"}).status_code == 401


def test_the_coordinator_may_register(client: TestClient, db_session: Session, web_rp: TestRp) -> None:
    token = staff_token(client, db_session, web_rp, "koordinator", ["registry:admin"])
    assert client.get("/ikd/admin/clients", headers={"Authorization": f"Bearer {token}"}).status_code == 200
