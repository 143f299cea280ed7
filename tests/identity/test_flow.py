"""The whole code flow: PAR → authorize → login (password + TOTP) → consent → code → tokens → userinfo,
with ID and access tokens verified by jwcrypto against the published JWKS."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from jwcrypto import jwk, jwt

from spbe.core.tokens import make_token_verifier

from .conftest import ISSUER, ActiveResident, TestRp, csrf_form, exchange, run_flow


def verified(client: TestClient, token: str) -> dict[str, Any]:
    keyset = jwk.JWKSet.from_json(client.get("/oidc/jwks.json").text)
    checked = jwt.JWT(jwt=token, key=keyset, algs=["ES256", "PS256"])
    claims: dict[str, Any] = json.loads(checked.claims)
    return claims


def test_discovery_names_the_profile(client: TestClient) -> None:
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["issuer"] == ISSUER
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["pushed_authorization_request_endpoint"] == ISSUER + "/oidc/par"
    assert meta["subject_types_supported"] == ["pairwise"]


def test_code_flow_with_par_pkce_and_private_key_jwt(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    flow = run_flow(client, rp, resident)
    assert flow.redirect["iss"] == ISSUER
    assert flow.redirect["state"] == "st-1"
    response = exchange(client, rp, flow)
    assert response.status_code == 200, response.text
    tokens = response.json()
    id_token = verified(client, tokens["id_token"])
    assert id_token["iss"] == ISSUER
    assert id_token["aud"] == rp.client_id
    assert id_token["nonce"] == "n-1"
    assert id_token["acr"] == "urn:ikd:acr:password-otp"
    assert id_token["identity_level"] == "register_matched"
    assert "nik" not in id_token  # scope claims go to userinfo unless asked for in claims.id_token
    access = verified(client, tokens["access_token"])
    assert access["kind"] == "resident"
    assert access["sub"] == id_token["sub"]
    info = client.get("/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert info["sub"] == id_token["sub"]
    assert info["nik"] == resident.nik
    assert info["name"] == "Siti Rahmawati"
    assert "email" not in info  # not requested


def test_claims_parameter_puts_named_claims_in_the_id_token(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    flow = run_flow(client, rp, resident, claims=json.dumps({"id_token": {"name": None, "email": None}}))
    id_token = verified(client, exchange(client, rp, flow).json()["id_token"])
    assert id_token["name"] == "Siti Rahmawati"
    assert "email" not in id_token  # outside the granted scopes


def test_sub_is_pairwise_per_sector(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    flow = run_flow(client, rp, resident)
    sub = verified(client, exchange(client, rp, flow).json()["id_token"])["sub"]
    assert resident.public_id not in sub
    assert len(sub) == 43


def test_refresh_rotates_and_a_reused_refresh_token_kills_the_family(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    tokens = exchange(client, rp, run_flow(client, rp, resident)).json()
    first = tokens["refresh_token"]
    rotated = client.post("/oidc/token", data={"grant_type": "refresh_token", "refresh_token": first, **rp.auth()})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()["refresh_token"]
    assert second != first
    replay = client.post("/oidc/token", data={"grant_type": "refresh_token", "refresh_token": first, **rp.auth()})
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    after = client.post("/oidc/token", data={"grant_type": "refresh_token", "refresh_token": second, **rp.auth()})
    assert after.json()["error"] == "invalid_grant"


def test_revocation_and_introspection(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    tokens = exchange(client, rp, run_flow(client, rp, resident)).json()
    aud = ISSUER + "/oidc/introspect"
    active = client.post("/oidc/introspect", data={"token": tokens["access_token"], **rp.auth(aud=aud)}).json()
    assert active["active"] is True
    assert active["client_id"] == rp.client_id
    revoked = client.post(
        "/oidc/revoke", data={"token": tokens["access_token"], **rp.auth(aud=ISSUER + "/oidc/revoke")}
    )
    assert revoked.status_code == 200
    assert client.post("/oidc/introspect", data={"token": tokens["access_token"], **rp.auth(aud=aud)}).json() == {
        "active": False
    }
    userinfo = client.get("/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 401
    assert userinfo.json()["error"] == "invalid_token"


def test_consent_is_remembered_and_revocable(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    run_flow(client, rp, resident)
    page = client.get("/ikd/account")
    assert page.status_code == 200
    assert "Layanan Uji" in page.text
    assert resident.nik not in page.text
    assert (
        client.post(
            f"/ikd/account/consents/{rp.client_id}/revoke", data=csrf_form(client), follow_redirects=False
        ).status_code
        == 303
    )
    page = client.get("/ikd/account").text
    assert "Persetujuan dicabut" in page  # "Consent withdrawn" (the pages default to Indonesian)
    assert "identity.consent.revoked" not in page  # human labels, not audit action names
    assert "register_matched" not in page


def test_machine_token_passes_the_core_token_check(client: TestClient, machine: TestRp) -> None:
    response = client.post("/oidc/token", data={"grant_type": "client_credentials", **machine.auth(alg="PS256")})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert "refresh_token" not in response.json()
    claims = verified(client, token)
    assert claims["kind"] == "machine"
    assert claims["agency"] == "KOMDIGI"
    assert claims["roles"] == ["registry:reader"]
    verifier = make_token_verifier(client.app.state.session_factory, ISSUER)  # type: ignore[attr-defined]
    principal = verifier(token)
    assert principal.kind == "machine"
    assert principal.agency_code == "KOMDIGI"
    assert principal.has_role("registry:reader")
