"""Disputes: does one record found by ``log find`` still sit in a valid chain position?

The segment holding the record (live, closed or archived) is re-read from its header: every record hash
is recomputed up to the record, and the first batch signature after it must cover the chain head and
verify. The record's bytes are therefore proven unchanged since the gateway signed them, without
verifying the whole log. (Whether the segment links to its predecessor is ``log verify``'s job.)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from spbe.interop.msglog.format import SegmentHeader, chain, signed_message
from spbe.interop.msglog.signing import KeyResolver


@dataclass(frozen=True)
class Position:
    verified: bool
    detail: str


def check_position(segment: Path, record_hash: str, keys: KeyResolver) -> Position:
    lines = segment.read_bytes().split(b"\n")
    if not lines or not lines[0].startswith(b"#SEG "):
        return Position(False, "the segment has no header")
    header = SegmentHeader.parse(lines[0])
    head, count, base, found = header.start_hash(), 0, header.seq, False
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith(b"R "):
            expected = chain(head, line[67:])
            if line[2:66].decode() != expected:
                return Position(False, f"the chain breaks at line {number} (altered, inserted or removed record)")
            head, count = expected, count + 1
            found = found or expected == record_hash
        elif line.startswith(b"S "):
            problem, base = _signature(line, header, head, count, base, keys)
            if problem:
                return Position(False, f"line {number}: {problem}")
            if found:
                return Position(True, f"chain and batch signature verify ({segment.parent.name}/{segment.name})")
    if found:
        return Position(False, "the record is not covered by a batch signature (unsigned tail of a crash)")
    return Position(False, "the record's hash is not in its segment's chain")


def _signature(
    line: bytes, header: SegmentHeader, head: str, count: int, base: int | None, keys: KeyResolver
) -> tuple[str | None, int | None]:
    fields = line.decode().split(" ")
    if len(fields) == 4:
        fields.insert(3, header.key_id)
    if len(fields) != 5 or not fields[1].isdigit():
        return "malformed signature line", base
    seq, signed_head, kid, signature = int(fields[1]), fields[2], fields[3], fields[4]
    base = seq - count if base is None else base  # the segment's first sequence number is not in its header
    if signed_head != head or seq != base + count:
        return "the signature does not cover the chain head", base
    key = keys(kid)
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return "malformed signature", base
    if key is None or not key.verify(signed_message(header.stream, header.segment, seq, head), raw):
        return "bad signature" if key else f"signing key {kid} is not known", base
    return None, base
