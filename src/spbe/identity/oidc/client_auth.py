"""``private_key_jwt`` client authentication (RFC 7523 §2.2), on Authlib's ``JWTBearerClientAssertion``.

Tightened for FAPI 2.0 / eSignet: only ES256 and PS256; the header must name a ``kid`` of the client's
registered keys; ``iss`` = ``sub`` = client id; ``aud`` = the issuer or the endpoint; ``exp`` and
``iat`` required and at most 120 seconds apart; every ``jti`` is accepted once (a database replay cache,
shared by every worker: written in the request's transaction, or — on the token endpoint's fast path —
collected here and group-committed by ``spbe.identity.oidc.replay`` before the token leaves the server).

A ``kid`` the cached registration does not know makes the provider re-read the client (at most once a
second per client), so a client that registered a new key can use it at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import Key
from sqlalchemy.orm import Session

from spbe.identity import jwks_fetch, repository
from spbe.identity.oidc import context
from spbe.identity.oidc.adapters import CLIENT_AUTH_METHOD, Client

ASSERTION_ALGORITHMS = ("ES256", "PS256")
MAX_ASSERTION_LIFETIME = 120
LEEWAY = 10


class PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]
    CLIENT_AUTH_METHOD = CLIENT_AUTH_METHOD

    def __init__(
        self,
        audiences: list[str],
        session_of: Callable[[], Session],
        reload_client: Callable[[str], Client | None] | None = None,
    ) -> None:
        super().__init__(validate_jti=True, leeway=LEEWAY)
        self._audiences = audiences
        self._session_of = session_of
        self._reload_client = reload_client

    def get_audiences(self) -> list[str]:
        return self._audiences

    def __call__(self, query_client: Callable[[str], Client | None], request: Any) -> Client | None:
        data = request.form
        assertion = data.get("client_assertion")
        if data.get("client_assertion_type") != self.CLIENT_ASSERTION_TYPE or not assertion:
            return None
        headers, claims = self.extract_assertion(assertion)
        if headers.get("alg") not in ASSERTION_ALGORITHMS:
            raise InvalidClientError(
                description=f"Client assertions must be signed with {' or '.join(ASSERTION_ALGORITHMS)}."
            )
        client_id = claims.get("sub")
        client = query_client(client_id) if isinstance(client_id, str) else None
        if client is None:
            raise InvalidClientError(description="The client does not exist on this server.")
        kid = headers.get("kid")
        if not isinstance(kid, str):
            raise InvalidClientError(description="The client assertion names no key (kid).")
        if client.row.jwks_uri and context.deferred_assertions() is not None:
            raise context.NeedsDatabase("keys from a jwks_uri may need a fetch: not in the event loop")
        if kid not in client.keys_by_kid and self._reload_client is not None:
            client = self._reload_client(client_id)  # a key registered since the client was cached?
            if client is None:
                raise InvalidClientError(description="The client does not exist on this server.")
        request.client = client
        self.process_assertion_claims(assertion, self._key(client, kid))
        result: Client = self.authenticate_client(client)
        return result

    @staticmethod
    def _key(client: Client, kid: str) -> Key:
        # jwks_uri hook (identity features): keys fetched from the RP's jwks_uri, cached, re-fetched on an unknown kid
        key = jwks_fetch.key_for(client, kid) if client.row.jwks_uri else client.keys_by_kid.get(kid)
        if key is None:
            raise InvalidClientError(description="The client assertion is signed by an unknown key (kid).")
        return key

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(ASSERTION_ALGORITHMS))
        except JoseError as error:
            raise InvalidClientError(description=f"The client assertion is invalid: {error.error}.") from None
        claims: dict[str, Any] = token.claims
        self._check_lifetime(claims)
        self.verify_claims(claims)
        return claims

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise InvalidClientError(description="The client assertion needs exp and iat.")
        if exp - iat > MAX_ASSERTION_LIFETIME:
            raise InvalidClientError(description=f"The client assertion may live at most {MAX_ASSERTION_LIFETIME} s.")
        now = int(dt.datetime.now(dt.UTC).timestamp())
        if iat > now + LEEWAY:
            raise InvalidClientError(description="The client assertion was issued in the future.")

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        if not isinstance(jti, str) or not jti or len(jti) > 200:
            return False
        expires = dt.datetime.fromtimestamp(int(claims["exp"]) + LEEWAY, dt.UTC)
        deferred = context.deferred_assertions()
        if deferred is not None:  # the fast path records it before the token is sent
            deferred.append(context.AssertionUse(str(claims["sub"]), jti, expires))
            return True
        return repository.remember_assertion(self._session_of(), str(claims["sub"]), jti, expires)
