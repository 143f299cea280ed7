"""The whole flow driven by an independent client library: Authlib's httpx ``OAuth2Client`` with
``private_key_jwt`` (``PrivateKeyJWT``) for PAR and the token request, PKCE S256 from Authlib, the ID
token checked with Authlib's own JOSE, and the access token at userinfo."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey

from .conftest import ISSUER, ActiveResident, TestRp, query_of, sign_in


class ShortLivedAssertion(PrivateKeyJWT):  # type: ignore[misc]
    """Authlib's assertions live an hour by default; the provider accepts at most 120 s."""

    def sign(self, auth: object, token_endpoint: str) -> object:
        self.claims = {"exp": int(time.time()) + 60}  # a fresh dict: Authlib adds the jti to it
        return super().sign(auth, token_endpoint)


def test_authlib_client_runs_par_code_pkce_and_userinfo(
    client: TestClient, rp: TestRp, resident: ActiveResident
) -> None:
    meta = client.get("/.well-known/openid-configuration").json()
    private = ECKey.import_key(json.loads(rp.key.export_private()))  # the RP's own ES256 key
    auth_method = ShortLivedAssertion(alg="ES256", headers={"kid": rp.key["kid"]})  # aud = the endpoint called
    oauth = OAuth2Client(
        rp.client_id,
        private,
        token_endpoint_auth_method=auth_method,
        redirect_uri=rp.redirect_uri,
        scope="openid profile",
        code_challenge_method="S256",
        transport=client._transport,
        base_url=ISSUER,
    )
    verifier = generate_token(48)
    request = urlencode(
        {
            "client_id": rp.client_id,
            "response_type": "code",
            "redirect_uri": rp.redirect_uri,
            "scope": "openid profile",
            "state": "authlib-state",
            "nonce": "authlib-nonce",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    credentials = SimpleNamespace(client_id=rp.client_id, client_secret=private)
    par_url, headers, body = auth_method(
        credentials, "POST", meta["pushed_authorization_request_endpoint"], form, request
    )
    pushed = client.post(par_url, content=body, headers=headers)  # body and assertion built by Authlib
    assert pushed.status_code == 201, pushed.text
    start = client.get(
        meta["authorization_endpoint"],
        params={"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]},
        follow_redirects=False,
    )
    back = sign_in(client, resident, start.headers["location"])
    callback = query_of(back.headers["location"])
    assert (callback["state"], callback["iss"]) == ("authlib-state", ISSUER)  # RFC 9207
    token = oauth.fetch_token(
        meta["token_endpoint"], code=callback["code"], code_verifier=verifier, grant_type="authorization_code"
    )
    keys = JsonWebKey.import_key_set(client.get(meta["jwks_uri"]).json())
    id_token = jwt.decode(
        token["id_token"],
        keys,
        claims_options={"iss": {"essential": True, "value": ISSUER}, "aud": {"essential": True, "value": rp.client_id}},
    )
    id_token.validate()
    assert id_token["nonce"] == "authlib-nonce"
    info = oauth.get(meta["userinfo_endpoint"])
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == id_token["sub"]
    assert info.json()["name"] == "Siti Rahmawati"
    refreshed = oauth.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]
