"""Consent (persetujuan) and claim release: nothing personal leaves without a stored consent that
covers it, and every release is written to the audit log (claim names only, never values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.audit.schemas import AuditRecordOut
from spbe.core.db import utcnow
from spbe.core.errors import NotFound
from spbe.identity import repository
from spbe.identity.models import Consent
from spbe.identity.oidc import claims as claim_rules


def consent_covers(session: Session, account_id: int, client_id: str, names: list[str]) -> bool:
    consent = repository.consent(session, account_id, client_id)
    return consent is not None and consent.revoked_at is None and set(names) <= set(consent.claims)


def essential_claims(claims_request: Mapping[str, Any] | None, asked: list[str]) -> list[str]:
    """The asked claims the RP marked ``{"essential": true}`` in the ``claims`` parameter (OIDC Core 5.5).

    They are shown as required for the service: the resident cannot untick them one by one, only deny the
    whole request (``sub`` is always released and needs no consent line)."""
    marked: set[str] = set()
    for member in (claims_request or {}).values():
        for name, rule in (member or {}).items():
            if isinstance(rule, Mapping) and rule.get("essential") is True:
                marked.add(name)
    return [name for name in asked if name in marked]


def chosen_claims(asked: list[str], essential: list[str], ticked: list[str] | None) -> list[str]:
    """What the resident granted on the consent form: the ticked optional claims plus the essential ones.

    ``ticked`` None (a form without the per-claim fields) grants every asked claim, as before; names that
    were not asked (a tampered form) are ignored."""
    if ticked is None:
        return list(asked)
    granted = set(ticked) | set(essential)
    return [name for name in asked if name in granted]


def grant_consent(
    session: Session, account_id: int, client_id: str, names: list[str], purpose: str, asked: list[str] | None = None
) -> Consent:
    """Store the consent for ``names``, with its purpose; audited.

    Claims in ``asked`` but not in ``names`` were declined this time and are dropped from an earlier
    consent; claims outside ``asked`` keep their earlier decision (the consent only ever lists what was
    granted)."""
    consent = repository.consent(session, account_id, client_id)
    if consent is None:
        consent = repository.add(
            session, Consent(account_id=account_id, client_id=client_id, claims=[], purpose=purpose)
        )
    kept = [] if consent.revoked_at is not None else list(consent.claims)
    consent.claims = sorted((set(kept) - set(asked or ())) | set(names))
    consent.purpose, consent.granted_at, consent.revoked_at = purpose, utcnow(), None
    account = repository.account(session, account_id)
    actor = account.public_id if account else str(account_id)
    audit.append(
        session,
        actor=actor,
        action="identity.consent.granted",
        object_type="identity_account",
        object_id=actor,
        data={"client_id": client_id, "claims": consent.claims, "purpose": purpose},
    )
    return consent


def revoke_consent(session: Session, account_id: int, client_id: str) -> None:
    """Withdraw a consent: the RP's refresh and access tokens stop working too."""
    consent = repository.consent(session, account_id, client_id)
    if consent is None or consent.revoked_at is not None:
        raise NotFound("There is no active consent for this service.")
    now = utcnow()
    consent.revoked_at = now
    repository.revoke_refresh_of(session, account_id, client_id, now)
    repository.revoke_access_of_client(session, account_id, client_id, now)
    account = repository.account(session, account_id)
    actor = account.public_id if account else str(account_id)
    audit.append(
        session,
        actor=actor,
        action="identity.consent.revoked",
        object_type="identity_account",
        object_id=actor,
        data={"client_id": client_id},
    )


def claims_for(
    session: Session, account_id: int, client_id: str, scope: str, claims_request: Mapping[str, Any] | None, target: str
) -> dict[str, Any]:
    """The personal claims released to ``target``, limited to what the consent covers; audited."""
    account = repository.account(session, account_id)
    resident = repository.resident(session, account.resident_id) if account else None
    consent = repository.consent(session, account_id, client_id)
    if account is None or resident is None or consent is None or consent.revoked_at is not None:
        return {}
    names = claim_rules.released_claims(scope, claims_request, target) & set(consent.claims)
    values = claim_rules.resident_claims(resident, account, sorted(names))
    values["identity_level"] = account.identity_level
    if values.keys() - {"identity_level"}:
        audit.append(
            session,
            actor=client_id,
            action="identity.claims.released",
            object_type="identity_account",
            object_id=account.public_id,
            data={"client_id": client_id, "via": target, "claims": sorted(values.keys() - {"identity_level"})},
        )
    return values


@dataclass(frozen=True)
class DataUse:
    """One line of "who used my data": a consent, a release, a revocation."""

    when: str
    action: str
    client_id: str | None
    claims: list[str]


def data_uses(session: Session, public_id: str) -> list[DataUse]:
    records: list[AuditRecordOut] = audit.history(session, "identity_account", public_id)
    uses = []
    for record in records:
        data = record.data or {}
        uses.append(
            DataUse(
                record.occurred_at.isoformat(timespec="seconds"),
                record.action,
                data.get("client_id"),
                list(data.get("claims", [])),
            )
        )
    return list(reversed(uses))
