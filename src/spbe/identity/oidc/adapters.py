"""Authlib's model interfaces over our ORM rows (the rows stay free of Authlib)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from joserfc.jwk import Key, KeySet

from spbe.core.db import utcnow
from spbe.identity.accounts import Subject
from spbe.identity.models import AuthorizationCode, IssuedAccessToken, OidcClient, RefreshToken

CLIENT_AUTH_METHOD = "private_key_jwt"
RP_GRANTS = frozenset({"authorization_code", "refresh_token"})
MACHINE_GRANTS = frozenset({"client_credentials"})


@dataclass(frozen=True)
class EndUser:
    """The person behind a grant: who, how they authenticated, in which login session."""

    subject: Subject
    amr: tuple[str, ...]
    acr: str
    auth_time: dt.datetime
    session_id: int | None = None


class Client(ClientMixin):  # type: ignore[misc]
    """A registered client as Authlib sees it: private_key_jwt only, exact redirect URIs."""

    def __init__(self, row: OidcClient) -> None:
        self.row = row
        self.client_id = row.client_id
        self._keyset = KeySet.import_key_set(row.jwks) if row.jwks else None  # type: ignore[arg-type]
        self.keys_by_kid: dict[str, Key] = {
            key.kid: key for key in (self._keyset.keys if self._keyset else []) if key.kid is not None
        }

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.row.allowed_scopes.split())
        return " ".join(part for part in (scope or "").split() if part in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == CLIENT_AUTH_METHOD

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.row.kind == "relying_party"

    def check_grant_type(self, grant_type: str) -> bool:
        grants = RP_GRANTS if self.row.kind == "relying_party" else MACHINE_GRANTS
        return grant_type in grants

    def keyset(self) -> KeySet | None:
        """The client's registered public keys, parsed once per loaded registration (the provider caches
        ``Client`` objects, so a request never re-parses the JWKS)."""
        return self._keyset


@dataclass
class CodeRecord(AuthorizationCodeMixin):  # type: ignore[misc]
    row: AuthorizationCode
    code_challenge: str = field(init=False)
    code_challenge_method: str = field(init=False)

    def __post_init__(self) -> None:
        self.code_challenge = self.row.code_challenge
        self.code_challenge_method = self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.row.acr

    def get_amr(self) -> list[str]:
        return list(self.row.amr)


class RefreshRecord(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: RefreshToken) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.row.expires_at - utcnow()).total_seconds()))

    def is_expired(self) -> bool:
        return self.row.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None


class AccessRecord(TokenMixin):  # type: ignore[misc]
    """An access token found by revocation or introspection (a stored row, or a machine JWT's claims)."""

    def __init__(self, claims: dict[str, Any], row: IssuedAccessToken | None, revoked: bool) -> None:
        self.claims, self.row, self.revoked = claims, row, revoked

    def check_client(self, client: Client) -> bool:
        return bool(self.claims.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return max(0, int(self.claims["exp"]) - int(utcnow().timestamp()))

    def is_expired(self) -> bool:
        return self.get_expires_in() <= 0

    def is_revoked(self) -> bool:
        return self.revoked or (self.row is not None and self.row.revoked_at is not None)
