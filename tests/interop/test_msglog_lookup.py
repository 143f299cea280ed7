"""Settling a dispute: ``archive.find`` returns a message's records by ``X-Road-Id`` — from closed
segments through their sidecar index, from a live segment by scanning — and a stale or forged index
never hides a record or returns another message's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.keys import service as keys
from spbe.interop.msglog import archive, lookup
from spbe.interop.msglog.signing import SignerHolder, active_signer, key_store_resolver
from spbe.interop.msglog.verify import verify_log
from spbe.interop.msglog.writer import MessageLogWriter


def _record(message_id: str, status: int = 200) -> bytes:
    return json.dumps({"id": message_id, "client": "ID/PEMDA/KOTA-32.73/MPP", "status": status}).encode()


async def _write(log_dir: Path, signers: SignerHolder, ids: list[str], *, segment_bytes: int = 2048) -> None:
    writer = MessageLogWriter(log_dir, "lookup-stream", signers, segment_bytes=segment_bytes)
    await writer.start()
    for start in range(0, len(ids), 7):  # batches of seven, so segments rotate mid-way
        await asyncio.gather(*(writer.append(_record(message_id)) for message_id in ids[start : start + 7]))
    await writer.close()


def _signers(db_session: Session, settings: Any) -> SignerHolder:
    keys.use_secret(settings.resolved_secret_key)
    return SignerHolder(active_signer(db_session))


def test_find_uses_an_index_per_closed_segment(db_session: Session, tmp_path: Path, settings: Any) -> None:
    ids = [f"msg-{n:04d}" for n in range(120)] + ["msg-0042"]  # one id logged twice (a retried request)
    asyncio.run(_write(tmp_path, _signers(db_session, settings), ids))
    segments = sorted(tmp_path.glob("*/*.seg"))
    assert len(segments) > 3
    found = archive.find(tmp_path, "msg-0042")
    assert [record["id"] for record in found] == ["msg-0042", "msg-0042"]
    assert all(record["_hash"] and record["_segment"].endswith(".seg") for record in found)
    assert sorted(tmp_path.glob("*/*.seg.ids")) == [segment.with_name(segment.name + ".ids") for segment in segments]
    assert archive.find(tmp_path, "msg-9999") == []
    [report] = verify_log(tmp_path, key_store_resolver(db_session))
    assert report.ok, report.problems  # the index files sit beside the segments without disturbing the chain
    assert report.segments == len(segments)


def test_a_stale_or_forged_index_is_rebuilt(db_session: Session, tmp_path: Path, settings: Any) -> None:
    asyncio.run(_write(tmp_path, _signers(db_session, settings), [f"msg-{n}" for n in range(30)]))
    archive.find(tmp_path, "msg-3")
    [index] = [path for path in tmp_path.glob("*/*.seg.ids") if lookup.offsets(path, "msg-3")]
    entries = index.read_bytes().splitlines(keepends=True)
    index.write_bytes(
        entries[0] + b"".join(line for line in entries[1:] if not line.startswith(lookup.key_of("msg-3")))
    )
    assert lookup.offsets(index, "msg-3") == []  # the forged index hides the record...
    header = entries[0].split()
    index.write_bytes(b" ".join([header[0], header[1], b"0" * 64]) + b"\n" + b"".join(entries[1:]))
    assert [record["id"] for record in archive.find(tmp_path, "msg-3")] == ["msg-3"]  # ...until it no longer matches


def test_an_index_pointing_at_another_record_returns_nothing_wrong(
    db_session: Session, tmp_path: Path, settings: Any
) -> None:
    asyncio.run(_write(tmp_path, _signers(db_session, settings), ["alpha", "beta"], segment_bytes=1 << 20))
    [segment] = tmp_path.glob("*/*.seg")
    index = lookup.build(segment)
    entries = index.read_bytes().splitlines(keepends=True)
    beta_offset = next(line.split()[1] for line in entries[1:] if line.startswith(lookup.key_of("beta")))
    forged = [line.split()[0] + b" " + beta_offset + b"\n" for line in entries[1:]]
    index.write_bytes(entries[0] + b"".join(sorted(forged)))  # header still matches: index trusted, data not
    assert [record["id"] for record in archive.find(tmp_path, "alpha")] == []
    assert [record["id"] for record in archive.find(tmp_path, "beta")] == ["beta"]


def test_the_live_segment_is_scanned(db_session: Session, tmp_path: Path, settings: Any) -> None:
    async def scenario() -> list[dict[str, Any]]:
        writer = MessageLogWriter(tmp_path, "live-stream", _signers(db_session, settings))
        await writer.start()
        await writer.append(_record("in-flight"))
        try:
            return archive.find(tmp_path, "in-flight")
        finally:
            await writer.close()

    [record] = asyncio.run(scenario())
    assert record["id"] == "in-flight"
    assert not list(tmp_path.glob("*/*.ids"))  # no index for a segment that is still growing


def test_prune_removes_the_index_with_its_segment(db_session: Session, tmp_path: Path, settings: Any) -> None:
    log_dir, archive_dir = tmp_path / "log", tmp_path / "archive"
    asyncio.run(_write(log_dir, _signers(db_session, settings), [f"m{n}" for n in range(20)]))
    archive.find(log_dir, "m1")
    assert list(log_dir.glob("*/*.ids"))
    archive.export(log_dir, archive_dir)
    archive.prune(log_dir, archive_dir, retention_days=0, now=9e12)
    assert not list(log_dir.glob("*/*.seg"))
    assert not list(log_dir.glob("*/*.ids"))
