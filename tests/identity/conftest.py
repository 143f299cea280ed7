"""Fixtures for the identity tests: OIDC keys, a small register, an activated resident, a test RP
whose key pair the test owns (client side signed with jwcrypto, independent of our joserfc)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets as random_secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jwt
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from spbe.core.config import Settings
from spbe.core.db import make_session_factory, session_scope
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.core.nik.parser import NikFields, Sex, compose_nik
from spbe.identity import accounts, clients, notify, repository, secrets
from spbe.identity.models import Resident

ISSUER = "http://127.0.0.1:8000"
TOKEN_URL = ISSUER + "/oidc/token"
PASSWORD = "correct horse battery"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="session")
def oidc_keys(engine: Engine, settings: Settings) -> None:
    """The provider's signing keys, committed so every connection (and the core verifier) sees them."""
    keys.use_secret(settings.resolved_secret_key)
    with session_scope(make_session_factory(engine)) as session:
        keys.ensure_keys(session, Purpose.oidc)


def make_resident(session: Session, district: str = "32.73.05", serial: int = 1, sex: Sex = Sex.female) -> Resident:
    birth = dt.date(1990, 6, 20)
    nik = compose_nik(NikFields(district, birth, sex, serial))
    row = Resident(
        nik=nik,
        kk_number="3273050101900001",
        name="Siti Rahmawati",
        birth_place="Bandung",
        birth_date=birth,
        sex=sex.value,
        address="Jl. Merdeka 1, Bandung",
        village_code=district + ".1001",
        district_code=district,
        regency_code=district[:5],
        province_code=district[:2],
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class ActiveResident:
    nik: str
    password: str
    seed: str
    public_id: str

    def totp(self, offset: int = 0) -> str:
        return secrets.totp_code(self.seed, time.time() + offset)


@pytest.fixture
def codes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []
    monkeypatch.setattr(notify, "send_code", lambda _to, code, _ref, _purpose: sent.append(code))
    return sent


def activate(session: Session, resident: Resident, codes: list[str]) -> ActiveResident:
    public_id = accounts.start_activation(session, resident.nik, "siti@example.id", None)
    account = accounts.check_code(session, public_id, codes[-1])
    accounts.set_password(account, PASSWORD)
    seed = accounts.begin_totp(account)
    accounts.confirm_totp(session, account, secrets.totp_code(seed, time.time() - 30))
    return ActiveResident(resident.nik, PASSWORD, seed, public_id)


@pytest.fixture
def resident(db_session: Session, codes: list[str], oidc_keys: None) -> ActiveResident:
    return activate(db_session, make_resident(db_session), codes)


@dataclass
class TestRp:
    __test__ = False

    client_id: str
    key: jwk.JWK
    redirect_uri: str

    def assertion(
        self,
        aud: str = TOKEN_URL,
        *,
        lifetime: int = 60,
        iat: int | None = None,
        jti: str | None = None,
        alg: str | None = None,
        kid: str | None = None,
        key: jwk.JWK | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time()) if iat is None else iat
        payload = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "iat": now,
            "exp": now + lifetime,
            "jti": jti or uuid.uuid4().hex,
            **claims,
        }
        header = {"alg": alg or self.key["alg"], "kid": kid or self.key["kid"]}
        token = jwt.JWT(header=header, claims=payload)
        token.make_signed_token(key or self.key)
        return str(token.serialize())

    def auth(self, **kwargs: Any) -> dict[str, str]:
        return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": self.assertion(**kwargs)}


def new_key(kid: str, alg: str = "ES256") -> jwk.JWK:
    if alg == "PS256":
        key = jwk.JWK.generate(kty="RSA", size=2048, kid=kid, alg=alg, use="sig")
    else:
        key = jwk.JWK.generate(kty="EC", crv="P-256", kid=kid, alg=alg, use="sig")
    return key


def public_jwks(key: jwk.JWK) -> dict[str, Any]:
    return {"keys": [json.loads(key.export_public())]}


@pytest.fixture
def rp(db_session: Session, oidc_keys: None) -> TestRp:
    key = new_key("rp-key-1")
    redirect = "https://rp.example.go.id/callback"
    clients.register_relying_party(
        db_session,
        client_id="test-rp",
        name="Layanan Uji",
        agency_code="KOMDIGI",
        redirect_uris=[redirect],
        jwks=public_jwks(key),
        scopes=["openid", "profile", "email", "nik", "address"],
        purpose="Testing",
        require_par=True,
        post_logout_redirect_uris=["https://rp.example.go.id/"],
    )
    return TestRp("test-rp", key, redirect)


