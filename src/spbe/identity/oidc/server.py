"""The authorization server: Authlib's ``AuthorizationServer`` wired to our store, keys and grants."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from joserfc import jwt
from joserfc.errors import JoseError

from spbe.core.db import utcnow
from spbe.core.keys import service as keys
from spbe.identity import repository, secrets
from spbe.identity.models import IssuedAccessToken, RefreshToken
from spbe.identity.oidc import context, issuing
from spbe.identity.oidc.adapters import CLIENT_AUTH_METHOD, AccessRecord, Client, EndUser, RefreshRecord
from spbe.identity.oidc.client_auth import PrivateKeyJwt
from spbe.identity.oidc.grants import CodeGrant, IdToken, MachineGrant, RefreshGrant, S256Only
from spbe.identity.oidc.http import ProtocolResponse
from spbe.identity.settings import identity_settings

CLIENT_CACHE_SECONDS = 5.0
CLIENT_RELOAD_SECONDS = 1.0  # an unknown kid re-reads the client at most this often
PATHS = {
    "authorization_endpoint": "/oidc/authorize",
    "token_endpoint": "/oidc/token",
    "userinfo_endpoint": "/oidc/userinfo",
    "jwks_uri": "/oidc/jwks.json",
    "pushed_authorization_request_endpoint": "/oidc/par",
    "revocation_endpoint": "/oidc/revoke",
    "introspection_endpoint": "/oidc/introspect",
    "end_session_endpoint": "/oidc/logout",
}


class Provider(AuthorizationServer):  # type: ignore[misc]
    """One per application; per-request state lives in ``context`` (the DB session) and the request."""

    def __init__(self, issuer: str) -> None:
        super().__init__(scopes_supported=None)
        self.issuer = issuer
        self._clients: dict[str, tuple[Client, float]] = {}
        self._reloaded: dict[str, float] = {}
        self.signers = issuing.SignerCache()
        audiences = [
            issuer,
            *(
                issuer + PATHS[name]
                for name in (
                    "token_endpoint",
                    "pushed_authorization_request_endpoint",
                    "revocation_endpoint",
                    "introspection_endpoint",
                )
            ),
        ]
        self.client_auth = PrivateKeyJwt(audiences, context.current, self.reload_client)
        self.register_client_auth_method(CLIENT_AUTH_METHOD, self.client_auth)
        self.register_token_generator("default", self.generate_bearer)
        self.register_grant(CodeGrant, [S256Only(required=True), IdToken(issuer, self.signers)])
        self.register_grant(RefreshGrant)
        self.register_grant(MachineGrant)
        self.register_endpoint(Revocation(self))
        self.register_endpoint(Introspection(self))

    # Authlib's hooks

    def query_client(self, client_id: str) -> Client | None:
        """Clients (with their parsed keys) are read at most every ``CLIENT_CACHE_SECONDS`` per process:
        a deactivated client stops working within that time in every worker, at once in this one
        (``forget_client``)."""
        return self.cached_client(client_id) or self._load_client(client_id)

    def cached_client(self, client_id: str) -> Client | None:
        """The client if this process read it less than ``CLIENT_CACHE_SECONDS`` ago (no database)."""
        cached = self._clients.get(client_id)
        return cached[0] if cached is not None and cached[1] > time.monotonic() else None

    def reload_client(self, client_id: str) -> Client | None:
        """Read the client again (a ``kid`` it did not have when cached), at most once a second."""
        now = time.monotonic()
        if now - self._reloaded.get(client_id, -CLIENT_RELOAD_SECONDS) < CLIENT_RELOAD_SECONDS:
            return self.query_client(client_id)
        client = self._load_client(client_id)  # on the fast path: NeedsDatabase, served again with one
        self._reloaded[client_id] = now
        return client

    def forget_client(self, client_id: str) -> None:
        self._clients.pop(client_id, None)

    def _load_client(self, client_id: str) -> Client | None:
        row = repository.client(context.current(), client_id)
        client = Client(row) if row is not None and row.active else None
        if client is None:
            self._clients.pop(client_id, None)
        else:
            self._clients[client_id] = (client, time.monotonic() + CLIENT_CACHE_SECONDS)
        return client

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> ProtocolResponse:
        """Authorization responses (success or error) carry ``iss`` (RFC 9207; Authlib 1.9's extension
        hook is never run by its server, so it is added here)."""
        response = ProtocolResponse(status, body, headers)
        if response.location:
            response.location = add_params_to_uri(response.location, [("iss", self.issuer)])
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def generate_bearer(
        self,
        grant_type: str,
        client: Client,
        user: EndUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        settings = identity_settings()
        ttl = settings.access_token_ttl
        extra = {"acr": user.acr, "auth_time": int(user.auth_time.timestamp())} if user else None
        claims = issuing.access_token_claims(
            self.issuer, client, user.subject if user else None, scope or "", ttl, extra
        )
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": issuing.sign(context.current, claims, "at+jwt", self.signers),
            "expires_in": ttl,
            "scope": scope or "",
            "_jti": claims["jti"],
        }
        if user is not None and include_refresh_token:
            token["refresh_token"] = secrets.new_token()
        return token

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        jti = token.pop("_jti")
        user: EndUser | None = request.user
        if user is None:
            return  # machine tokens are self-contained; revocation lists their jti
        session = context.current()
        family, code_id, claims_request = _lineage(request)
        now = utcnow()
        if "refresh_token" in token:
            repository.add(
                session,
                RefreshToken(
                    token_digest=secrets.digest(token["refresh_token"]),
                    family=family,
                    code_id=code_id,
                    client_id=request.client.get_client_id(),
                    subject_kind=user.subject.kind,
                    subject_id=user.subject.id,
                    scope=token["scope"],
                    claims=claims_request,
                    acr=user.acr,
                    amr=list(user.amr),
                    auth_time=user.auth_time,
                    expires_at=now + dt.timedelta(seconds=identity_settings().refresh_token_ttl),
                ),
            )
        repository.add(
            session,
            IssuedAccessToken(
                jti=jti,
                client_id=request.client.get_client_id(),
                subject_kind=user.subject.kind,
                subject_id=user.subject.id,
                scope=token["scope"],
                claims=claims_request,
                refresh_family=family,
                expires_at=now + dt.timedelta(seconds=token["expires_in"]),
            ),
        )

    # verifying our own access tokens (userinfo, introspection, revocation)

    def decode_access_token(self, token: str) -> dict[str, Any] | None:
        try:
            header = jwt.decode(token, lambda obj: self._key(obj.headers()), algorithms=["ES256", "PS256", "ES384"])
        except (JoseError, ValueError, LookupError):
            return None
        claims: dict[str, Any] = header.claims
        if claims.get("iss") != self.issuer or int(claims.get("exp", 0)) <= int(utcnow().timestamp()):
            return None
        return claims

    def _key(self, headers: dict[str, Any]) -> Any:
        material = keys.verifying_key(context.current(), str(headers.get("kid")))
        if material is None or material.algorithm != headers.get("alg"):
            raise LookupError("unknown key")
        return material.key

    def find_access_token(self, token: str) -> AccessRecord | None:
        claims = self.decode_access_token(token)
        if claims is None:
            return None
        session = context.current()
        row = repository.issued_access_token(session, str(claims.get("jti")))
        return AccessRecord(claims, row, repository.access_token_revoked(session, str(claims.get("jti"))))


def _lineage(request: Any) -> tuple[str, int | None, dict[str, Any] | None]:
    """The refresh family, originating code and claims request of the token being saved."""
    credential = getattr(request, "refresh_token", None)
    if isinstance(credential, RefreshRecord):
        return credential.row.family, credential.row.code_id, credential.row.claims
    code = request.authorization_code
    return uuid.uuid4().hex, code.row.id if code else None, code.row.claims if code else None


class _OwnTokens:
    CLIENT_AUTH_METHODS = [CLIENT_AUTH_METHOD]  # noqa: RUF012
    provider: Provider

    def query_token(self, token_string: str, token_type_hint: str | None) -> RefreshRecord | AccessRecord | None:
        session = context.current()
        if token_type_hint != "access_token":  # noqa: S105
            row = repository.refresh_by_digest(session, secrets.digest(token_string))
            if row is not None:
                return RefreshRecord(row)
        return self.provider.find_access_token(token_string)


class Revocation(_OwnTokens, RevocationEndpoint):  # type: ignore[misc]
    def __init__(self, provider: Provider) -> None:
        super().__init__(provider)
        self.provider = provider

    def revoke_token(self, token: RefreshRecord | AccessRecord, request: Any) -> None:
        session, now = context.current(), utcnow()
        if isinstance(token, RefreshRecord):
            repository.revoke_family(session, token.row.family, now)
            repository.revoke_access_of_family(session, token.row.family, now)
        elif token.row is not None:
            repository.revoke_issued(session, token.row, now)
        else:
            expires = dt.datetime.fromtimestamp(int(token.claims["exp"]), dt.UTC)
            repository.revoke_access_token(session, str(token.claims["jti"]), expires)


class Introspection(_OwnTokens, IntrospectionEndpoint):  # type: ignore[misc]
    def __init__(self, provider: Provider) -> None:
        super().__init__(provider)
        self.provider = provider

    def check_permission(self, token: Any, client: Client, request: Any) -> bool:
        return bool(token.check_client(client)) or "introspect" in client.row.roles

    def introspect_token(self, token: RefreshRecord | AccessRecord) -> dict[str, Any]:
        if isinstance(token, RefreshRecord):
            row = token.row
            return {
                "active": True,
                "token_type": "refresh_token",
                "client_id": row.client_id,
                "scope": row.scope,
                "exp": int(row.expires_at.timestamp()),
                "iss": self.provider.issuer,
            }
        claims = token.claims
        keep = ("sub", "client_id", "scope", "exp", "iat", "iss", "aud", "jti", "kind", "agency", "roles", "acr")
        return {"active": True, "token_type": "Bearer", **{name: claims[name] for name in keep if name in claims}}


def make_provider(issuer: str) -> Provider:
    return Provider(issuer)
