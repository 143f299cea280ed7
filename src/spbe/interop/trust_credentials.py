"""Certificates of the platform CA and linked IKD machine clients as credential kinds of the management
API and portal (``credentials.CredentialKind``): ``certificate`` (issue from a CSR, list, revoke) and
``oauth_client`` (link, list, unlink). Importing this module registers both kinds.

Through the API the platform never makes a caller's private key: a certificate is issued only from a CSR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, NotFound, ValidationFailed
from spbe.interop import ca, trust
from spbe.interop import trust_repository as trust_repo
from spbe.interop.credentials import register_kind
from spbe.interop.identifiers import ClientId
from spbe.interop.models import Subsystem
from spbe.interop.schemas import CredentialOut, IssuedCredentialOut


def _only(params: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(params) - allowed)
    if extra:
        raise ValidationFailed(f"unexpected parameters: {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


class Certificates:
    """TLS client certificates: ``params`` = ``{"csr": "<PEM>", "days": 365}``; the id is the serial."""

    name = "certificate"

    def issue(
        self, session: Session, subsystem: Subsystem, client: ClientId, params: Mapping[str, Any], actor: str
    ) -> IssuedCredentialOut:
        _only(params, {"csr", "days"})
        csr, days = params.get("csr"), params.get("days", ca.CLIENT_DAYS)
        if not isinstance(csr, str) or not isinstance(days, int):
            raise ValidationFailed(
                "a certificate needs 'csr' (PEM text) and optionally 'days' (a number) inside 'params', "
                'e.g. {"kind": "certificate", "params": {"csr": "-----BEGIN CERTIFICATE REQUEST-----…"}}'
            )
        if trust_repo.newest_ca(session) is None:  # a state of the platform, not a missing resource
            raise Conflict("there is no platform CA yet: the coordinator must run `spbe interop ca init`")
        try:
            public_key = ca.public_key_of_csr(csr.encode())
        except ca.CertificateError as exc:
            raise ValidationFailed(f"csr: {exc}") from None
        issued = trust.issue_client_certificate(session, client, public_key, actor=actor, days=days)
        usage = (
            f"Present it over TLS with your own key, with X-Road-Client: {client}; "
            f"e.g. curl --cert client.pem --key client.key --cacert ca.pem …\n{issued.pem}"
            f"Platform CA (ca.pem):\n{trust.ca_bundle(session)}"
        )
        return IssuedCredentialOut(
            kind=self.name,
            credential_id=issued.serial,
            subsystem=str(client),
            created_at=issued.not_before,
            usage=usage,
        )

    def list(self, session: Session, subsystem: Subsystem, client: ClientId) -> list[CredentialOut]:
        return [
            CredentialOut(
                kind=self.name,
                credential_id=row.serial,
                subsystem=str(client),
                created_at=row.issued_at,
                revoked_at=row.revoked_at,
            )
            for row in trust_repo.certificates(session, subsystem.id)
        ]

    def revoke(self, session: Session, subsystem: Subsystem, credential_id: str, actor: str) -> None:
        row = trust_repo.certificate_by_serial(session, credential_id.strip().lower())
        if row is None or row.subsystem_id != subsystem.id:
            raise NotFound(f"this subsystem has no certificate {credential_id}")
        trust.revoke_certificate(session, row.serial, actor=actor)


class OAuthClients:
    """IKD machine clients: ``params`` = ``{"client_id": "…"}``; revoking unlinks."""

    name = "oauth_client"

    def issue(
        self, session: Session, subsystem: Subsystem, client: ClientId, params: Mapping[str, Any], actor: str
    ) -> IssuedCredentialOut:
        _only(params, {"client_id"})
        client_id = params.get("client_id")
        if not isinstance(client_id, str):
            raise ValidationFailed("an OAuth client link needs 'client_id' (the IKD machine client)")
        row = trust.link_oauth_client(session, client, client_id, actor=actor)
        usage = f"Authorization: Bearer <access token of {row.client_id}>  (with X-Road-Client: {client})"
        return IssuedCredentialOut(
            kind=self.name, credential_id=row.client_id, subsystem=str(client), created_at=row.created_at, usage=usage
        )

    def list(self, session: Session, subsystem: Subsystem, client: ClientId) -> list[CredentialOut]:
        return [
            CredentialOut(kind=self.name, credential_id=row.client_id, subsystem=str(client), created_at=row.created_at)
            for row in trust_repo.linked_clients(session)
            if row.subsystem_id == subsystem.id
        ]

    def revoke(self, session: Session, subsystem: Subsystem, credential_id: str, actor: str) -> None:
        row = trust_repo.linked_client(session, credential_id.strip())
        if row is None or row.subsystem_id != subsystem.id:
            raise NotFound(f"OAuth client {credential_id!r} is not linked to this subsystem")
        trust.unlink_oauth_client(session, row.client_id, actor=actor)


register_kind(Certificates())
register_kind(OAuthClients())
