"""IKD access tokens at the gateway, end to end: a machine client registered in identity gets a token from
``/oidc/token`` (client credentials, ``private_key_jwt``), is linked to a subsystem, and calls through the
gateway with ``Authorization: Bearer``."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, NotFound
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.identity import clients
from spbe.interop import trust
from spbe.interop import xroad_errors as xe
from spbe.interop.gateway import Gateway
from spbe.interop.refresher import SnapshotHolder
from tests.identity.conftest import TestRp, new_key, oidc_keys, public_jwks
from tests.interop.conftest import CONSUMER, OTHER, SERVICE, Backend, Env, register, running_backend
from tests.interop.trust_support import ISSUER, make_gateway, refresh, snapshot_holder

__all__ = ["oidc_keys"]  # the identity tests' fixture: the provider's signing keys
URL = f"/r1/{SERVICE}/penduduk/3273"
Call = Callable[..., Awaitable[httpx.Response]]


def _machine(session: Session, client_id: str) -> TestRp:
    key = new_key(f"{client_id}-key")
    clients.register_machine_client(
        session, client_id=client_id, name="SIMPATIK Bandung", agency_code="KOMDIGI", jwks=public_jwks(key), roles=[]
    )
    return TestRp(client_id, key, "")


def _token(client: TestClient, machine: TestRp) -> str:
    response = client.post("/oidc/token", data={"grant_type": "client_credentials", **machine.auth(alg="ES256")})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _minted(session: Session, purpose: str = Purpose.oidc, **overrides: Any) -> str:
    """A token signed by a real published key, with claims of our choosing."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": ISSUER,
        "sub": "splp-bandung",
        "client_id": "splp-bandung",
        "kind": "machine",
        "scope": "",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        **overrides,
    }
    signer = keys.signer(session, purpose)
    header = {"alg": signer.algorithm, "kid": signer.kid, "typ": "at+jwt"}
    return jwt.encode(header, claims, signer.material.key, algorithms=[signer.algorithm])


def _unsigned(token: str) -> str:
    """The same claims with ``alg: none`` and no signature."""
    payload = token.split(".")[1]
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "at+jwt"}).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}."


def run_oauth(env: Env, scenario: Callable[[Call, SnapshotHolder, Backend], Awaitable[None]], **gateway: Any) -> None:
    async def main() -> None:
        async with running_backend() as backend:
            register(env.session, f"http://127.0.0.1:{backend.port}/api")
            trust.link_oauth_client(env.session, CONSUMER, "splp-bandung", actor="test")
            holder = snapshot_holder(env.session)
            gw: Gateway = await make_gateway(holder, **gateway)

            async def call(token: str, client: Any = CONSUMER, **headers: str) -> httpx.Response:
                transport = httpx.ASGITransport(app=gw)
                async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
                    auth = {"Authorization": f"Bearer {token}", "X-Road-Client": str(client)}
                    return await http.get(URL, headers={**auth, **headers})

            try:
                await scenario(call, holder, backend)
            finally:
                await gw.parts.upstream.close()

    asyncio.run(main())


def _refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["x-road-error"] == xe.AUTH_FAILED
    assert reason in response.json()["message"], response.json()["message"]


@pytest.fixture
def token(env: Env, client: TestClient, oidc_keys: None) -> str:
    return _token(client, _machine(env.session, "splp-bandung"))


def test_a_linked_machine_clients_token_calls_as_its_subsystem(env: Env, token: str) -> None:
    async def scenario(call: Call, _: SnapshotHolder, backend: Backend) -> None:
        response = await call(token)
        assert response.status_code == 200, response.text
        assert response.headers["x-road-client"] == str(CONSUMER)
        forwarded = {name.lower() for name in backend.seen[-1]["headers"]}
        assert "authorization" not in forwarded  # the gateway's credential never reaches the provider
        assert (await call(token)).status_code == 200  # the second call is served from the token cache

    run_oauth(env, scenario)


