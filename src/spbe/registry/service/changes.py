"""The change log (NetBox's ObjectChange) on top of the signed audit log.

A single create, update or delete appends one audit record (``registry.<type>.<action>`` with
``data={"before": …, "after": …}``, only changed fields on update) and one ``registry_change`` row that
names it. A bulk import appends ONE audit record listing every change of the import as ``[code, action, sha256 of
the change]`` and one change row per object carrying the before/after, so per-object history stays one
indexed query either way and each row can be checked against the signed record (27,400 signed appends, or
one record holding every before/after, would dominate the import time).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.core.security import Principal
from spbe.registry.repository import catalogue as repository
from spbe.registry.schemas.catalogue import ChangeOut

Snapshot = Mapping[str, Any]


def diff(before: Snapshot, after: Snapshot) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose values differ, as (before, after)."""
    changed = [name for name in after if before.get(name) != after.get(name)]
    return {name: before.get(name) for name in changed}, {name: after.get(name) for name in changed}


def change_data(action: str, before: Snapshot | None, after: Snapshot | None) -> dict[str, Any]:
    if action == "update" and before is not None and after is not None:
        old, new = diff(before, after)
        return {"before": old, "after": new}
    return {"before": dict(before) if before else None, "after": dict(after) if after else None}


def record(
    session: Session,
    actor: Principal,
    *,
    object_type: str,
    code: str,
    action: str,
    before: Snapshot | None,
    after: Snapshot | None,
) -> None:
    """Audit one change of one object and add it to the object's change log."""
    data = change_data(action, before, after)
    entry = audit.append(
        session,
        actor=actor.subject,
        action=f"registry.{object_type}.{action}",
        object_type=f"registry.{object_type}",
        object_id=code,
        data=data,
    )
    row = {"object_type": object_type, "object_code": code, "action": action, "actor": actor.subject}
    repository.add_changes(
        session, [{**row, "occurred_at": utcnow(), "source": "api", "audit_seq": entry.seq, "data": data}]
    )


def record_bulk(
    session: Session,
    actor: Principal,
    *,
    object_type: str,
    changes: Sequence[tuple[str, str, dict[str, Any]]],
    source: str,
    summary: Mapping[str, Any],
) -> int | None:
    """One signed audit record for a whole import (every change listed) and one change row per object."""
    if not changes:
        return None
    listed = [[code, action, _digest(data)] for code, action, data in changes]
    digest = _digest(listed)
    entry = audit.append(
        session,
        actor=actor.subject,
        action=f"registry.{object_type}.{source}",
        object_type=f"registry.{source}",
        object_id=digest[:32],
        data={**summary, "changes": listed},
    )
    now = utcnow()
    rows = [
        {
            "object_type": object_type,
            "object_code": code,
            "action": action,
            "actor": actor.subject,
            "occurred_at": now,
            "source": source,
            "audit_seq": entry.seq,
            "data": data,
        }
        for code, action, data in changes
    ]
    repository.add_changes(session, rows)
    return entry.seq


def _digest(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data`` (how a change row is tied to its signed import record)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def history(session: Session, object_type: str, code: str) -> list[ChangeOut]:
    """Every change of one object, oldest first."""
    return [ChangeOut.model_validate(change) for change in repository.history(session, object_type, code)]
