"""``spbe interop log verify``: recompute every chain hash and check every batch signature.

A stream that ended in a crash may end with records after its last signature (a batch whose fsync had
not finished, so no caller was answered): they are reported as an unsigned tail, not as tampering. A torn
last line is tolerated in the same place only. Anything else that does not match is a failure.

With the anchors (``anchors.py``, kept in the database and the audit log) it also finds what a chain alone
cannot: a stream deleted whole, and records cut off the end of a stream that had been anchored. Records
after the last anchor are reported as an *unanchored tail* (a crash may lose them; not a failure).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spbe.interop.msglog.anchors import Anchor, AnchorBook
from spbe.interop.msglog.format import GENESIS, SEGMENT_SUFFIX, SegmentHeader, chain, signed_message
from spbe.interop.msglog.signing import KeyResolver


@dataclass
class StreamReport:
    stream: str
    segments: int = 0
    records: int = 0
    signed_records: int = 0
    unsigned_tail: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    last_hash: str = GENESIS
    last_segment: int = 0
    last_seq: int = 0
    anchor: Anchor | None = None
    anchor_reached: bool = False
    unanchored: int = 0  # records after the last anchor

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Cursor:
    head: str
    seq: int
    pending: int = 0  # records since the last signature
    seq_known: bool = True  # False: earlier segments pruned and an old header: learnt from the first signature


def stream_dirs(log_dir: Path) -> list[Path]:
    if not log_dir.exists():
        return []
    return sorted(p for p in log_dir.iterdir() if p.is_dir())


def segments_of(stream_dir: Path) -> list[Path]:
    return sorted(stream_dir.glob(f"*{SEGMENT_SUFFIX}"))


def verify_log(
    log_dir: Path, keys: KeyResolver, anchors: dict[str, str] | None = None, book: AnchorBook | None = None
) -> list[StreamReport]:
    """Verify every stream; ``anchors`` maps ``stream/segment`` to the expected prev hash of a segment whose
    predecessors were pruned (from the archive manifest); ``book`` holds the streams' anchors."""
    archived = anchors or {}
    present = stream_dirs(log_dir)
    stream_anchors = book.anchors if book else {}
    reports = [verify_stream(d, keys, archived, stream_anchors.get(d.name)) for d in present]
    if book is not None:
        names = {d.name for d in present}
        for report in reports:
            if report.anchor is None and report.stream in book.opened:
                report.problems.append("its anchor was removed (the audit log records that this stream was opened)")
            elif report.anchor is None:
                report.notes.append("not anchored (written before anchoring, or the database was away)")
        expected = sorted((set(book.anchors) | book.opened) - names)
        reports += [_missing_stream(name, book.anchors.get(name), archived) for name in expected]
    return reports


def _missing_stream(name: str, anchor: Anchor | None, archived: dict[str, str]) -> StreamReport:
    report = StreamReport(name, anchor=anchor)
    if anchor is not None and f"{name}/{anchor.segment + 1}" in archived:
        report.notes.append("only in the archive (its directory was removed after export)")
    elif anchor is not None:
        report.problems.append(
            f"stream is missing: anchored up to segment {anchor.segment} seq {anchor.seq} "
            "(if it was archived and removed, pass --archive-dir)"
        )
    else:
        report.problems.append("stream is missing (the audit log records that it was opened)")
    return report


def verify_stream(
    stream_dir: Path, keys: KeyResolver, anchors: dict[str, str], anchor: Anchor | None = None
) -> StreamReport:
    report = StreamReport(stream_dir.name, anchor=anchor)
    if anchor is not None and not anchor.signature_ok(keys):
        report.problems.append("the anchor's signature does not verify")
        return report
    cursor: _Cursor | None = None
    segments = segments_of(stream_dir)
    for index, path in enumerate(segments):
        last = index == len(segments) - 1
        cursor = _verify_segment(path, keys, anchors, cursor, report, last)
        report.segments += 1
        if report.problems:
            break
    if cursor is not None:
        report.unsigned_tail = cursor.pending
        report.last_hash = cursor.head
        report.last_seq = cursor.seq
    if not report.problems:
        _check_anchor_reached(report, anchors)
    return report


