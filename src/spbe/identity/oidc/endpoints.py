"""Discovery, JWKS and userinfo: the provider's read-only protocol surface."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.identity import repository
from spbe.identity.oidc import claims as claim_rules
from spbe.identity.oidc import context, issuing
from spbe.identity.oidc.server import PATHS, Provider
from spbe.identity.settings import identity_settings

ACR_MOCK = "urn:ikd:acr:mock"  # = sessions.ACR_MOCK; advertised only in mock mode


def discovery(issuer: str) -> dict[str, Any]:
    """OpenID Provider Metadata (eSignet's profile, tightened toward FAPI 2.0)."""
    return {
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "PS256"],
        "revocation_endpoint_auth_methods_supported": ["private_key_jwt"],
        "introspection_endpoint_auth_methods_supported": ["private_key_jwt"],
        "code_challenge_methods_supported": ["S256"],
        "require_pushed_authorization_requests": False,  # per client: required for high-assurance RPs
        "authorization_response_iss_parameter_supported": True,
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "scopes_supported": list(claim_rules.SUPPORTED_SCOPES),
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "acr",
            "amr",
            "auth_time",
            "identity_level",
            *claim_rules.CLAIM_LABELS,
        ],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": True,
        "acr_values_supported": [*claim_rules.ACR_ORDER, *([ACR_MOCK] if identity_settings().mock_mode else [])],
        "ui_locales_supported": ["id", "en"],
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }


def jwks(session: Session) -> dict[str, Any]:
    """The OIDC signing keys: active, next (published before it signs) and recently retired."""
    return {"keys": [dict(key.public_jwk) for key in keys.published_keys(session, (Purpose.oidc,))]}


class InvalidToken(Exception):
    """The bearer token at userinfo is missing, expired, revoked or not ours."""


def userinfo(session: Session, provider: Provider, token: str) -> dict[str, Any]:
    claims = provider.decode_access_token(token)
    row = repository.issued_access_token(session, str(claims.get("jti"))) if claims else None
    if claims is None or row is None or row.revoked_at is not None:
        raise InvalidToken()
    audience = claims.get("aud")
    if issuing.userinfo_url(provider.issuer) not in (audience if isinstance(audience, list) else [audience]):
        raise InvalidToken()
    if row.subject_kind == "staff":
        staff = repository.staff(session, row.subject_id)
        if staff is None:
            raise InvalidToken()
        return {
            "sub": claims["sub"],
            "name": staff.name,
            "email": staff.email,
            "agency": staff.agency_code,
            "roles": list(staff.roles),
        }
    from spbe.identity import release

    with context.using(session):
        released = release.claims_for(session, row.subject_id, row.client_id, row.scope, row.claims, "userinfo")
    return {"sub": claims["sub"], **released}
