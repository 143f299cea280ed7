"""The negative matrix: every one of these must be rejected (issue #4)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws

from .conftest import (
    ISSUER,
    TOKEN_URL,
    ActiveResident,
    TestRp,
    csrf_form,
    exchange,
    new_key,
    pkce,
    push,
    query_of,
    run_flow,
    sign_in,
)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(rp: TestRp, aud: str = TOKEN_URL) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": rp.client_id,
        "sub": rp.client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 60,
        "jti": f"j{time.time_ns()}",
    }


def _machine_token(client: TestClient, assertion: str) -> tuple[int, str]:
    response = client.post(
        "/oidc/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    return response.status_code, response.json().get("error", "")


def test_plain_pkce_is_rejected(client: TestClient, rp: TestRp) -> None:
    response = push(client, rp, "x" * 43, code_challenge_method="plain")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_missing_pkce_challenge_is_rejected(client: TestClient, rp: TestRp) -> None:
    response = push(client, rp, None, code_challenge_method=None)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_missing_verifier_is_rejected(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    flow = run_flow(client, rp, resident)
    response = exchange(client, rp, flow, code_verifier=None)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_wrong_verifier_is_rejected(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    flow = run_flow(client, rp, resident)
    response = exchange(client, rp, flow, code_verifier=pkce()[0])
    assert response.json()["error"] == "invalid_grant"


def test_reused_code_is_rejected_and_revokes_its_tokens(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    flow = run_flow(client, rp, resident)
    first = exchange(client, rp, flow)
    assert first.status_code == 200
    again = exchange(client, rp, flow)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    refresh = client.post(
        "/oidc/token", data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"], **rp.auth()}
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_reused_request_uri_is_rejected(client: TestClient, rp: TestRp) -> None:
    pushed = push(client, rp, pkce()[1]).json()
    params = {"client_id": rp.client_id, "request_uri": pushed["request_uri"]}
    assert client.get("/oidc/authorize", params=params, follow_redirects=False).status_code == 303
    again = client.get("/oidc/authorize", params=params, follow_redirects=False)
    assert again.status_code == 400
    assert "invalid_request_uri" in again.text


def test_front_channel_request_without_par_is_rejected_for_a_par_client(client: TestClient, rp: TestRp) -> None:
    params = {
        "client_id": rp.client_id,
        "response_type": "code",
        "redirect_uri": rp.redirect_uri,
        "scope": "openid",
        "code_challenge": pkce()[1],
        "code_challenge_method": "S256",
    }
    response = client.get("/oidc/authorize", params=params, follow_redirects=False)
    assert response.status_code == 302
    assert query_of(response.headers["location"])["error"] == "invalid_request"
    assert query_of(response.headers["location"])["iss"] == ISSUER


def test_redirect_mismatch_is_rejected_at_par_and_at_the_token_endpoint(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    response = push(client, rp, pkce()[1], redirect_uri="https://evil.example/callback")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    flow = run_flow(client, rp, resident)
    response = exchange(client, rp, flow, redirect_uri="https://rp.example.go.id/other")
    assert response.json()["error"] == "invalid_grant"


def test_expired_client_assertion_is_rejected(client: TestClient, machine: TestRp) -> None:
    old = int(time.time()) - 600
    assert _machine_token(client, machine.assertion(iat=old, lifetime=60, alg="PS256")) == (400, "invalid_client")


def test_too_long_lived_client_assertion_is_rejected(client: TestClient, machine: TestRp) -> None:
    assert _machine_token(client, machine.assertion(lifetime=3600, alg="PS256")) == (400, "invalid_client")


def test_replayed_client_assertion_is_rejected(client: TestClient, machine: TestRp) -> None:
    assertion = machine.assertion(alg="PS256")
    assert _machine_token(client, assertion)[0] == 200
    assert _machine_token(client, assertion) == (400, "invalid_client")


def test_wrong_audience_is_rejected(client: TestClient, machine: TestRp) -> None:
    assert _machine_token(client, machine.assertion(aud="https://other-idp.example/token", alg="PS256")) == (
        400,
        "invalid_client",
    )


def test_alg_none_is_rejected(client: TestClient, machine: TestRp) -> None:
    token = f"{_b64({'alg': 'none', 'kid': 'machine-key-1'})}.{_b64(_claims(machine))}."
    assert _machine_token(client, token) == (400, "invalid_client")


def test_hs256_signed_with_the_public_key_is_rejected(client: TestClient, machine: TestRp) -> None:
    public_pem = machine.key.export_to_pem(private_key=False, password=None)
    secret = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(public_pem).rstrip(b"=").decode())
    signed = jws.JWS(json.dumps(_claims(machine)).encode())
    signed.add_signature(secret, alg="HS256", protected=json.dumps({"alg": "HS256", "kid": "machine-key-1"}))
    assert _machine_token(client, signed.serialize(compact=True)) == (400, "invalid_client")


def test_unknown_kid_is_rejected(client: TestClient, machine: TestRp) -> None:
    stranger = new_key("stranger", "PS256")
    assert _machine_token(client, machine.assertion(alg="PS256", kid="stranger", key=stranger)) == (
        400,
        "invalid_client",
    )


def test_right_kid_wrong_key_is_rejected(client: TestClient, machine: TestRp) -> None:
    stranger = new_key("machine-key-1", "PS256")
    assert _machine_token(client, machine.assertion(alg="PS256", key=stranger)) == (400, "invalid_client")


@pytest.mark.parametrize("part", [0, 1, 2])
def test_tampered_id_token_fails_verification(
    client: TestClient, rp: TestRp, resident: ActiveResident, part: int
) -> None:
    """An RP verifying our ID token (jwcrypto, published JWKS) must refuse any altered part."""
    from jwcrypto import jwt as jcjwt
    from jwcrypto.common import JWException

    id_token = exchange(client, rp, run_flow(client, rp, resident)).json()["id_token"]
    pieces = id_token.split(".")
    if part == 0:
        pieces[0] = _b64({"alg": "none"})
    elif part == 1:
        claims = json.loads(base64.urlsafe_b64decode(pieces[1] + "==="))
        pieces[1] = _b64({**claims, "sub": "someone-else"})
    else:
        pieces[2] = pieces[2][:-4] + ("AAAA" if not pieces[2].endswith("AAAA") else "BBBB")
    keyset = jwk.JWKSet.from_json(client.get("/oidc/jwks.json").text)
    with pytest.raises((JWException, ValueError)):
        jcjwt.JWT(jwt=".".join(pieces), key=keyset, algs=["ES256"])


def test_tampered_access_token_is_refused_by_userinfo_and_the_core_check(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    token = exchange(client, rp, run_flow(client, rp, resident)).json()["access_token"]
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "==="))
    forged = f"{head}.{_b64({**claims, 'roles': ['admin']})}.{signature}"
    assert client.get("/oidc/userinfo", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_unknown_client_and_non_private_key_jwt_auth_are_rejected(client: TestClient, rp: TestRp) -> None:
    response = client.post(
        "/oidc/token", data={"grant_type": "client_credentials", "client_id": rp.client_id, "client_secret": "guess"}
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_rp_cannot_use_client_credentials_and_machine_cannot_authorize(
    client: TestClient, rp: TestRp, machine: TestRp
) -> None:
    assert (
        client.post("/oidc/token", data={"grant_type": "client_credentials", **rp.auth()}).json()["error"]
        == "unauthorized_client"
    )
    response = push(client, TestRp(machine.client_id, machine.key, "https://x.example/cb"), pkce()[1])
    assert response.status_code in (400, 401)


def test_login_lockout_after_repeated_failures(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    for _ in range(5):
        assert (
            client.post("/ikd/login", data={"identifier": resident.nik, "password": "wrong-password"}).status_code
            == 401
        )
    locked = client.post("/ikd/login?lang=en", data={"identifier": resident.nik, "password": resident.password})
    assert locked.status_code == 401
    assert "locked" in locked.text


def test_a_totp_code_works_once(client: TestClient, rp: TestRp, resident: ActiveResident) -> None:
    pushed = push(client, rp, pkce()[1]).json()
    start = client.get(
        "/oidc/authorize",
        params={"client_id": rp.client_id, "request_uri": pushed["request_uri"]},
        follow_redirects=False,
    )
    auth = query_of(start.headers["location"])["auth"]
    client.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password, "auth": auth})
    code = resident.totp()
    assert client.post("/ikd/login/otp", data={"code": code, "auth": auth}, follow_redirects=False).status_code == 303
    client.post("/ikd/logout", data=csrf_form(client))
    client.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password})
    assert client.post("/ikd/login/otp", data={"code": code}, follow_redirects=False).status_code == 401


__all__ = ["sign_in"]