def _check_anchor_reached(report: StreamReport, archived: dict[str, str]) -> None:
    anchor = report.anchor
    if anchor is None or report.anchor_reached:
        return
    if f"{report.stream}/{anchor.segment + 1}" in archived:
        report.notes.append(f"anchored segment {anchor.segment} is archived")
        return
    report.problems.append(
        f"anchored records are missing: anchored up to segment {anchor.segment} seq {anchor.seq}, "
        f"the log ends at segment {report.last_segment} seq {report.last_seq} (truncated or removed; "
        "if segments were pruned, pass --archive-dir)"
    )


def _at_anchor(report: StreamReport, segment: int, state: _Cursor) -> str | None:
    """Compare the chain with the anchor when the chain reaches the anchored position."""
    anchor = report.anchor
    if anchor is None or report.anchor_reached or anchor.segment != segment or anchor.seq != state.seq:
        return None
    report.anchor_reached = True
    return None if state.head == anchor.head else "the chain differs from its anchor here (rewritten)"


def _lines(path: Path) -> Iterator[tuple[bytes, bool]]:
    """Each line and whether it was complete (ended by a newline)."""
    data = path.read_bytes()
    for raw in data.splitlines(keepends=True):
        yield raw.rstrip(b"\n"), raw.endswith(b"\n")


def _verify_segment(
    path: Path,
    keys: KeyResolver,
    anchors: dict[str, str],
    cursor: _Cursor | None,
    report: StreamReport,
    last_segment: bool,
) -> _Cursor | None:
    lines = list(_lines(path))
    if not lines or not lines[0][0].startswith(b"#SEG "):
        report.problems.append(f"{path.name}: missing segment header")
        return cursor
    header = SegmentHeader.parse(lines[0][0])
    expected_prev = cursor.head if cursor else anchors.get(f"{header.stream}/{header.segment}", GENESIS)
    if cursor is None and header.segment != 1 and expected_prev == GENESIS:
        expected_prev = header.prev  # earlier segments pruned and no anchor: start from this one
    if header.prev != expected_prev:
        report.problems.append(f"{path.name}: does not link to the previous segment")
        return cursor
    state = _Cursor(header.start_hash(), cursor.seq if cursor else (header.seq or 0))
    state.seq_known = cursor is not None or header.seq is not None or header.segment == 1
    report.last_segment = header.segment
    problem = _at_anchor(report, header.segment, state)
    if problem:
        report.problems.append(f"{path.name}:1: {problem}")
        return state
    for number, (line, complete) in enumerate(lines[1:], start=2):
        final = last_segment and number == len(lines)
        problem = _check_line(line, complete, final, state, keys, header, report)
        if problem:
            report.problems.append(f"{path.name}:{number}: {problem}")
            return state
    return state


def _check_line(
    line: bytes,
    complete: bool,
    final: bool,
    state: _Cursor,
    keys: KeyResolver,
    header: SegmentHeader,
    report: StreamReport,
) -> str | None:
    if not complete:
        return None if final and state.pending >= 0 else "incomplete line"
    kind = line[:2]
    if kind == b"R ":
        return _check_record(line, state, report) or _at_anchor(report, header.segment, state)
    if kind == b"S ":
        return _check_signature(line, state, keys, header, report)
    if line.startswith(b"#END "):
        return None if line[5:].decode() == state.head else "end marker does not match the chain"
    return "unknown line"


def _check_record(line: bytes, state: _Cursor, report: StreamReport) -> str | None:
    stated, payload = line[2:66].decode(), line[67:]
    expected = chain(state.head, payload)
    if stated != expected:
        return "record hash does not match (altered, inserted or removed record)"
    state.head = expected
    state.seq += 1
    state.pending += 1
    report.records += 1
    if report.anchor_reached:
        report.unanchored += 1
    return None


def _check_signature(
    line: bytes, state: _Cursor, keys: KeyResolver, header: SegmentHeader, report: StreamReport
) -> str | None:
    fields = line.decode().split(" ")
    if len(fields) == 4:  # first format: the segment header names the key
        fields.insert(3, header.key_id)
    if len(fields) != 5 or not fields[1].isdigit():
        return "malformed signature line"
    _, seq_text, head, kid, signature = fields
    if not state.seq_known:
        state.seq, state.seq_known = int(seq_text), True
    if int(seq_text) != state.seq or head != state.head:
        return "signature does not cover the chain head"
    key = keys(kid)
    if key is None:
        return f"signing key {kid} is not known"
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return "malformed signature"
    if not key.verify(signed_message(header.stream, header.segment, state.seq, head), raw):
        return "bad signature"
    report.signed_records += state.pending
    state.pending = 0
    return None
