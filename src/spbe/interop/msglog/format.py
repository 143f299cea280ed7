"""Exact byte formats of segment lines and of what is hashed and signed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
SEGMENT_SUFFIX = ".seg"


def segment_name(number: int) -> str:
    return f"{number:06d}{SEGMENT_SUFFIX}"


def chain(previous: str, payload: bytes) -> str:
    """The hash of a line given the previous hash (hex)."""
    return hashlib.sha256(previous.encode() + b" " + payload).hexdigest()


def signed_message(stream: str, segment: int, seq: int, head: str) -> bytes:
    return f"{stream}|{segment}|{seq}|{head}".encode()


@dataclass(frozen=True)
class SegmentHeader:
    stream: str
    segment: int
    prev: str  # last hash of the previous segment (GENESIS for the first)
    created: str
    key_id: str
    seq: int | None = None  # records of the stream before this segment (absent in the first version)

    def line(self) -> bytes:
        data: dict[str, Any] = {
            "stream": self.stream,
            "segment": self.segment,
            "prev": self.prev,
            "created": self.created,
            "key_id": self.key_id,
        }
        if self.seq is not None:
            data["seq"] = self.seq
        return b"#SEG " + json.dumps(data, sort_keys=True).encode() + b"\n"

    @classmethod
    def parse(cls, line: bytes) -> SegmentHeader:
        data: dict[str, Any] = json.loads(line[5:])
        seq = int(data["seq"]) if "seq" in data else None
        return cls(data["stream"], int(data["segment"]), data["prev"], data["created"], data["key_id"], seq)

    def start_hash(self) -> str:
        """The chain value after the header (the header is chained too)."""
        return chain(self.prev, self.line().rstrip(b"\n"))


def record_line(hash_hex: str, payload: bytes) -> bytes:
    return b"R " + hash_hex.encode() + b" " + payload + b"\n"


def signature_line(seq: int, head: str, key_id: str, signature_b64: str) -> bytes:
    """``S <seq> <head> <kid> <signature>``: the key is named per batch, so rotation can happen anywhere.
    (Segments of the first version had no kid here: their key is the header's.)"""
    return f"S {seq} {head} {key_id} {signature_b64}\n".encode()


def end_line(head: str) -> bytes:
    return f"#END {head}\n".encode()
