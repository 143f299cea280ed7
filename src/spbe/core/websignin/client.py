"""The platform's OpenID Connect client: discovery, PAR, code exchange, refresh — all over real HTTP.

Tests hand in an ``httpx`` transport (``app.state.web_signin_transport``) that delivers the same requests
to the app under test; in production the requests go to ``SPBE_WEB_ISSUER`` (default: this platform).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session, sessionmaker

from spbe.core.config import Settings
from spbe.core.db import session_scope
from spbe.core.errors import BadRequest, ServiceUnavailable
from spbe.core.keys import repository as key_repository
from spbe.core.keys import service as keys
from spbe.core.websignin.cookies import PendingSignin

WEB_CLIENT_PURPOSE = "web-client"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPE = "openid profile"
METADATA_TTL = 300.0
CALLBACK_PATH = "/masuk/callback"

logger = logging.getLogger(__name__)


class SigninFailed(BadRequest):
    """The provider refused or answered something a careful relying party must not accept."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    name: str | None
    id_token: str | None = None


def issuer_of(settings: Settings) -> str:
    return (settings.web_issuer or settings.public_url).rstrip("/")


def callback_url(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class SigninClient:
    """One per app (``app.state.web_signin``); thread-safe, keeps the provider metadata for five minutes."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        transport: Callable[[], httpx.BaseTransport | None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.issuer = issuer_of(settings)
        self.client_id = settings.web_client_id
        self._session_factory = session_factory
        self._transport = transport
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = float("-inf")
        self._lock = threading.Lock()

    @contextmanager
    def _http(self) -> Iterator[httpx.Client]:
        """An HTTP client to the provider; a network failure becomes a clear 503, never a stack trace."""
        try:
            with httpx.Client(transport=self._transport(), timeout=10, follow_redirects=False) as http:
                yield http
        except httpx.HTTPError as error:
            logger.warning("web sign-in: the IKD provider at %s is unreachable: %s", self.issuer, error)
            raise ServiceUnavailable(
                f"The IKD sign-in service at {self.issuer} cannot be reached. If the platform runs on another "
                "address, set SPBE_PUBLIC_URL to it and run `spbe demo seed` again."
            ) from error

    def metadata(self, http: httpx.Client) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL:
                answer = http.get(f"{self.issuer}/.well-known/openid-configuration")
                if answer.status_code != 200:
                    raise ServiceUnavailable("The IKD sign-in service is not answering; try again shortly.")
                self._metadata, self._metadata_at = answer.json(), time.monotonic()
            return self._metadata

    def _assertion(self, audience: str) -> dict[str, str]:
        with session_scope(self._session_factory, write=False) as session:
            row = key_repository.newest_active(session, WEB_CLIENT_PURPOSE)
            if row is None:
                raise ServiceUnavailable("Browser sign-in is not set up yet: run `spbe demo seed` or `spbe db seed`.")
            signer = keys.signer(session, WEB_CLIENT_PURPOSE)
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": audience, "iat": now, "exp": now + 60}
        claims["jti"] = uuid.uuid4().hex
        header = {"alg": signer.algorithm, "kid": signer.kid}
        token = jwt.encode(header, claims, signer.material.key, algorithms=[signer.algorithm])
        return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": token}

    def start(self, next_path: str) -> tuple[str, PendingSignin]:
        """Push the authorization request; the browser goes to the returned URL with the pending state."""
        verifier, challenge = _pkce_pair()
        pending = PendingSignin(secrets.token_urlsafe(16), verifier, secrets.token_urlsafe(16), next_path)
        with self._http() as http:
            meta = self.metadata(http)
            form = {
                "client_id": self.client_id,
                "response_type": "code",
                "redirect_uri": callback_url(self.settings),
                "scope": SCOPE,
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                **self._assertion(meta["issuer"]),
            }
            pushed = http.post(meta["pushed_authorization_request_endpoint"], data=form)
        if pushed.status_code != 201:
            raise SigninFailed(f"The IKD provider refused the sign-in request: {_oauth_error(pushed)}")
        url = httpx.URL(
            meta["authorization_endpoint"],
            params={"client_id": self.client_id, "request_uri": pushed.json()["request_uri"]},
        )
        return str(url), pending

    def finish(self, params: dict[str, str], pending: PendingSignin) -> Tokens:
        """Check ``state`` and ``iss`` (RFC 9207), exchange the code, verify the ID token."""
        if params.get("error"):
            raise SigninFailed(f"Sign-in was not completed: {params.get('error_description') or params['error']}.")
        if params.get("state") != pending.state:
            raise SigninFailed("The sign-in answer does not belong to this browser (state mismatch).")
        if params.get("iss") != self.issuer:
            raise SigninFailed("The sign-in answer names another issuer (iss mismatch).")
        with self._http() as http:
            meta = self.metadata(http)
            grant = {
                "grant_type": "authorization_code",
                "code": params.get("code", ""),
                "redirect_uri": callback_url(self.settings),
                "code_verifier": pending.verifier,
            }
            tokens = self._token_request(http, meta, grant)
            keyset = KeySet.import_key_set(http.get(meta["jwks_uri"]).json())
            id_claims = self._check_id_token(tokens.get("id_token", ""), keyset, pending.nonce)
            name = id_claims.get("name") or self._userinfo_name(http, meta, tokens["access_token"])
        return Tokens(tokens["access_token"], tokens.get("refresh_token"), name, tokens["id_token"])

    def refresh(self, refresh_token: str) -> Tokens:
        with self._http() as http:
            meta = self.metadata(http)
            tokens = self._token_request(http, meta, {"grant_type": "refresh_token", "refresh_token": refresh_token})
        return Tokens(tokens["access_token"], tokens.get("refresh_token"), None)

    def end_session_url(self, id_token_hint: str | None = None) -> str | None:
        """Where to send the browser so the provider ends its session too (RP-initiated logout; with the
        ID token as hint the provider signs out at once instead of asking for confirmation)."""
        try:
            with self._http() as http:
                endpoint = self.metadata(http).get("end_session_endpoint")
        except ServiceUnavailable:
            return None
        if not endpoint:
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": self.settings.public_url.rstrip("/") + "/"}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        return str(httpx.URL(endpoint, params=params))

    def _token_request(self, http: httpx.Client, meta: dict[str, Any], grant: dict[str, str]) -> dict[str, Any]:
        answer = http.post(meta["token_endpoint"], data={**grant, **self._assertion(meta["issuer"])})
        if answer.status_code != 200:
            raise SigninFailed(f"The IKD provider refused the token request: {_oauth_error(answer)}")
        body: dict[str, Any] = answer.json()
        if not isinstance(body.get("access_token"), str):
            raise SigninFailed("The IKD provider's token answer has no access token.")
        return body

    def _check_id_token(self, token: str, keyset: KeySet, nonce: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(token, keyset, algorithms=["ES256", "PS256"]).claims
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                nonce={"essential": True, "value": nonce},
                exp={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as error:
            raise SigninFailed(f"The ID token was rejected: {error}.") from error
        return claims

    @staticmethod
    def _userinfo_name(http: httpx.Client, meta: dict[str, Any], access_token: str) -> str | None:
        answer = http.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"})
        name = answer.json().get("name") if answer.status_code == 200 else None
        return name if isinstance(name, str) else None


def _oauth_error(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return f"HTTP {answer.status_code}"
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or f"HTTP {answer.status_code}")
    return f"HTTP {answer.status_code}"
