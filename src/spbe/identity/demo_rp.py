"""A small demo relying party at ``/demo-rp``: a real RP that reaches the provider over real HTTP
(discovery, PAR with ``private_key_jwt``, PKCE S256, code exchange, ID token and userinfo), then shows
the released claims. Its key lives in the data folder; it is registered by ``spbe demo seed``.

It shares the process with the provider only for convenience: every call goes out through httpx to
``SPBE_PUBLIC_URL`` (so run the platform with more than one thread, as uvicorn does by default).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.concurrency import run_in_threadpool

from spbe.core.security import public
from spbe.core.templating import render
from spbe.identity.demo_rp_sessions import SESSION_COOKIE, DemoSession, LogoutTokenError, check_logout_token
from spbe.identity.demo_rp_sessions import sessions as _sessions
from spbe.identity.seed import DEMO_RP_ID, demo_client_key

router = APIRouter(prefix="/demo-rp", include_in_schema=False)
COOKIE = "demo_rp_state"


def _base(request: Request) -> str:
    return str(request.app.state.settings.public_url).rstrip("/")


def _assertion(request: Request, audience: str) -> dict[str, str]:
    key = demo_client_key(request.app.state.settings.data_dir)
    now = int(time.time())
    claims = {
        "iss": DEMO_RP_ID,
        "sub": DEMO_RP_ID,
        "aud": audience,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key, algorithms=["ES256"])
    return {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": token,
    }


def _transport(request: Request) -> httpx.BaseTransport | None:
    transport: httpx.BaseTransport | None = getattr(request.app.state, "demo_rp_transport", None)
    return transport


@router.get("/", dependencies=[public])
def home(request: Request) -> HTMLResponse:
    """Signed in (this RP's own session, until a back-channel logout forgets it) or the start button."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    found = _sessions.get(cookie)
    if found is None:
        return render(request, "identity/demo_rp.html", {"claims": None, "signed_out": bool(cookie)})
    return render(
        request, "identity/demo_rp.html", {**found.view(), "logout_url": _logout_url(request, found.raw_id_token)}
    )


def _logout_url(request: Request, id_token: str) -> str:
    """RP-initiated logout with the ID token as hint: the provider signs out without asking again."""
    base = _base(request)
    query = {"client_id": DEMO_RP_ID, "post_logout_redirect_uri": f"{base}/demo-rp/", "id_token_hint": id_token}
    return str(httpx.URL(f"{base}/oidc/logout", params=query))


@router.get("/login", dependencies=[public])
def login(request: Request) -> Response:
    base = _base(request)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    with httpx.Client(transport=_transport(request), timeout=10) as http:
        meta = http.get(f"{base}/.well-known/openid-configuration").json()
        form = {
            "client_id": DEMO_RP_ID,
            "response_type": "code",
            "redirect_uri": f"{base}/demo-rp/callback",
            "scope": "openid profile address email nik",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "acr_values": "urn:ikd:acr:password-otp",
            **_assertion(request, meta["issuer"]),
        }
        pushed = http.post(meta["pushed_authorization_request_endpoint"], data=form)
    if pushed.status_code != 201:
        return render(request, "identity/demo_rp.html", {"error": pushed.text}, status_code=502)
    target = httpx.URL(
        meta["authorization_endpoint"], params={"client_id": DEMO_RP_ID, "request_uri": pushed.json()["request_uri"]}
    )
    response = RedirectResponse(str(target), status_code=303)
    # the RP's own session: state, PKCE verifier and nonce stay in the browser's HttpOnly cookie
    response.set_cookie(COOKIE, f"{state}.{verifier}.{nonce}", httponly=True, samesite="lax", path="/demo-rp")
    return response


@router.get("/callback", dependencies=[public])
def callback(request: Request) -> Response:
    params, base = request.query_params, _base(request)
    state, _, rest = request.cookies.get(COOKIE, "").partition(".")
    verifier, _, nonce = rest.partition(".")
    saved = {"verifier": verifier, "nonce": nonce} if state and verifier and nonce else None
    if saved is None or params.get("state") != state or params.get("iss") != base:
        return render(
            request,
            "identity/demo_rp.html",
            {"error": params.get("error_description") or params.get("error") or "state or iss mismatch"},
            status_code=400,
        )
    with httpx.Client(transport=_transport(request), timeout=10) as http:
        meta = http.get(f"{base}/.well-known/openid-configuration").json()
        tokens = http.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": params.get("code", ""),
                "redirect_uri": f"{base}/demo-rp/callback",
                "code_verifier": saved["verifier"],
                **_assertion(request, meta["issuer"]),
            },
        ).json()
        if "id_token" not in tokens:
            return render(request, "identity/demo_rp.html", {"error": str(tokens)}, status_code=502)
        keyset = KeySet.import_key_set(http.get(meta["jwks_uri"]).json())
        info = http.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    try:
        id_token = _check_id_token(tokens["id_token"], keyset, base, saved["nonce"])
    except (JoseError, ValueError) as error:
        return render(request, "identity/demo_rp.html", {"error": f"ID token rejected: {error}"}, status_code=502)
    value = _sessions.start(DemoSession(info, id_token, tokens["id_token"]))
    response = render(request, "identity/demo_rp.html", {"claims": info, "id_token": id_token})
    response.set_cookie(SESSION_COOKIE, value, httponly=True, samesite="lax", path="/demo-rp")
    return response


def _check_id_token(token: str, keyset: KeySet, issuer: str, nonce: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, keyset, algorithms=["ES256", "PS256"]).claims
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": DEMO_RP_ID},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    )
    registry.validate(claims)
    return claims


@router.post("/backchannel", dependencies=[public])
async def backchannel_logout(request: Request) -> Response:
    """OIDC Back-Channel Logout receiver: verify the logout token, forget the sessions of its ``sid``."""
    form = await request.form()
    token = form.get("logout_token")
    base = _base(request)
    try:
        if not isinstance(token, str):
            raise LogoutTokenError("logout_token is missing")
        keyset = await run_in_threadpool(_provider_keys, request, base)
        claims = check_logout_token(token, keyset, base, DEMO_RP_ID)
    except (LogoutTokenError, JoseError, ValueError) as error:
        return JSONResponse({"error": "invalid_request", "error_description": str(error)}, status_code=400)
    _sessions.forget(claims.get("sid"), claims.get("sub"))
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


def _provider_keys(request: Request, base: str) -> KeySet:
    with httpx.Client(transport=_transport(request), timeout=10) as http:
        meta = http.get(f"{base}/.well-known/openid-configuration").json()
        return KeySet.import_key_set(http.get(meta["jwks_uri"]).json())
