"""Caller credentials of a subsystem, by kind, behind one interface.

Today there is one kind, ``api_key`` (the temporary ``X-SPLP-Api-Key``). Certificates (platform CA) and
OAuth clients plug in by implementing ``CredentialKind`` and calling ``register_kind``; the management
API, the portal and the CLI then issue, list and revoke them without change. Ownership (the caller acts
for the subsystem's agency) is checked before a kind is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from spbe.core.errors import NotFound, ValidationFailed
from spbe.core.security import Principal
from spbe.interop import management, repository
from spbe.interop import service as interop
from spbe.interop.identifiers import ClientId
from spbe.interop.models import Subsystem
from spbe.interop.schemas import CredentialOut, IssuedCredentialOut

API_KEY_HEADER = "X-SPLP-Api-Key"


class CredentialKind(Protocol):
    """One kind of caller credential (``api_key``, later ``certificate``, ``oauth_client``)."""

    name: str

    def issue(
        self, session: Session, subsystem: Subsystem, client: ClientId, params: Mapping[str, Any], actor: str
    ) -> IssuedCredentialOut: ...

    def list(self, session: Session, subsystem: Subsystem, client: ClientId) -> list[CredentialOut]: ...

    def revoke(self, session: Session, subsystem: Subsystem, credential_id: str, actor: str) -> None: ...


class ApiKeys:
    """``splp_<key_id>_<secret>``: only the SHA-256 of the secret is kept; the key is shown once."""

    name = "api_key"

    def issue(
        self, session: Session, subsystem: Subsystem, client: ClientId, params: Mapping[str, Any], actor: str
    ) -> IssuedCredentialOut:
        if params:
            raise ValidationFailed(f"an API key takes no parameters (got {', '.join(sorted(params))})")
        key = interop.issue_api_key(session, client, actor=actor)
        row = repository.find_api_key(session, key.split("_")[1])
        assert row is not None  # just written
        return IssuedCredentialOut(
            kind=self.name,
            credential_id=row.key_id,
            subsystem=str(client),
            created_at=row.created_at,
            secret=key,
            usage=f"{API_KEY_HEADER}: {key}  (with X-Road-Client: {client})",
        )

    def list(self, session: Session, subsystem: Subsystem, client: ClientId) -> list[CredentialOut]:
        return [
            CredentialOut(
                kind=self.name,
                credential_id=row.key_id,
                subsystem=str(client),
                created_at=row.created_at,
                revoked_at=row.revoked_at,
            )
            for row in repository.api_keys_of(session, subsystem.id)
        ]

    def revoke(self, session: Session, subsystem: Subsystem, credential_id: str, actor: str) -> None:
        row = repository.find_api_key(session, credential_id)
        if row is None or row.subsystem_id != subsystem.id:
            raise NotFound(f"this subsystem has no API key {credential_id}")
        interop.revoke_api_key(session, credential_id, actor=actor)


KINDS: dict[str, CredentialKind] = {}


def register_kind(kind: CredentialKind) -> None:
    """Make a credential kind available to the API, the portal and the CLI."""
    KINDS[kind.name] = kind


register_kind(ApiKeys())


def _kind(name: str) -> CredentialKind:
    kind = KINDS.get(name)
    if kind is None:
        raise ValidationFailed(f"unknown credential kind {name!r}; known: {', '.join(sorted(KINDS))}")
    return kind


def issue(
    session: Session, principal: Principal, subsystem_id: int, kind: str, params: Mapping[str, Any]
) -> IssuedCredentialOut:
    """Issue a credential of ``kind`` for one of the caller's subsystems (audited by the kind)."""
    member, subsystem = management.subsystem_for(session, principal, subsystem_id, action="interop.credential.issue")
    return _kind(kind).issue(session, subsystem, management.client_id(member, subsystem), params, principal.subject)


def list_credentials(session: Session, principal: Principal, subsystem_id: int) -> list[CredentialOut]:
    member, subsystem = management.subsystem_for(session, principal, subsystem_id, action=None)
    client = management.client_id(member, subsystem)
    return [out for kind in KINDS.values() for out in kind.list(session, subsystem, client)]


def revoke(session: Session, principal: Principal, subsystem_id: int, kind: str, credential_id: str) -> None:
    _, subsystem = management.subsystem_for(session, principal, subsystem_id, action="interop.credential.revoke")
    _kind(kind).revoke(session, subsystem, credential_id, principal.subject)
