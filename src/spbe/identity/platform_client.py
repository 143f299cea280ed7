"""The platform's own relying party (``spbe-web``): how every module's pages sign people in with IKD.

``core.websignin`` is the client side (it cannot import ``identity``); this step registers it at the
provider, with the public keys of the key store's ``web-client`` purpose (published ``active`` and ``next``
keys, so a rotation never breaks sign-in) and the redirect URIs of the current ``SPBE_PUBLIC_URL``. It runs
with the reference data (also in production) and brings an existing registration up to date.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.config import get_settings
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.core.websignin.client import CALLBACK_PATH, WEB_CLIENT_PURPOSE
from spbe.identity import clients, repository

OPERATOR_AGENCY = "KOMDIGI"  # runs the national platform (SPLP, PDN); KemenPANRB coordinates SPBE
PURPOSE = "Masuk ke Platform SPBE (registri, SPLP, MPP Digital, evaluasi) / Sign in to the SPBE Platform"


def ensure_platform_client(session: Session) -> str:
    settings = get_settings()
    base = settings.public_url.rstrip("/")
    keys.ensure_keys(session, Purpose.oidc)  # the provider's own signing keys, before anyone signs in
    keys.ensure_keys(session, WEB_CLIENT_PURPOSE)
    jwks = {"keys": [dict(row.public_jwk) for row in keys.published_keys(session, [WEB_CLIENT_PURPOSE])]}
    redirects, after_logout = [base + CALLBACK_PATH], [base + "/"]
    row = repository.client(session, settings.web_client_id)
    if row is None:
        clients.register_relying_party(
            session,
            client_id=settings.web_client_id,
            name="Platform SPBE",
            agency_code=OPERATOR_AGENCY,
            redirect_uris=redirects,
            jwks=jwks,
            scopes=["openid", "profile"],
            purpose=PURPOSE,
            post_logout_redirect_uris=after_logout,
        )
        return f"registered {settings.web_client_id} for {base}"
    if (row.redirect_uris, row.post_logout_redirect_uris, row.jwks) == (redirects, after_logout, jwks):
        return f"{settings.web_client_id} up to date"
    row.redirect_uris, row.post_logout_redirect_uris, row.jwks = redirects, after_logout, jwks
    row.sector_identifier = row.sector_identifier or base
    audit.append(
        session,
        actor="system",
        action="identity.client.updated",
        object_type="identity_client",
        object_id=row.client_id,
        data={"redirect_uris": redirects},
    )
    return f"updated {settings.web_client_id} for {base}"
