"""Findings of the issue-4 review: no sign-in loops, acr errors reach the RP, CSRF on account forms."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.tokens import REVOCATION_TTL_SECONDS, RevokedToken, make_token_verifier
from spbe.identity import repository
from tests.identity.conftest import (
    ISSUER,
    ActiveResident,
    Flow,
    TestRp,
    csrf_form,
    exchange,
    pkce,
    push,
    query_of,
    run_flow,
)


def _jti(token: str) -> str:
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"])


def sign_in(client: TestClient, who: ActiveResident, location: str, offset: int = 0) -> Any:
    """Login → OTP (→ consent); a TOTP code works once, so a second sign-in uses the next step's code."""
    auth = query_of(location)["auth"]
    response = client.post(
        "/ikd/login", data={"identifier": who.nik, "password": who.password, "auth": auth}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    response = client.post("/ikd/login/otp", data={"code": who.totp(offset), "auth": auth}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    if response.headers["location"].startswith("/ikd/consent"):
        response = client.post("/ikd/consent", data={"decision": "allow", "auth": auth}, follow_redirects=False)
    return response


def _authorize(client: TestClient, rp: TestRp, **params: str) -> str:
    return _start(client, rp, **params)[0]


def _start(client: TestClient, rp: TestRp, **params: str) -> tuple[str, str]:
    """The authorization request up to the provider's first page: (its location, the PKCE verifier)."""
    verifier, challenge = pkce()
    pushed = push(client, rp, challenge, **params)
    assert pushed.status_code == 201, pushed.text
    response = client.get(
        "/oidc/authorize",
        params={"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text  # 302: straight back with a code
    return str(response.headers["location"]), verifier


def test_prompt_login_ends_with_a_code_after_a_fresh_sign_in(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    sign_in(client, resident, _authorize(client, rp))  # an existing session
    location = _authorize(client, rp, prompt="login")
    assert location.startswith("/ikd/login?"), location  # the old session is not enough
    final = sign_in(client, resident, location, 30)
    assert final.status_code == 302, final.text
    redirect = query_of(final.headers["location"])
    assert redirect.get("code"), redirect
    assert redirect["iss"] == ISSUER


def test_unmet_acr_goes_back_to_the_rp_instead_of_looping(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    location = _authorize(client, rp, acr_values="urn:ikd:acr:passkey")
    final = sign_in(client, resident, location)  # password + TOTP; the account has no passkey
    assert final.status_code == 302, final.text
    redirect = query_of(final.headers["location"])
    assert redirect["error"] == "unmet_authentication_requirements"
    assert redirect["state"] == "st-1"
    assert redirect["iss"] == ISSUER
    assert "code" not in redirect


def test_unmet_acr_with_an_older_session_asks_for_a_new_sign_in_once(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    sign_in(client, resident, _authorize(client, rp))
    location = _authorize(client, rp, acr_values="urn:ikd:acr:passkey")
    assert location.startswith("/ikd/login?"), location
    final = sign_in(client, resident, location, 30)
    assert query_of(final.headers["location"])["error"] == "unmet_authentication_requirements"


PLATFORM_API = "/api/v1/interop/subsystems"


def test_a_revoked_machine_token_stops_working_on_platform_apis(
    client: TestClient, db_session: Session, machine: TestRp
) -> None:
    # the app's verifier, reading through the test's (rolled-back) connection so it sees the revocation
    verifier = make_token_verifier(lambda: Session(bind=db_session.connection()), ISSUER)
    client.app.state.token_verifier = verifier  # type: ignore[attr-defined]
    token = client.post("/oidc/token", data={"grant_type": "client_credentials", **machine.auth()}).json()[
        "access_token"
    ]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(PLATFORM_API, headers=bearer).status_code != 401
    revoked = client.post("/oidc/revoke", data={"token": token, **machine.auth(aud=ISSUER + "/oidc/revoke")})
    assert revoked.status_code == 200
    time.sleep(REVOCATION_TTL_SECONDS + 0.2)  # verifiers re-read the revocation list this often
    refused = client.get(PLATFORM_API, headers=bearer)
    assert refused.status_code == 401
    assert "revoked" in refused.text


def test_an_rp_cannot_replay_a_residents_token_against_platform_apis(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    tokens = exchange(client, rp, run_flow(client, rp, resident)).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/oidc/userinfo", headers=bearer).status_code == 200  # meant for userinfo
    refused = client.get(PLATFORM_API, headers=bearer)
    assert refused.status_code == 401
    assert "aud" in refused.text


def test_withdrawn_consent_and_logout_put_access_tokens_on_the_core_list(
    client: TestClient, db_session: Session, rp: TestRp, resident: ActiveResident
) -> None:
    first = exchange(client, rp, run_flow(client, rp, resident)).json()["access_token"]
    jti = _jti(first)
    assert db_session.get(RevokedToken, jti) is None
    withdraw = client.post(
        f"/ikd/account/consents/{rp.client_id}/revoke", data=csrf_form(client), follow_redirects=False
    )
    assert withdraw.status_code == 303
    db_session.expire_all()
    assert db_session.get(RevokedToken, jti) is not None
    location, verifier = _start(client, rp)  # signed in still: consent again, then a code
    assert location.startswith("/ikd/consent"), location
    data = {"decision": "allow", "auth": query_of(location)["auth"]}
    back = client.post("/ikd/consent", data=data, follow_redirects=False)
    flow = Flow(query_of(back.headers["location"])["code"], verifier, "", {})
    second = exchange(client, rp, flow).json()["access_token"]
    logout = client.post("/ikd/logout", data=csrf_form(client), follow_redirects=False)
    assert logout.status_code == 303
    db_session.expire_all()
    assert db_session.get(RevokedToken, _jti(second)) is not None


def test_account_forms_refuse_a_forged_cross_site_post(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    run_flow(client, rp, resident)
    csrf_form(client)
    forged = {"csrf_token": "forged"}
    assert client.post(f"/ikd/account/consents/{rp.client_id}/revoke", data=forged).status_code == 403
    assert client.post(f"/ikd/account/consents/{rp.client_id}/revoke").status_code == 403
    assert client.post("/ikd/logout", data=forged).status_code == 403
    assert rp.client_id in client.get("/ikd/account").text or "Layanan Uji" in client.get("/ikd/account").text


def test_logout_without_a_hint_asks_first_and_a_forged_post_is_refused(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    run_flow(client, rp, resident)
    page = client.get("/oidc/logout", params={"client_id": rp.client_id}, follow_redirects=False)
    assert page.status_code == 200
    assert 'action="/oidc/logout"' in page.text
    assert client.get("/ikd/account", follow_redirects=False).status_code == 200  # still signed in
    assert client.post("/oidc/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/ikd/account", follow_redirects=False).status_code == 200
    target = "https://rp.example.go.id/"
    data = {"client_id": rp.client_id, "post_logout_redirect_uri": target, "state": "s1"}
    done = client.post("/oidc/logout", data={**data, **csrf_form(client)}, follow_redirects=False)
    assert done.headers["location"] == target + "?state=s1"
    assert client.get("/ikd/account", follow_redirects=False).status_code == 303  # signed out


def test_logout_with_an_id_token_hint_needs_no_confirmation_but_a_valid_hint(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    tokens = exchange(client, rp, run_flow(client, rp, resident)).json()
    target = "https://rp.example.go.id/"
    forged = tokens["id_token"][:-4] + ("AAAA" if not tokens["id_token"].endswith("AAAA") else "BBBB")
    for bad in (forged, tokens["access_token"]):  # tampered; an access token is no ID token
        assert client.get("/oidc/logout", params={"id_token_hint": bad}).status_code == 400
    wrong_client = client.get("/oidc/logout", params={"id_token_hint": tokens["id_token"], "client_id": "other"})
    assert wrong_client.status_code == 400
    params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": target}
    done = client.get("/oidc/logout", params=params, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == target
    assert client.get("/ikd/account", follow_redirects=False).status_code == 303


def test_discovery_lists_every_acr_and_no_empty_userinfo_signing(client: TestClient) -> None:
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["acr_values_supported"] == [
        "urn:ikd:acr:password",
        "urn:ikd:acr:password-otp",
        "urn:ikd:acr:passkey",
    ]  # urn:ikd:acr:mock only in mock mode (tests/identity/test_mock_mode.py)
    assert "userinfo_signing_alg_values_supported" not in meta


def test_recovery_pages_reset_the_password_and_keep_the_assurance(
    client: TestClient, db_session: Session, resident: ActiveResident, codes: list[str]
) -> None:
    assert 'href="/ikd/recover"' in client.get("/ikd/login").text
    account = repository.account_by_public_id(db_session, resident.public_id)
    assert account is not None
    level, seed = account.identity_level, account.totp_sealed
    stranger = client.post("/ikd/recover", data={"nik": resident.nik, "email": "x@example.id"}, follow_redirects=False)
    assert stranger.status_code == 303  # the same answer: no hint whether an account exists
    sent = len(codes)
    start = client.post("/ikd/recover", data={"nik": resident.nik, "email": "siti@example.id"}, follow_redirects=False)
    assert start.status_code == 303
    assert len(codes) == sent + 1
    form = {"account": resident.public_id, "code": codes[-1], "password": "a brand new secret"}
    no_totp = client.post("/ikd/recover/code", data={**form, "totp": "000000"})
    assert no_totp.status_code == 400  # the mailed code alone is not enough
    client.post("/ikd/recover", data={"nik": resident.nik, "email": "siti@example.id"})
    done = client.post("/ikd/recover/code", data={**form, "code": codes[-1], "totp": resident.totp(30)})
    assert done.status_code == 200, done.text
    db_session.expire_all()
    account = repository.account_by_public_id(db_session, resident.public_id)
    assert account is not None
    assert (account.identity_level, account.totp_sealed) == (level, seed)  # assurance never lowered
    old = client.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password})
    assert old.status_code == 401
    new = {"identifier": resident.nik, "password": "a brand new secret"}
    assert client.post("/ikd/login", data=new, follow_redirects=False).headers["location"].startswith("/ikd/login/otp")


def test_rp_registration_checks_the_application_in_the_registry(db_session: Session) -> None:
    from sqlalchemy import select

    from spbe.core.errors import ValidationFailed
    from spbe.identity import clients
    from spbe.registry.models import Agency, Application

    from .conftest import new_key, public_jwks

    application = db_session.scalars(select(Application).limit(1)).first()
    assert application is not None  # the reference data has applications
    owner = db_session.get(Agency, application.owner_agency_id)
    other = db_session.scalars(select(Agency).where(Agency.id != application.owner_agency_id).limit(1)).first()
    assert owner is not None
    assert other is not None
    common: dict[str, Any] = {
        "name": "Layanan",
        "redirect_uris": ["https://izin.example.go.id:8443/callback"],
        "jwks": public_jwks(new_key("k1")),
        "scopes": ["openid"],
    }
    for code, agency in (("APP-NOPE", owner.code), (application.code, other.code)):
        with pytest.raises(ValidationFailed) as raised:
            clients.register_relying_party(
                db_session, client_id="rp-x", agency_code=agency, application_code=code, **common
            )
        assert raised.value.errors[0].field == "application"
    row = clients.register_relying_party(
        db_session, client_id="rp-x", agency_code=owner.code, application_code=application.code, **common
    )
    assert row.application_code == application.code
    assert row.sector_identifier == "izin.example.go.id"  # OIDC Core §8.1: the host, without the port


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _code_in_session(client: TestClient, rp: TestRp) -> dict[str, Any]:
    """Another authorization in the same sign-in session (consent, then the code) → the ID token claims."""
    location, verifier = _start(client, rp)
    if location.startswith("/ikd/consent"):  # else already back at the RP with the code
        data = {"decision": "allow", "auth": query_of(location)["auth"]}
        location = client.post("/ikd/consent", data=data, follow_redirects=False).headers["location"]
    tokens = exchange(client, rp, Flow(query_of(location)["code"], verifier, "", {})).json()
    return _claims(tokens["id_token"])


def test_sid_is_random_stable_per_session_and_per_sector(
    client: TestClient, db_session: Session, rp: TestRp, resident: ActiveResident
) -> None:
    from spbe.identity import clients

    from .conftest import new_key, public_jwks

    other_key = new_key("other-1")
    clients.register_relying_party(
        db_session,
        client_id="other-rp",
        name="Lain",
        agency_code="KOMDIGI",
        redirect_uris=["https://lain.example.go.id/cb"],
        jwks=public_jwks(other_key),
        scopes=["openid"],
        require_par=False,
    )
    other = TestRp("other-rp", other_key, "https://lain.example.go.id/cb")
    first = _claims(exchange(client, rp, run_flow(client, rp, resident)).json()["id_token"])
    again = _code_in_session(client, rp)
    elsewhere = _code_in_session(client, other)
    assert len(first["sid"]) == 32
    assert not first["sid"].isdigit()
    assert again["sid"] == first["sid"]  # stable for the session
    assert elsewhere["sid"] != first["sid"]  # not a correlation handle across sectors