def test_the_token_of_a_client_linked_to_another_subsystem_is_refused(env: Env, token: str) -> None:
    async def scenario(call: Call, _: SnapshotHolder, __: Backend) -> None:
        _refused(await call(token, OTHER), "does not match X-Road-Client")

    run_oauth(env, scenario)


def test_an_unlinked_client_is_refused_and_unlinking_takes_effect_on_refresh(
    env: Env, client: TestClient, token: str
) -> None:
    stranger = _token(client, _machine(env.session, "splp-stranger"))

    async def scenario(call: Call, holder: SnapshotHolder, _: Backend) -> None:
        _refused(await call(stranger), "'splp-stranger' is not linked")
        assert (await call(token)).status_code == 200
        trust.unlink_oauth_client(env.session, "splp-bandung", actor="test")
        refresh(holder, env.session)
        _refused(await call(token), "not linked")  # even though the token itself is still cached as valid

    run_oauth(env, scenario)


def test_expired_tampered_and_foreign_tokens_are_refused(env: Env, oidc_keys: None) -> None:
    now = int(time.time())
    good = _minted(env.session)
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload[:-4]}{'AAAA' if payload[-4:] != 'AAAA' else 'BBBB'}.{signature}"

    async def scenario(call: Call, _: SnapshotHolder, __: Backend) -> None:
        assert (await call(good)).status_code == 200
        _refused(await call(_minted(env.session, exp=now - 120, iat=now - 600, nbf=now - 600)), "expired")
        _refused(await call(tampered), "access token refused")
        _refused(await call(good[:-8] + "AAAAAAAA"), "signature")
        _refused(await call(_minted(env.session, iss="https://elsewhere.example")), "another issuer")
        _refused(await call(_minted(env.session, aud="https://other-api.example")), "another audience")
        _refused(await call(_minted(env.session, purpose=Purpose.platform)), "unknown key")
        _refused(await call("not-a-jwt"), "malformed")
        _refused(await call(_unsigned(good)), "alg none")

    run_oauth(env, scenario)


def test_tokens_of_people_and_borrowed_tokens_are_refused(env: Env, oidc_keys: None) -> None:
    async def scenario(call: Call, _: SnapshotHolder, __: Backend) -> None:
        _refused(await call(_minted(env.session, kind="resident", sub="pairwise-123")), "not a resident token")
        _refused(await call(_minted(env.session, kind="staff", sub="staff:budi")), "not a staff token")
        _refused(await call(_minted(env.session, sub="someone-else")), "client_id must equal sub")

    run_oauth(env, scenario)


def test_a_required_scope_is_enforced(env: Env, oidc_keys: None) -> None:
    async def scenario(call: Call, _: SnapshotHolder, __: Backend) -> None:
        _refused(await call(_minted(env.session)), "lacks the 'splp' scope")
        assert (await call(_minted(env.session, scope="openid splp"))).status_code == 200

    run_oauth(env, scenario, scope="splp")


def test_api_keys_can_be_switched_off(env: Env, oidc_keys: None) -> None:
    async def scenario(call: Call, _: SnapshotHolder, __: Backend) -> None:
        response = await call("x", **{"Authorization": "", "X-SPLP-Api-Key": "splp_abc_def"})
        _refused(response, "client certificate of the platform CA")
        assert "X-SPLP-Api-Key" not in response.json()["message"]

    run_oauth(env, scenario, api_keys=False)


def test_linking_rules(env: Env) -> None:
    register(env.session, "http://127.0.0.1:9/api")
    trust.link_oauth_client(env.session, CONSUMER, "splp-bandung", actor="test")
    with pytest.raises(Conflict):
        trust.link_oauth_client(env.session, OTHER, "splp-bandung", actor="test")
    with pytest.raises(NotFound):
        trust.unlink_oauth_client(env.session, "nobody", actor="test")
    assert [(c, s) for c, s, _ in trust.linked_oauth_clients(env.session)] == [("splp-bandung", str(CONSUMER))]
