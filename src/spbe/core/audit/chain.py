"""The chain's rules: canonical form, record hash, signed messages, and checking one record after another.

Canonical form (version 1). A record's hash is the lowercase hex SHA-256 of the UTF-8 bytes of
``json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``
where ``fields`` is the JSON object::

    {"v": 1, "seq": 7, "occurred_at": "2026-01-02T03:04:05.123456+00:00", "actor": "...",
     "action": "...", "object_type": null, "object_id": null, "outcome": "success",
     "request_id": null, "data": {...}, "prev_hash": "<hash of seq 6, or 64 zeros for seq 1>"}

``occurred_at`` is UTC with microseconds (``datetime.isoformat(timespec="microseconds")``). The record's
signature is the JWS signature (base64url, no padding) of the ASCII hex hash by the key named in
``key_id``. The head's signature covers ``{"audit_head":{"record_hash":"…","seq":N}}`` in the same
canonical JSON, so nobody without the platform key can rewind the head to hide a truncated tail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from spbe.core.audit.schemas import ChainProblem, ProblemKind
from spbe.core.keys.crypto import KeyMaterial, b64url_decode
from spbe.core.logging import NIK_PATTERN, mask_nik

CANONICAL_VERSION = 1
Fields = Mapping[Any, Any]
"""A record's stored fields by column name (a database row, or a dict built from an ORM record)."""
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "request_id",
    "data",
    "prev_hash",
)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def record_hash(fields: Fields) -> str:
    """The hash of a record from its stored fields (an ORM record's or a database row's)."""
    content: dict[str, Any] = {name: fields[name] for name in HASHED_FIELDS}
    content["occurred_at"] = _timestamp(content["occurred_at"])
    content["v"] = CANONICAL_VERSION
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def record_message(hash_hex: str) -> bytes:
    """What a record's signature covers."""
    return hash_hex.encode("ascii")


def head_message(seq: int, hash_hex: str) -> bytes:
    """What the head's signature covers."""
    return canonical_json({"audit_head": {"seq": seq, "record_hash": hash_hex}})


class Masked(str):
    """A string the caller vouches for: already masked, or a 16-digit value that is not a NIK.

    Audit data is otherwise masked (UU 27/2022 PDP): every 16-digit run becomes ``3273********0009``.
    """

    __slots__ = ()


def prepare_data(value: Any) -> Any:
    """Audit ``data`` as plain JSON with every NIK masked; unsupported types are a programming error."""
    if isinstance(value, Masked):
        return str(value)
    if isinstance(value, str):
        return mask_nik(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, int):
        return mask_nik(str(value)) if NIK_PATTERN.fullmatch(str(value)) else value
    if isinstance(value, Mapping):
        return {_prepare_key(key): prepare_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [prepare_data(item) for item in value]
    return prepare_data(_plain(value))


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("audit data cannot hold NaN or infinity (JSON has no spelling for them)")
    return value


def _prepare_key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"audit data keys must be strings, not {type(key).__name__}")
    return str(prepare_data(key))


def _plain(value: Any) -> Any:
    """Common non-JSON values, turned into their usual JSON spelling."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    raise TypeError(f"audit data cannot hold a {type(value).__name__}")


KeyLookup = Callable[[str], KeyMaterial | None]
HashLocator = Callable[[str], tuple[int, int] | None]


@dataclass
class ChainWalker:
    """Checks records in ``seq`` order and names the first problem precisely.

    The checks run in the order that explains a tampering best: a missing ``seq`` (deleted), a broken
    link to the previous record (reordered if that record sits elsewhere, deleted otherwise), a content
    that no longer matches its hash (edited), then the key and the signature.
    """

    key_of: KeyLookup
    locate: HashLocator
    last_seq: int = 0
    last_hash: str = "0" * 64
    checked: int = 0

    def check(self, row: Fields) -> ChainProblem | None:
        problem = self._position(row) or self._content(row) or self._signature(row)
        if problem is None:
            self.last_seq, self.last_hash = row["seq"], row["record_hash"]
            self.checked += 1
        return problem

    def _position(self, row: Fields) -> ChainProblem | None:
        expected = self.last_seq + 1
        if row["seq"] > expected:
            gap = f"{expected}" if row["seq"] == expected + 1 else f"{expected}–{row['seq'] - 1}"
            message = f"Record seq {gap} is missing (deleted): after seq {self.last_seq} comes seq {row['seq']}"
            return _problem(ProblemKind.deleted, row, message, seq=expected)
        if row["seq"] < expected:
            return _problem(ProblemKind.edited, row, f"has an impossible seq (expected {expected})")
        if row["prev_hash"] != self.last_hash:
            return self._broken_link(row)
        return None

    def _broken_link(self, row: Fields) -> ChainProblem:
        holder = self.locate(row["prev_hash"])
        if holder is not None:
            holder_id, holder_seq = holder
            message = (
                f"should follow the record now at seq {holder_seq} (id {holder_id}), "
                f"not seq {self.last_seq}: records were reordered"
            )
            return _problem(ProblemKind.reordered, row, message)
        message = f"does not follow seq {self.last_seq} and its predecessor no longer exists: a record was deleted"
        return _problem(ProblemKind.deleted, row, message)

    def _content(self, row: Fields) -> ChainProblem | None:
        if record_hash(row) != row["record_hash"]:
            return _problem(ProblemKind.edited, row, "was edited: its content no longer matches its hash")
        return None

    def _signature(self, row: Fields) -> ChainProblem | None:
        key = self.key_of(row["key_id"])
        if key is None:
            return _problem(ProblemKind.unknown_key, row, f"is signed by an unknown key {row['key_id']}")
        if not verify_signature(key, record_message(row["record_hash"]), row["signature"]):
            return _problem(ProblemKind.bad_signature, row, f"has a signature that key {key.kid} did not make")
        return None


def verify_signature(key: KeyMaterial, message: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    try:
        raw = b64url_decode(signature)
    except ValueError:
        return False
    return key.verify(message, raw)


def _problem(kind: ProblemKind, row: Fields, what: str, *, seq: int | None = None) -> ChainProblem:
    if seq is not None:  # the problem is a missing record; name it, and where the walk found the gap
        message = f"{what} (found at id {row['id']})"
        return ChainProblem(kind=kind, seq=seq, record_id=None, message=message)
    message = f"Record seq {row['seq']} (id {row['id']}) {what}."
    return ChainProblem(kind=kind, seq=row["seq"], record_id=row["id"], message=message)
