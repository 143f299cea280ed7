"""Who may manage which SPLP records (self-service onboarding).

An agency's staff with the role ``interop:operator`` act for their own agency (``principal.agency_code``):
its member, subsystems, services, credentials and access requests. So do the agency's machine clients
(IKD ``client_credentials``) given that role, for scripted onboarding (CI/CD). The national coordinator (role
``registry:admin``, the same role that administers the registry) and the platform itself
(``kind == "system"``, e.g. the CLI) act for every agency. Any staff member reads their own agency's
records. A refused write is audited (outcome ``denied``) and survives the request's rollback.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.errors import Forbidden
from spbe.core.security import Principal

OPERATOR_ROLE = "interop:operator"
COORDINATOR_ROLE = "registry:admin"
AGENCY_KINDS = frozenset({"staff", "machine"})
CLI = Principal(subject="cli", kind="system", roles=frozenset({"system"}))


def is_coordinator(principal: Principal | None) -> bool:
    return principal is not None and (principal.kind == "system" or principal.has_role(COORDINATOR_ROLE))


def can_manage(principal: Principal | None, agency_code: str | None) -> bool:
    """Whether ``principal`` may change SPLP records of ``agency_code``."""
    if principal is None:
        return False
    if is_coordinator(principal):
        return True
    return (
        principal.kind in AGENCY_KINDS
        and principal.has_role(OPERATOR_ROLE)
        and principal.agency_code is not None
        and principal.agency_code == agency_code
    )


def can_read(principal: Principal | None, agency_code: str | None) -> bool:
    """Whether ``principal`` may see an agency's own SPLP records (back-end URLs, keys, requests)."""
    if principal is None:
        return False
    return is_coordinator(principal) or (principal.kind in AGENCY_KINDS and principal.agency_code == agency_code)


def require_manage(
    session: Session, principal: Principal, agency_code: str | None, *, action: str, object_type: str, object_id: str
) -> None:
    """Raise ``Forbidden`` (after auditing the denial) unless ``principal`` may act for ``agency_code``."""
    if can_manage(principal, agency_code):
        return
    if principal.kind not in AGENCY_KINDS or not principal.has_role(OPERATOR_ROLE):
        reason = f"Managing SPLP records needs the role {OPERATOR_ROLE} (own agency) or {COORDINATOR_ROLE}."
    else:
        reason = f"Staff of {principal.agency_code or 'no agency'} may not act for {agency_code or 'this record'}."
    audit.record_denial(
        session, actor=principal.subject, action=action, object_type=object_type, object_id=object_id, reason=reason
    )
    raise Forbidden(reason)
