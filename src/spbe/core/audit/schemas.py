"""Shapes of the audit log: a record as read by other modules, and the result of a verification."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditRecordOut(BaseModel):
    """One audit record (jejak audit) as shown to auditors and other modules."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    seq: int
    occurred_at: dt.datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    request_id: str | None
    data: dict[str, Any]
    record_hash: str
    key_id: str


class ProblemKind(StrEnum):
    """What is wrong with the chain, from the first broken place."""

    deleted = "deleted"  # a seq is missing, or a record's predecessor is gone
    reordered = "reordered"  # a record's predecessor sits at another position
    edited = "edited"  # a record's content no longer matches its hash
    bad_signature = "bad_signature"  # the hash is not signed by the key it names
    unknown_key = "unknown_key"  # the record names a key the key store does not have
    truncated = "truncated"  # the head names records that are gone from the end
    head_mismatch = "head_mismatch"  # the head does not match the last record, or is not signed


class ChainProblem(BaseModel):
    """The first problem found, naming the record (``seq``, ``record_id``) where the chain breaks."""

    model_config = ConfigDict(frozen=True)

    kind: ProblemKind
    seq: int | None
    record_id: int | None
    message: str


class VerificationReport(BaseModel):
    """The outcome of walking the whole chain: ``ok``, or the first ``problem``."""

    model_config = ConfigDict(frozen=True)

    records_checked: int
    head_seq: int
    problem: ChainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None
