"""Who may do what in the assessment cycle (each refusal names the rule)."""

from __future__ import annotations

from spbe.core.errors import Forbidden
from spbe.core.security import Principal

SELF_ASSESS = "evaluation:self-assess"
ASSESS = "evaluation:assess"
ADMIN = "evaluation:admin"


def require_self_assessor(principal: Principal, agency_code: str) -> None:
    """Only the agency's own staff with the self-assessment role fill in its levels and evidence."""
    if not principal.has_role(SELF_ASSESS):
        raise Forbidden(f"Self-assessment needs the role {SELF_ASSESS}.")
    if principal.agency_code != agency_code:
        raise Forbidden(f"Only staff of {agency_code} may self-assess {agency_code}.")


def require_assessor(principal: Principal, agency_code: str) -> None:
    """Assessors (or the coordinator) review; nobody reviews their own agency."""
    if not (principal.has_role(ASSESS) or principal.has_role(ADMIN)):
        raise Forbidden(f"Reviewing needs the role {ASSESS}.")
    if principal.agency_code is not None and principal.agency_code == agency_code and not principal.has_role(ADMIN):
        raise Forbidden("An assessor may not review their own agency.")


def require_reader(principal: Principal, agency_code: str) -> None:
    """An assessment in progress is seen by the agency's staff, assessors and the coordinator."""
    if principal.has_role(ASSESS) or principal.has_role(ADMIN):
        return
    if principal.has_role(SELF_ASSESS) and principal.agency_code == agency_code:
        return
    raise Forbidden(f"Only staff of {agency_code}, assessors and the coordinator may see this assessment.")


def require_admin(principal: Principal) -> None:
    if not principal.has_role(ADMIN) and principal.kind != "system":
        raise Forbidden(f"This needs the coordinator role {ADMIN}.")