@pytest.fixture
def web_rp(db_session: Session, oidc_keys: None, settings: Settings) -> TestRp:
    """The platform's own web client (``settings.web_client_id``): its tokens also name the platform API."""
    key = new_key("web-key-1")
    redirect = "https://spbe.example.go.id/masuk/callback"
    existing = repository.client(db_session, settings.web_client_id)
    if existing is not None:  # seeded with the reference data: use it with the test's key and redirect
        existing.jwks, existing.jwks_uri, existing.redirect_uris = public_jwks(key), None, [redirect]
        existing.require_par, existing.active = True, True
        db_session.flush()
        return TestRp(settings.web_client_id, key, redirect)
    clients.register_relying_party(
        db_session,
        client_id=settings.web_client_id,
        name="SPBE",
        agency_code="KOMDIGI",
        redirect_uris=[redirect],
        jwks=public_jwks(key),
        scopes=["openid"],
        purpose="Signing in to the platform",
        require_par=True,
    )
    return TestRp(settings.web_client_id, key, redirect)


@pytest.fixture
def machine(db_session: Session, oidc_keys: None) -> TestRp:
    key = new_key("machine-key-1", "PS256")
    clients.register_machine_client(
        db_session,
        client_id="test-machine",
        name="Sistem Uji",
        agency_code="KOMDIGI",
        jwks=public_jwks(key),
        roles=["registry:reader"],
    )
    return TestRp("test-machine", key, "")


def pkce() -> tuple[str, str]:
    verifier = random_secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Flow:
    """One run of the front channel up to the code, with everything the token request needs."""

    code: str
    verifier: str
    nonce: str
    redirect: dict[str, str]


def push(client: TestClient, rp: TestRp, challenge: str, **params: str) -> Any:
    data = {
        "client_id": rp.client_id,
        "response_type": "code",
        "redirect_uri": rp.redirect_uri,
        "scope": "openid profile nik",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-1",
        "nonce": "n-1",
        **params,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return client.post("/oidc/par", data={**data, **rp.auth(aud=ISSUER)})


def sign_in(client: TestClient, who: ActiveResident, location: str) -> Any:
    """Follow the provider's pages from ``location`` (login → OTP → consent) back to the RP."""
    auth = query_of(location)["auth"]
    response = client.post(
        "/ikd/login", data={"identifier": who.nik, "password": who.password, "auth": auth}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    response = client.post("/ikd/login/otp", data={"code": who.totp(), "auth": auth}, follow_redirects=False)
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/ikd/consent"):
        response = client.post("/ikd/consent", data={"decision": "allow", "auth": auth}, follow_redirects=False)
    return response


def run_flow(client: TestClient, rp: TestRp, who: ActiveResident, **params: str) -> Flow:
    verifier, challenge = pkce()
    pushed = push(client, rp, challenge, **params)
    assert pushed.status_code == 201, pushed.text
    response = client.get(
        "/oidc/authorize",
        params={"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    final = sign_in(client, who, response.headers["location"])
    assert final.status_code == 302, final.text
    redirect = query_of(final.headers["location"])
    return Flow(redirect.get("code", ""), verifier, params.get("nonce", "n-1"), redirect)


def exchange(client: TestClient, rp: TestRp, flow: Flow, **overrides: str) -> Any:
    data = {
        "grant_type": "authorization_code",
        "code": flow.code,
        "redirect_uri": rp.redirect_uri,
        "code_verifier": flow.verifier,
        **rp.auth(),
    }
    data.update(overrides)
    return client.post("/oidc/token", data={key: value for key, value in data.items() if value is not None})


def csrf_form(client: TestClient) -> dict[str, str]:
    """The double-submit CSRF field (the account page sets the cookie)."""
    if not client.cookies.get("spbe_csrf"):
        client.get("/ikd/account")
    return {"csrf_token": client.cookies.get("spbe_csrf") or ""}


def rp_logout(client: TestClient, **params: str) -> Any:
    """RP-initiated logout without an ``id_token_hint``: the confirmation page, then its confirming POST."""
    page = client.get("/oidc/logout", params=params, follow_redirects=False)
    if page.status_code != 200 or 'action="/oidc/logout"' not in page.text:
        return page  # no session to end: nothing to confirm
    data = {**params, "csrf_token": client.cookies.get("spbe_csrf") or ""}
    return client.post("/oidc/logout", data=data, follow_redirects=False)
