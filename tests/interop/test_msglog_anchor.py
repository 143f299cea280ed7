"""Anchors make a deleted stream and a truncated stream visible to ``log verify``; a crash that loses
only the tail after the last anchor is not tampering; a quiet segment is closed by age."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.keys import service as keys
from spbe.interop.msglog import anchors
from spbe.interop.msglog.anchors import Anchor, AnchorBook
from spbe.interop.msglog.format import signed_message
from spbe.interop.msglog.signing import SignerHolder, active_signer, key_store_resolver
from spbe.interop.msglog.verify import verify_log
from spbe.interop.msglog.writer import MessageLogWriter


def _signers(db_session: Session, settings: Any) -> SignerHolder:
    keys.use_secret(settings.resolved_secret_key)
    return SignerHolder(active_signer(db_session))


async def _stream(log_dir: Path, name: str, signers: SignerHolder, sink: list[Anchor], batches: int) -> None:
    writer = MessageLogWriter(log_dir, name, signers, anchor=sink.append, anchor_seconds=0.05)
    await writer.start()
    for number in range(batches):
        await asyncio.gather(*(writer.append(f'{{"id":"{name}-{number}-{i}"}}'.encode()) for i in range(3)))
        await asyncio.sleep(0.08)  # let the anchor tick see each batch
    await writer.close()


def _book(db_session: Session, sink: list[Anchor]) -> AnchorBook:
    for anchor in sink:
        anchors.record(db_session, anchor, "gw1")
    db_session.flush()
    return anchors.load(db_session)


def _write_two(db_session: Session, settings: Any, log_dir: Path) -> AnchorBook:
    signers, sink = _signers(db_session, settings), []  # type: ignore[var-annotated]
    asyncio.run(_stream(log_dir, "gw1-a", signers, sink, 3))
    asyncio.run(_stream(log_dir, "gw1-b", signers, sink, 3))
    return _book(db_session, sink)


def test_intact_log_verifies_against_its_anchors(db_session: Session, settings: Any, tmp_path: Path) -> None:
    book = _write_two(db_session, settings, tmp_path)
    assert book.anchors["gw1-a"].closed
    assert book.anchors["gw1-a"].seq == 9
    assert {"gw1-a", "gw1-b"} <= book.opened
    reports = verify_log(tmp_path, key_store_resolver(db_session), book=book)
    assert [r.ok for r in reports] == [True, True], [r.problems for r in reports]
    assert all(r.anchor_reached and r.unanchored == 0 for r in reports)


def test_deleted_stream_and_truncated_batch_fail(db_session: Session, settings: Any, tmp_path: Path) -> None:
    book = _write_two(db_session, settings, tmp_path)
    shutil.rmtree(tmp_path / "gw1-a")
    segment = tmp_path / "gw1-b" / "000001.seg"
    lines = segment.read_bytes().splitlines(keepends=True)
    segment.write_bytes(b"".join(lines[:-5]))  # drop #END, the last batch's 3 records and its signature
    resolver = key_store_resolver(db_session)
    assert all(r.ok for r in verify_log(tmp_path, resolver)), "without anchors the cut is invisible"
    reports = {r.stream: r for r in verify_log(tmp_path, resolver, book=book)}
    assert "stream is missing" in reports["gw1-a"].problems[0]
    assert "anchored records are missing" in reports["gw1-b"].problems[0]
    assert "seq 9" in reports["gw1-b"].problems[0]
    assert "seq 6" in reports["gw1-b"].problems[0]


def test_removed_anchor_row_and_forged_anchor_fail(db_session: Session, settings: Any, tmp_path: Path) -> None:
    book = _write_two(db_session, settings, tmp_path)
    resolver = key_store_resolver(db_session)
    del book.anchors["gw1-a"]  # the row deleted, the audit log still says the stream was opened
    rewritten = replace(book.anchors["gw1-b"], head="f" * 64)
    book.anchors["gw1-b"] = rewritten
    reports = {r.stream: r for r in verify_log(tmp_path, resolver, book=book)}
    assert "anchor was removed" in reports["gw1-a"].problems[0]
    assert "signature does not verify" in reports["gw1-b"].problems[0]


def test_crash_tail_after_the_anchor_is_not_tampering(db_session: Session, settings: Any, tmp_path: Path) -> None:
    signers, sink = _signers(db_session, settings), []  # type: ignore[var-annotated]

    async def crash() -> None:
        writer = MessageLogWriter(tmp_path, "gw1-crash", signers, anchor=sink.append, anchor_seconds=60)
        await writer.start()  # anchors segment 1, seq 0
        await asyncio.gather(*(writer.append(b'{"id":"x%d"}' % i) for i in range(4)))
        # SIGKILL: no close, no final anchor; the records are durable, the anchor lags behind them
        writer._executor.shutdown(wait=True)
        os.close(writer._lock_fd)
        assert writer._anchor_task is not None
        writer._anchor_task.cancel()

    asyncio.run(crash())
    [report] = verify_log(tmp_path, key_store_resolver(db_session), book=_book(db_session, sink))
    assert report.ok, report.problems
    assert report.unanchored == 4
    assert report.signed_records == 4


def test_anchor_never_moves_backwards(db_session: Session, settings: Any, tmp_path: Path) -> None:
    book = _write_two(db_session, settings, tmp_path)
    final = book.anchors["gw1-a"]
    anchors.record(db_session, replace(final, seq=1, closed=False), "gw1")
    assert anchors.load(db_session).anchors["gw1-a"].seq == final.seq


def test_quiet_segment_is_closed_by_age(db_session: Session, settings: Any, tmp_path: Path) -> None:
    signers = _signers(db_session, settings)

    async def run() -> None:
        writer = MessageLogWriter(tmp_path, "gw1-quiet", signers, segment_seconds=0.2)
        await writer.start()
        await writer.append(b'{"id":"early"}')
        deadline = time.monotonic() + 3
        while len(list((tmp_path / "gw1-quiet").glob("*.seg"))) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await writer.append(b'{"id":"late"}')
        await asyncio.sleep(0.5)  # an idle segment without records is not rotated again
        await writer.close()

    asyncio.run(run())
    segments = sorted((tmp_path / "gw1-quiet").glob("*.seg"))
    assert len(segments) in (2, 3)
    assert segments[0].read_bytes().splitlines()[-1].startswith(b"#END ")
    assert b"early" in segments[0].read_bytes()
    assert b"late" in segments[1].read_bytes()
    [report] = verify_log(tmp_path, key_store_resolver(db_session))
    assert report.ok
    assert report.signed_records == 2


def test_a_validly_signed_anchor_the_chain_does_not_reach_is_rewriting(
    db_session: Session, settings: Any, tmp_path: Path
) -> None:
    book = _write_two(db_session, settings, tmp_path)
    signer = active_signer(db_session, create=False)
    original = book.anchors["gw1-b"]
    head = "e" * 64
    signature = signer.sign(signed_message(original.stream, original.segment, original.seq, head))
    book.anchors["gw1-b"] = replace(original, head=head, key_id=signer.key_id, signature=signature)
    reports = {r.stream: r for r in verify_log(tmp_path, key_store_resolver(db_session), book=book)}
    assert "differs from its anchor" in reports["gw1-b"].problems[0]
    assert reports["gw1-a"].ok
