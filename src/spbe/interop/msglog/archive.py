"""Archives, retention and dispute lookup.

``export`` copies closed segments (of streams no process holds any more, or segments already rotated)
into an archive folder and appends, for each, a line to ``manifest.jsonl``: file SHA-256, first and last
chain hash, and the hash of the previous manifest line, so the archives are hash-linked. ``prune`` deletes
archived segments older than the retention period; ``find`` looks a record up by ``X-Road-Id``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spbe.interop.msglog import lookup
from spbe.interop.msglog.format import GENESIS, SegmentHeader
from spbe.interop.msglog.verify import segments_of, stream_dirs
from spbe.interop.msglog.writer import LOCK_NAME

MANIFEST = "manifest.jsonl"


def _stream_is_live(stream_dir: Path) -> bool:
    lock = stream_dir / LOCK_NAME
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def closed_segments(log_dir: Path) -> Iterator[Path]:
    """Segments no writer will touch again."""
    for stream_dir in stream_dirs(log_dir):
        segments = segments_of(stream_dir)
        live = _stream_is_live(stream_dir)
        yield from (segments[:-1] if live else segments)


def _manifest(archive_dir: Path) -> list[dict[str, Any]]:
    path = archive_dir / MANIFEST
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _last_chain_hash(segment: Path) -> str:
    last = GENESIS
    for line in segment.read_bytes().splitlines():
        if line.startswith((b"R ", b"S ")):
            last = line.split(b" ")[2 if line.startswith(b"S ") else 1].decode()
    return last


def export(log_dir: Path, archive_dir: Path) -> list[str]:
    """Copy closed, not yet archived segments; return their names (``stream/segment``)."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    entries = _manifest(archive_dir)
    done = {e["name"] for e in entries}
    previous = entries[-1]["entry_hash"] if entries else GENESIS
    exported = []
    with (archive_dir / MANIFEST).open("a", encoding="utf-8") as manifest:
        for segment in closed_segments(log_dir):
            name = f"{segment.parent.name}/{segment.name}"
            if name in done:
                continue
            previous = _archive_one(segment, archive_dir, name, previous, manifest)
            exported.append(name)
        manifest.flush()
        os.fsync(manifest.fileno())
    return exported


def _archive_one(segment: Path, archive_dir: Path, name: str, previous: str, manifest: Any) -> str:
    target = archive_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(segment, target)
    header = SegmentHeader.parse(segment.read_bytes().split(b"\n", 1)[0])
    entry = {
        "name": name,
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "prev_segment": header.prev,
        "last_hash": _last_chain_hash(segment),
        "prev_entry": previous,
    }
    entry["entry_hash"] = hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()
    manifest.write(json.dumps(entry, sort_keys=True) + "\n")
    return str(entry["entry_hash"])


def prune(log_dir: Path, archive_dir: Path, retention_days: int, now: float | None = None) -> list[str]:
    """Delete archived segments whose files are older than the retention period."""
    archived = {e["name"] for e in _manifest(archive_dir)}
    cutoff = (now or time.time()) - retention_days * 86400
    removed = []
    for segment in closed_segments(log_dir):
        name = f"{segment.parent.name}/{segment.name}"
        if name in archived and segment.stat().st_mtime < cutoff:
            segment.unlink()
            segment.with_name(segment.name + lookup.SUFFIX).unlink(missing_ok=True)
            removed.append(name)
    return removed


def anchors(archive_dir: Path) -> dict[str, str]:
    """For verification after pruning: ``stream/<n+1>`` → last hash of archived segment n."""
    out = {}
    for entry in _manifest(archive_dir):
        stream, segment = entry["name"].split("/")
        out[f"{stream}/{int(segment.split('.')[0]) + 1}"] = entry["last_hash"]
    return out


def find(log_dir: Path, message_id: str, archive_dir: Path | None = None) -> list[dict[str, Any]]:
    """Every record whose ``X-Road-Id`` is ``message_id``: closed segments through their sidecar index
    (``msglog.lookup``), the live segment of a running writer by scanning it, and with ``archive_dir`` the
    archived segments too (so a dispute can be settled after pruning). Each record names its file in
    ``_file``; a segment both in the log and in the archive is read once (from the log)."""
    found = []
    seen: set[str] = set()
    for stream_dir in stream_dirs(log_dir):
        segments = segments_of(stream_dir)
        live = segments[-1:] if _stream_is_live(stream_dir) else []
        for segment in segments:
            seen.add(f"{stream_dir.name}/{segment.name}")
            hits = (
                lookup.find_by_scan(segment, message_id)
                if segment in live
                else lookup.find_in_closed(segment, message_id)
            )
            found += [{**hit, "_file": str(segment)} for hit in hits]
    for segment in _archived_segments(archive_dir) if archive_dir else []:
        if f"{segment.parent.name}/{segment.name}" not in seen:
            found += [{**hit, "_file": str(segment)} for hit in lookup.find_in_closed(segment, message_id)]
    return found


def _archived_segments(archive_dir: Path) -> list[Path]:
    return [archive_dir / entry["name"] for entry in _manifest(archive_dir) if (archive_dir / entry["name"]).exists()]


def maintain(
    log_dir: Path, archive_dir: Path, retention_days: int, now: float | None = None
) -> tuple[list[str], list[str]]:
    """Export, then prune: the retention job (``spbe interop log maintain``, run from cron)."""
    exported = export(log_dir, archive_dir)
    return exported, prune(log_dir, archive_dir, retention_days, now)
