"""The message log is signed per batch with the key store's ``interop-msglog`` key; rotation keeps old
batches verifiable, and an unknown key or a forged signature fails verification."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.keys import service as keys
from spbe.interop.msglog.signing import (
    PURPOSE,
    SignerHolder,
    active_signer,
    key_store_resolver,
    load_cached,
    save_cached,
)
from spbe.interop.msglog.verify import verify_log
from spbe.interop.msglog.writer import MessageLogWriter


async def _write(log_dir: Path, signers: SignerHolder, batches: list[list[bytes]], between: Any = None) -> None:
    writer = MessageLogWriter(log_dir, "rotation-stream", signers)
    await writer.start()
    for index, batch in enumerate(batches):
        await asyncio.gather(*(writer.append(record) for record in batch))
        if between is not None and index == 0:
            between()
    await writer.close()


def test_rotation_mid_stream_keeps_every_batch_verifiable(db_session: Session, tmp_path: Path, settings: Any) -> None:
    keys.use_secret(settings.resolved_secret_key)
    signers = SignerHolder(active_signer(db_session))
    first = signers.current.key_id

    def rotate() -> None:
        keys.rotate(db_session, PURPOSE)
        assert signers.replace(active_signer(db_session, create=False))

    asyncio.run(_write(tmp_path, signers, [[b'{"n":1}', b'{"n":2}'], [b'{"n":3}']], between=rotate))
    assert signers.current.key_id != first
    [report] = verify_log(tmp_path, key_store_resolver(db_session))
    assert report.ok, report.problems
    assert report.signed_records == 3
    text = next(tmp_path.glob("*/*.seg")).read_text()
    assert f" {first} " in text
    assert f" {signers.current.key_id} " in text


def test_unknown_key_and_forged_signature_fail(db_session: Session, tmp_path: Path, settings: Any) -> None:
    keys.use_secret(settings.resolved_secret_key)
    signers = SignerHolder(active_signer(db_session))
    asyncio.run(_write(tmp_path, signers, [[b'{"n":1}']]))
    [unknown] = verify_log(tmp_path, lambda kid: None)
    assert not unknown.ok
    assert "not known" in unknown.problems[0]
    segment = next(tmp_path.glob("*/*.seg"))
    lines = segment.read_bytes().splitlines(keepends=True)
    signature_at = next(i for i, line in enumerate(lines) if line.startswith(b"S "))
    fields = lines[signature_at].split(b" ")
    fields[-1] = b"A" * (len(fields[-1]) - 3) + b"==\n"
    lines[signature_at] = b" ".join(fields)
    segment.write_bytes(b"".join(lines))
    [forged] = verify_log(tmp_path, key_store_resolver(db_session))
    assert not forged.ok


def test_cached_key_survives_a_database_outage(db_session: Session, tmp_path: Path, settings: Any) -> None:
    keys.use_secret(settings.resolved_secret_key)
    signer = active_signer(db_session)
    path = tmp_path / "msglog-signer.json"
    save_cached(path, signer, "a-secret")
    assert path.stat().st_mode & 0o777 == 0o600
    cached = load_cached(path, "a-secret")
    assert cached is not None
    assert cached.key_id == signer.key_id
    assert keys.verify(db_session, signer.key_id, b"m", base64.b64decode(cached.sign(b"m")))
