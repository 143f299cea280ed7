"""Authlib grants, tightened: code + PKCE S256 only, refresh rotation with reuse detection, client
credentials for machine clients; every one authenticates the client with ``private_key_jwt`` only."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.grants.util import create_half_hash

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.identity import accounts, repository, secrets
from spbe.identity.models import AuthorizationCode, LoginSession
from spbe.identity.oidc import claims as claim_rules
from spbe.identity.oidc import context, issuing
from spbe.identity.oidc.adapters import CLIENT_AUTH_METHOD, Client, CodeRecord, EndUser, RefreshRecord
from spbe.identity.settings import identity_settings


class S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE required for every client, ``S256`` only (``plain`` and a missing method are refused)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [CLIENT_AUTH_METHOD]  # noqa: RUF012
    RESPONSE_TYPES = {"code"}  # noqa: RUF012

    def save_authorization_code(self, code: str, request: Any) -> None:
        user: EndUser = request.user
        data = request.payload.data
        row = AuthorizationCode(
            code_digest=secrets.digest(code),
            client_id=request.client.get_client_id(),
            subject_kind=user.subject.kind,
            subject_id=user.subject.id,
            redirect_uri=data["redirect_uri"],
            scope=request.scope or "",
            nonce=data.get("nonce"),
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            claims=claim_rules.parse_claims_parameter(data.get("claims")),
            acr=user.acr,
            amr=list(user.amr),
            auth_time=user.auth_time,
            session_id=user.session_id,
            expires_at=utcnow() + dt.timedelta(seconds=identity_settings().code_ttl),
        )
        repository.add(context.current(), row)

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        session = context.current()
        row = repository.code_by_digest(session, secrets.digest(code))
        if row is None or row.client_id != client.get_client_id():
            return None
        if row.used_at is not None:  # a replayed code: everything issued from it goes
            repository.revoke_family_of_code(session, row.id, utcnow())
            audit.append(session, actor=row.client_id, action="identity.code.reused", outcome="failure")
            return None
        return CodeRecord(row) if row.expires_at > utcnow() else None

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        if not repository.claim_code(context.current(), authorization_code.row.id, utcnow()):
            raise InvalidGrantError("The authorization code was already used.")

    def authenticate_user(self, authorization_code: CodeRecord) -> EndUser | None:
        row = authorization_code.row
        subject = accounts.load_subject(context.current(), row.subject_kind, row.subject_id)
        if subject is None:
            return None
        return EndUser(subject, tuple(row.amr), row.acr, row.auth_time, row.session_id)


class IdToken(OpenIDCode):  # type: ignore[misc]
    """ID tokens signed with the key store's ``oidc`` key; claims bounded by scope and consent."""

    def __init__(self, issuer: str, signers: issuing.SignerCache) -> None:
        super().__init__(require_nonce=False)
        self.issuer, self.signers = issuer, signers

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        user: EndUser = request.user
        client: Client = request.client
        code: CodeRecord = request.authorization_code
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client.get_client_id(),
            "azp": client.get_client_id(),
            "sub": issuing.subject_identifier(user.subject, client),
            "iat": now,
            "exp": now + identity_settings().id_token_ttl,
            "auth_time": int(user.auth_time.timestamp()),
            "acr": user.acr,
            "amr": list(user.amr),
            "at_hash": create_half_hash(token["access_token"], "ES256").decode(),
        }
        if code.row.nonce:
            claims["nonce"] = code.row.nonce
        login = context.current().get(LoginSession, user.session_id) if user.session_id is not None else None
        if login is not None:
            claims["sid"] = secrets.session_sid(login.sid_digest, client.row.sector_identifier)
        claims.update(_person_claims(user, token["scope"], code.row.claims, "id_token", client))
        return issuing.sign(context.current, claims, "JWT", self.signers)


def _person_claims(user: EndUser, scope: str, claims_request: Any, target: str, client: Client) -> dict[str, Any]:
    if user.subject.kind != "resident":
        return {}
    from spbe.identity import release

    return release.claims_for(context.current(), user.subject.id, client.get_client_id(), scope, claims_request, target)


class RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    """Rotation: each refresh token works once; presenting a spent one revokes its whole family."""

    TOKEN_ENDPOINT_AUTH_METHODS = [CLIENT_AUTH_METHOD]  # noqa: RUF012
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        session = context.current()
        row = repository.refresh_by_digest(session, secrets.digest(refresh_token))
        if row is None:
            return None
        if row.revoked_at is not None:
            repository.revoke_family(session, row.family, utcnow())
            repository.revoke_access_of_family(session, row.family, utcnow())
            audit.append(session, actor=row.client_id, action="identity.refresh.reused", outcome="failure")
            return None
        return RefreshRecord(row) if row.expires_at > utcnow() else None

    def authenticate_user(self, refresh_token: RefreshRecord) -> EndUser | None:
        row = refresh_token.row
        subject = accounts.load_subject(context.current(), row.subject_kind, row.subject_id)
        if subject is None:
            return None
        return EndUser(subject, tuple(row.amr), row.acr, row.auth_time)

    def revoke_old_credential(self, refresh_token: RefreshRecord) -> None:
        refresh_token.row.revoked_at = utcnow()


class MachineGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [CLIENT_AUTH_METHOD]  # noqa: RUF012
