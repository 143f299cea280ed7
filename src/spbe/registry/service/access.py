"""Who may write which registry record.

Anonymous callers read public fields only (routes require a token to write). An agency's staff
(``kind == "staff"`` with role ``registry:write``) write the records of their own agency
(``principal.agency_code``); the national coordinator (role ``registry:admin``) and the platform itself
(``kind == "system"``) write everything. A refused write is audited (outcome ``denied``) in its own
transaction, because the request's unit of work rolls back on the error.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.errors import Forbidden
from spbe.core.security import Principal

WRITE_ROLE = "registry:write"
ADMIN_ROLE = "registry:admin"


def is_coordinator(principal: Principal | None) -> bool:
    return principal is not None and (principal.kind == "system" or principal.has_role(ADMIN_ROLE))


def can_write(principal: Principal, owner_codes: Iterable[str]) -> bool:
    """Whether ``principal`` may write a record owned by each of ``owner_codes`` (old and new owner)."""
    if is_coordinator(principal):
        return True
    if principal.kind != "staff" or not principal.has_role(WRITE_ROLE) or not principal.agency_code:
        return False
    return all(code == principal.agency_code for code in owner_codes)


def can_read_confidential(principal: Principal | None, owner_code: str) -> bool:
    """Confidential fields (internal URLs, technology, hosting) are shown to the owner's staff and coordinators
    only (staff of another agency read what the public reads)."""
    if principal is None:
        return False
    if is_coordinator(principal):
        return True
    return principal.kind == "staff" and principal.agency_code is not None and principal.agency_code == owner_code


def can_read_dataset(principal: Principal | None, owner_code: str, classification: str) -> str:
    """How much of a data set ``principal`` may read: ``"all"``, ``"metadata"`` or ``"none"``.

    Satu Data Indonesia (Perpres 39/2019) with UU 14/2008 (KIP): *terbuka* data is open to everyone;
    *terbatas* data is shared between government agencies, while the public may know it exists (its name,
    producer, format and frequency — the catalogue entry), not what it holds (description, reference codes);
    *rahasia* data is excluded information: only the producer's staff and the national coordinator see it
    at all, everyone else gets 404 as if it did not exist.
    """
    if classification == "terbuka" or can_read_confidential(principal, owner_code):
        return "all"
    if classification == "terbatas":
        government = principal is not None and principal.kind in ("staff", "system")
        return "all" if government else "metadata"
    return "none"


def require_write(
    session: Session, principal: Principal, *, action: str, object_type: str, object_id: str, owners: Iterable[str]
) -> None:
    """Raise ``Forbidden`` (after auditing the denial) unless ``principal`` may write for all ``owners``."""
    owner_list = sorted(set(owners))
    if can_write(principal, owner_list):
        return
    reason = _reason(principal, owner_list)
    record_denial(session, principal, action=action, object_type=object_type, object_id=object_id, reason=reason)
    raise Forbidden(reason)


def _reason(principal: Principal, owners: list[str]) -> str:
    if principal.kind != "staff" or not principal.has_role(WRITE_ROLE):
        return f"Writing registry records needs the {WRITE_ROLE} role (own agency) or {ADMIN_ROLE}."
    others = ", ".join(code for code in owners if code != principal.agency_code)
    return f"Staff of {principal.agency_code or 'no agency'} may not write records of {others}."


def record_denial(
    session: Session, principal: Principal, *, action: str, object_type: str, object_id: str, reason: str
) -> None:
    """The one place a registry denial reaches the audit log (kept after the request's rollback)."""
    audit.record_denial(
        session, actor=principal.subject, action=action, object_type=object_type, object_id=object_id, reason=reason
    )
