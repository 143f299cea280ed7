"""Who may do what in the assessment cycle (each refusal names the rule)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from spbe.core.audit.service import record_denial
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


def require_cycle_reader(principal: Principal) -> None:
    """A cycle in progress (its coverage) is seen by assessors and the coordinator."""
    if not (principal.has_role(ASSESS) or principal.has_role(ADMIN) or principal.kind == "system"):
        raise Forbidden(f"Only assessors ({ASSESS}) and the coordinator see an evaluation cycle in progress.")


def require_admin(principal: Principal) -> None:
    if not principal.has_role(ADMIN) and principal.kind != "system":
        raise Forbidden(f"This needs the coordinator role {ADMIN}.")


def guarded(
    session: Session,
    principal: Principal,
    rule: Callable[[], None],
    action: str,
    target: str,
    object_type: str = "evaluation.assessment",
) -> None:
    """Apply an access rule; a refusal is audited (outcome ``denied``) and then raised.

    The denial is written with ``record_denial``, which keeps it even though the refused request's unit of
    work is rolled back (an entry added in that transaction would vanish with it).
    """
    try:
        rule()
    except Forbidden as exc:
        record_denial(
            session,
            actor=principal.subject,
            action=f"evaluation.{action}",
            reason=exc.detail,
            object_type=object_type,
            object_id=target,
        )
        raise
