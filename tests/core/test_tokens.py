"""Bearer tokens are checked in core against the published keys; every bad token is a short 401."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import OctKey, OKPKey
from sqlalchemy.orm import Session

from spbe.core.config import Settings
from spbe.core.errors import Unauthorized
from spbe.core.keys import service as keys
from spbe.core.security import Authenticated, TokenVerifier
from spbe.core.tokens import issue_platform_token, make_token_verifier, revoke

ISSUER = "https://spbe.example.go.id"


@pytest.fixture(autouse=True)
def _sealing_secret(settings: Settings) -> None:
    keys.use_secret(settings.resolved_secret_key)


@pytest.fixture
def verifier(db_session: Session) -> TokenVerifier:
    """A verifier reading keys through the test's session (it must see this test's uncommitted keys)."""
    return make_token_verifier(lambda: db_session, ISSUER)


def _issue(session: Session, **overrides: Any) -> str:
    arguments: dict[str, Any] = {"subject": "staff:7", "kind": "staff", "roles": ["registry.editor"]}
    arguments.update(overrides)
    token = issue_platform_token(session, issuer=ISSUER, agency_code="KEMENKEU", **arguments)
    session.commit()  # keep the keys when the verifier closes the session it borrowed
    return token


def _signed(session: Session, claims: dict[str, Any], **header: Any) -> str:
    """A token with arbitrary claims, signed by the real platform key."""
    signer = keys.signer(session, "platform")
    now = int(time.time())
    body = {"iss": ISSUER, "aud": ISSUER, "sub": "staff:7", "kind": "staff", "iat": now, "exp": now + 300, **claims}
    token = jwt.encode(
        {"alg": signer.algorithm, "kid": signer.kid, **header}, body, signer.material.key, [signer.algorithm]
    )
    session.commit()
    return token


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _reason(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as raised:
        verifier(token)
    return raised.value.detail


def test_a_valid_token_gives_its_principal(db_session: Session, verifier: TokenVerifier) -> None:
    principal = verifier(_issue(db_session))
    assert principal.subject == "staff:7"
    assert principal.kind == "staff"
    assert principal.agency_code == "KEMENKEU"
    assert principal.roles == frozenset({"registry.editor"})


def test_alg_none_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    kid = keys.signer(db_session, "platform").kid
    token = f"{_b64({'alg': 'none', 'kid': kid})}.{_b64({'iss': ISSUER, 'sub': 'x', 'kind': 'staff'})}."
    assert "alg none" in _reason(verifier, token)


def test_symmetric_tokens_are_refused(db_session: Session, verifier: TokenVerifier) -> None:
    kid = keys.signer(db_session, "platform").kid
    claims = {"iss": ISSUER, "sub": "x", "kind": "system", "exp": int(time.time()) + 60}
    token = jwt.encode({"alg": "HS256", "kid": kid}, claims, OctKey.generate_key(256))
    assert "HS" in _reason(verifier, token)


def test_an_unknown_kid_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    _issue(db_session)  # the platform has keys, just not this one
    stranger = OKPKey.generate_key("Ed25519")
    claims = {"iss": ISSUER, "sub": "x", "kind": "staff", "exp": int(time.time()) + 60}
    token = jwt.encode({"alg": "Ed25519", "kid": stranger.thumbprint()}, claims, stranger, ["Ed25519"])
    assert "unknown key" in _reason(verifier, token)


def test_a_token_without_kid_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    signer = keys.signer(db_session, "platform")
    claims = {"iss": ISSUER, "sub": "x", "kind": "staff", "exp": int(time.time()) + 60}
    token = jwt.encode({"alg": signer.algorithm}, claims, signer.material.key, [signer.algorithm])
    assert "kid" in _reason(verifier, token)


def test_an_algorithm_other_than_the_keys_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    header, payload, signature = _issue(db_session).split(".")
    forged_header = _b64({**json.loads(base64.urlsafe_b64decode(header + "==")), "alg": "ES256"})
    assert "does not match" in _reason(verifier, f"{forged_header}.{payload}.{signature}")


def test_a_bad_signature_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    header, _, signature = _issue(db_session).split(".")
    elevated = _b64({"iss": ISSUER, "sub": "staff:7", "kind": "system", "exp": int(time.time()) + 60})
    assert "signature" in _reason(verifier, f"{header}.{elevated}.{signature}")


def test_a_token_from_another_issuer_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    assert "another issuer" in _reason(verifier, _signed(db_session, {"iss": "https://evil.example"}))


def test_an_expired_token_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    assert "expired" in _reason(verifier, _issue(db_session, ttl=dt.timedelta(minutes=-5)))


def test_a_token_not_yet_valid_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    assert "not valid yet" in _reason(verifier, _signed(db_session, {"nbf": int(time.time()) + 3600}))


@pytest.mark.parametrize("claim", ["sub", "exp"])
def test_a_token_missing_a_required_claim_is_refused(db_session: Session, verifier: TokenVerifier, claim: str) -> None:
    token = _signed(db_session, {claim: None})
    assert claim in _reason(verifier, token)


def test_a_token_without_kind_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    """An OIDC ID token (no ``kind``) must not pass as an access token."""
    assert "kind" in _reason(verifier, _signed(db_session, {"kind": None}))


def test_kind_may_come_from_a_typ_claim(db_session: Session, verifier: TokenVerifier) -> None:
    assert verifier(_signed(db_session, {"kind": None, "typ": "machine"})).kind == "machine"


def test_roles_must_be_a_list_of_strings(db_session: Session, verifier: TokenVerifier) -> None:
    assert "roles" in _reason(verifier, _signed(db_session, {"roles": "admin"}))


def test_garbage_is_malformed(verifier: TokenVerifier) -> None:
    assert "malformed" in _reason(verifier, "not-a-token")


def test_a_token_signed_before_rotation_still_verifies(db_session: Session, verifier: TokenVerifier) -> None:
    token = _issue(db_session)
    keys.rotate(db_session, "platform")
    db_session.commit()
    assert verifier(token).subject == "staff:7"


def _whoami_app(app: FastAPI, verifier: TokenVerifier) -> TestClient:
    router = APIRouter()

    @router.get("/api/v1/_test/whoami")
    def whoami(principal: Authenticated) -> dict[str, Any]:
        return {"sub": principal.subject, "kind": principal.kind, "roles": sorted(principal.roles)}

    app.include_router(router)
    app.state.token_verifier = verifier
    return TestClient(app)


def test_a_valid_token_reaches_an_authenticated_route(
    app: FastAPI, db_session: Session, verifier: TokenVerifier
) -> None:
    client = _whoami_app(app, verifier)
    response = client.get("/api/v1/_test/whoami", headers={"Authorization": f"Bearer {_issue(db_session)}"})
    assert response.status_code == 200
    assert response.json() == {"sub": "staff:7", "kind": "staff", "roles": ["registry.editor"]}


def test_a_bad_token_is_a_401_problem(app: FastAPI, db_session: Session, verifier: TokenVerifier) -> None:
    client = _whoami_app(app, verifier)
    expired = _issue(db_session, ttl=dt.timedelta(minutes=-5))
    response = client.get("/api/v1/_test/whoami", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "The token has expired."
    assert client.get("/api/v1/_test/whoami").status_code == 401


def test_create_app_installs_a_verifier_for_its_public_url(app: FastAPI) -> None:
    assert callable(app.state.token_verifier)


def test_a_token_without_aud_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    assert "aud" in _reason(verifier, _signed(db_session, {"aud": None}))


def test_a_token_for_another_audience_is_refused(db_session: Session, verifier: TokenVerifier) -> None:
    """A resident's token issued to an agency RP names only userinfo: no replay against platform APIs."""
    token = _signed(db_session, {"aud": ISSUER + "/oidc/userinfo"})
    assert "aud" in _reason(verifier, token)
    assert verifier(_signed(db_session, {"aud": [ISSUER, ISSUER + "/oidc/userinfo"]})).subject == "staff:7"


def test_a_revoked_token_is_refused_after_the_cache_refresh(db_session: Session) -> None:
    verifier = make_token_verifier(lambda: db_session, ISSUER)
    token = _signed(db_session, {"jti": "revoked-1"})
    assert verifier(token).subject == "staff:7"  # the list is now cached (empty)
    revoke(db_session, "revoked-1", dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    revoke(db_session, "old-1", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))  # pruned on the next write
    db_session.commit()
    assert make_token_verifier(lambda: db_session, ISSUER)(_signed(db_session, {"jti": "other"})).kind == "staff"
    assert "revoked" in _reason(make_token_verifier(lambda: db_session, ISSUER), token)
