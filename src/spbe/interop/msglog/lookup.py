"""Finding a message's records by ``X-Road-Id`` without reading the whole log: a sidecar index per
closed segment.

``<segment>.ids`` is derived data, never evidence: a header line names the segment's size and the SHA-256
of its bytes, then one fixed-width line per record, sorted — the first 16 hex digits of SHA-256(id) and
the record's byte offset — so a lookup is a binary search over a memory map. An index that no longer
matches its segment (or is missing, or damaged) is rebuilt from the segment; the live segment of a
running writer is scanned. Whatever the index says, each hit is re-read from the segment and its id
compared, so a wrong index can cost time but never return another message's record.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
from pathlib import Path
from typing import Any

SUFFIX = ".ids"
KEY_DIGITS = 16
OFFSET_DIGITS = 12
ENTRY = KEY_DIGITS + 1 + OFFSET_DIGITS + 1  # "<key> <offset>\n"
HASH_END = 66  # b"R " + 64 hex digits
PAYLOAD_START = 67


def key_of(message_id: str) -> bytes:
    return hashlib.sha256(message_id.encode()).hexdigest()[:KEY_DIGITS].encode()


def _fingerprint(data: bytes) -> bytes:
    return f"segment {len(data)} {hashlib.sha256(data).hexdigest()}\n".encode()


def build(segment: Path) -> Path:
    """Write ``segment``'s index (atomically: a temporary file renamed into place)."""
    data = segment.read_bytes()
    entries = []
    offset = 0
    for line in data.splitlines(keepends=True):
        if line.startswith(b"R "):
            message_id = json.loads(line[PAYLOAD_START:]).get("id")
            if isinstance(message_id, str):
                entries.append(key_of(message_id) + b" " + str(offset).zfill(OFFSET_DIGITS).encode() + b"\n")
        offset += len(line)
    entries.sort()
    target = segment.with_name(segment.name + SUFFIX)
    temporary = target.with_name(target.name + f".{os.getpid()}.tmp")
    temporary.write_bytes(_fingerprint(data) + b"".join(entries))
    temporary.replace(target)
    return target


def _index_is_current(index: Path, segment: Path) -> bool:
    try:
        with index.open("rb") as handle:
            header = handle.readline()
    except OSError:
        return False
    parts = header.split()
    if len(parts) != 3 or parts[0] != b"segment" or int(parts[1]) != segment.stat().st_size:
        return False
    entries = index.stat().st_size - len(header)
    return entries % ENTRY == 0 and parts[2].decode() == hashlib.sha256(segment.read_bytes()).hexdigest()


def offsets(index: Path, message_id: str) -> list[int]:
    """Offsets of the records whose id hashes to ``message_id``'s key (binary search)."""
    key = key_of(message_id)
    with index.open("rb") as handle:
        start = len(handle.readline())
        size = os.fstat(handle.fileno()).st_size
        count = (size - start) // ENTRY
        if count == 0:
            return []
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            low, high = 0, count
            while low < high:
                middle = (low + high) // 2
                position = start + middle * ENTRY
                if view[position : position + KEY_DIGITS] < key:
                    low = middle + 1
                else:
                    high = middle
            found = []
            while low < count:
                position = start + low * ENTRY
                if view[position : position + KEY_DIGITS] != key:
                    break
                found.append(int(view[position + KEY_DIGITS + 1 : position + ENTRY - 1]))
                low += 1
            return found


def find_in_closed(segment: Path, message_id: str) -> list[dict[str, Any]]:
    """Records of ``message_id`` in a segment no writer will touch again (index built when needed)."""
    index = segment.with_name(segment.name + SUFFIX)
    if not _index_is_current(index, segment):
        build(segment)
    found = []
    with segment.open("rb") as handle:
        for offset in offsets(index, message_id):
            handle.seek(offset)
            record = _record(handle.readline(), segment, message_id)
            if record is not None:
                found.append(record)
    return found


def find_by_scan(segment: Path, message_id: str) -> list[dict[str, Any]]:
    """Records of ``message_id`` in a segment still being written (read through once)."""
    data, needle = segment.read_bytes(), message_id.encode()
    if needle not in data:
        return []
    lines = (line for line in data.splitlines(keepends=True) if needle in line)
    records = (_record(line, segment, message_id) for line in lines)
    return [record for record in records if record is not None]


def _record(line: bytes, segment: Path, message_id: str) -> dict[str, Any] | None:
    if not line.startswith(b"R ") or not line.endswith(b"\n"):
        return None  # a torn last line of a crashed writer is not a record
    try:
        record: dict[str, Any] = json.loads(line[PAYLOAD_START:])
    except ValueError:
        return None
    if record.get("id") != message_id:
        return None
    record["_segment"] = f"{segment.parent.name}/{segment.name}"
    record["_hash"] = line[2:HASH_END].decode()
    return record
