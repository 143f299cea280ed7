"""Registering relying parties (an RP is a registry application of an agency) and machine clients."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.errors import BadRequest, Conflict, FieldError, ValidationFailed
from spbe.identity import repository
from spbe.identity.models import OidcClient
from spbe.identity.oidc import claims as claim_rules
from spbe.registry import service as registry
from spbe.registry.repository import agencies as agencies_repository
from spbe.registry.repository import applications as applications_repository

ASYMMETRIC = frozenset({"EC", "RSA"})


def register_relying_party(
    session: Session,
    *,
    client_id: str,
    name: str,
    agency_code: str,
    redirect_uris: list[str],
    jwks: dict[str, Any],
    scopes: list[str],
    application_code: str | None = None,
    purpose: str = "",
    require_par: bool = True,
    post_logout_redirect_uris: list[str] | None = None,
    sector_identifier: str | None = None,
    actor: str = "system",
) -> OidcClient:
    """An administrator registers an RP: agency, redirect URIs (exact match), public keys, scopes."""
    agency = registry.get_by_code(session, agency_code)
    if application_code:
        _check_application(session, application_code, agency.code)
    _check_new(session, client_id)
    _check_redirects(redirect_uris)
    _check_jwks(jwks)
    unknown = sorted(set(scopes) - set(claim_rules.SUPPORTED_SCOPES))
    if unknown or "openid" not in scopes:
        raise ValidationFailed(
            "Scopes must include openid and be supported.",
            errors=[FieldError("scopes", f"unknown: {', '.join(unknown) or '-'}")],
        )
    row = OidcClient(
        client_id=client_id,
        name=name,
        kind="relying_party",
        agency_code=agency.code,
        application_code=application_code,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris or [],
        jwks=jwks,
        sector_identifier=sector_identifier or default_sector(redirect_uris[0]),
        allowed_scopes=" ".join(sorted(set(scopes))),
        purpose=purpose,
        require_par=require_par,
    )
    repository.add(session, row)
    audit.append(
        session,
        actor=actor,
        action="identity.client.registered",
        object_type="identity_client",
        object_id=client_id,
        data={"kind": "relying_party", "agency": agency.code},
    )
    return row


def default_sector(redirect_uri: str) -> str:
    """OIDC Core §8.1: the sector of the pairwise ``sub`` is the redirect URI's host (no port). Stored per
    client at registration, so clients registered before this rule keep their sector (and their subs)."""
    return urlsplit(redirect_uri).hostname or ""


def _check_application(session: Session, code: str, agency_code: str) -> None:
    """An RP is a registry application: the code must exist and belong to the agency registering it."""
    application = applications_repository.get(session, code)
    agency = agencies_repository.get_by_code(session, agency_code)
    if application is None:
        raise ValidationFailed(
            "Unknown application.", errors=[FieldError("application", f"{code!r} is not in the registry")]
        )
    if agency is None or application.owner_agency_id != agency.id:
        raise ValidationFailed(
            "The application belongs to another agency.",
            errors=[FieldError("application", f"{code!r} is not an application of {agency_code}")],
        )


def register_machine_client(
    session: Session,
    *,
    client_id: str,
    name: str,
    agency_code: str,
    jwks: dict[str, Any],
    roles: list[str],
    actor: str = "system",
) -> OidcClient:
    """An agency system that calls platform APIs with client credentials (``private_key_jwt``)."""
    agency = registry.get_by_code(session, agency_code)
    _check_new(session, client_id)
    _check_jwks(jwks)
    row = OidcClient(
        client_id=client_id,
        name=name,
        kind="machine",
        agency_code=agency.code,
        jwks=jwks,
        sector_identifier=client_id,
        allowed_scopes="",
        roles=sorted(set(roles)),
        require_par=False,
    )
    repository.add(session, row)
    audit.append(
        session,
        actor=actor,
        action="identity.client.registered",
        object_type="identity_client",
        object_id=client_id,
        data={"kind": "machine", "agency": agency.code, "roles": row.roles},
    )
    return row


def _check_new(session: Session, client_id: str) -> None:
    if not client_id or len(client_id) > 80:
        raise BadRequest("A client id is 1 to 80 characters.")
    if repository.client(session, client_id) is not None:
        raise Conflict(f"Client {client_id!r} is already registered.")


def _check_redirects(uris: list[str]) -> None:
    if not uris:
        raise BadRequest("At least one redirect URI is needed.")
    for uri in uris:
        parts = urlsplit(uri)
        loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
        if parts.fragment or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not loopback):
            raise BadRequest(f"Redirect URI {uri!r} must be https (http only on loopback) and have no fragment.")


def _check_jwks(jwks: dict[str, Any]) -> None:
    """Public EC/RSA keys with a kid each; no private or symmetric keys."""
    try:
        keyset = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise BadRequest(f"The JWKS is not valid: {error}") from None
    for key in keyset.keys:
        if key.key_type not in ASYMMETRIC or key.is_private or not key.kid:
            raise BadRequest("The JWKS must hold public EC or RSA keys, each with a kid.")
