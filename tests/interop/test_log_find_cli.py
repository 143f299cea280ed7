"""Disputes after pruning: ``spbe interop log find --archive-dir`` finds archived records, says whether
each still verifies in its chain position, ``--decrypt`` opens logged bodies (audited); ``log maintain``
exports then prunes; ``log verify`` reports a cut stream against its anchors."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.audit import service as audit
from spbe.core.config import load_settings
from spbe.core.db import session_scope
from spbe.interop.msglog import anchors
from spbe.interop.msglog.anchors import Anchor
from spbe.interop.msglog.bodies import BodyCipher
from spbe.interop.msglog.signing import SignerHolder, active_signer
from spbe.interop.msglog.writer import MessageLogWriter
from spbe.interop.settings import get_gateway_settings
from tests.core.fresh_database import cli_database

STREAM = "gw1-test-1"


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    with cli_database(tmp_path, monkeypatch) as session_factory:
        yield session_factory


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["interop", "log", *args])
    return result.exit_code, result.output


def _log_dir() -> Path:
    return get_gateway_settings().resolved_log_dir(load_settings().data_dir)


def _write(factory: sessionmaker[Session], *, rotate: bool = True) -> None:
    """Two segments of one stream (the first closed by size), bodies sealed as the gateway seals them."""
    cipher = BodyCipher(load_settings().resolved_secret_key())
    with session_scope(factory) as session:
        signers = SignerHolder(active_signer(session))
    sink: list[Anchor] = []

    async def run() -> None:
        writer = MessageLogWriter(
            _log_dir(), STREAM, signers, segment_bytes=4096 if rotate else 1 << 20, anchor=sink.append
        )
        await writer.start()
        for n in range(40):
            record = {"id": f"msg-{n}", "requestBody": cipher.seal(b'{"nik":"x"}', f"msg-{n}")}
            record["responseBody"] = cipher.seal(f"answer {n}".encode(), f"msg-{n}")
            await writer.append(json.dumps(record).encode())
        await writer.close()

    asyncio.run(run())
    with session_scope(factory) as session:
        for anchor in sink:
            anchors.record(session, anchor, "gw1")


def _found(output: str) -> dict[str, object]:
    return json.loads(output[output.index("{") : output.rindex("}") + 1])  # type: ignore[no-any-return]


def test_find_in_archive_after_pruning_with_chain_status(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _write(factory)
    archive_dir = tmp_path / "archive"
    code, output = _run("maintain", "--archive-dir", str(archive_dir), "--days", "1")
    assert code == 0, output
    assert "Exported" in output, output
    first = sorted((_log_dir() / STREAM).glob("*.seg"))[0]
    assert b'"msg-0"' in first.read_bytes()
    stamp = time.time() - 3 * 86400
    os.utime(first, (stamp, stamp))
    code, output = _run("maintain", "--archive-dir", str(archive_dir), "--days", "1")
    assert code == 0, output
    assert "removed 1 " in output, output
    assert not first.exists()
    code, output = _run("find", "msg-0")
    assert code == 1
    assert "No record" in output
    code, output = _run("find", "msg-0", "--archive-dir", str(archive_dir))
    assert code == 0, output
    record = _found(output)
    assert record["_chain"] == {"verified": True, "detail": record["_chain"]["detail"]}  # type: ignore[index]
    code, output = _run("verify", "--archive-dir", str(archive_dir))
    assert code == 0, output


def test_find_flags_a_record_whose_chain_position_fails(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _write(factory, rotate=False)
    segment = next((_log_dir() / STREAM).glob("*.seg"))
    data = segment.read_bytes()
    at = data.index(b'{"id": "msg-2"')
    altered = data[:at] + data[at:].replace(b'"requestBody": "', b'"requestBody": "A', 1)
    segment.write_bytes(altered)
    code, output = _run("find", "msg-2")
    assert code == 1
    assert "does not verify" in output
    assert "chain breaks" in output
    code, output = _run("find", "msg-30")
    assert code == 1, "a later record's chain runs through the altered one"


def test_decrypt_opens_bodies_and_is_audited(factory: sessionmaker[Session]) -> None:
    _write(factory, rotate=False)
    code, output = _run("find", "msg-5", "--decrypt")
    assert code == 0, output
    record = _found(output)
    assert record["responseBody"] == {"text": "answer 5", "bytes": 8}
    with session_scope(factory, write=False) as session:
        [entry] = audit.list_records(session, action="interop.msglog.bodies_opened")
    assert entry.object_id == "msg-5"
    assert entry.actor == "cli"
    code, output = _run("find", "msg-5")
    assert "answer 5" not in output, "without --decrypt the bodies stay sealed"


def test_verify_cli_reports_a_truncated_and_a_deleted_stream(factory: sessionmaker[Session]) -> None:
    _write(factory, rotate=False)
    code, output = _run("verify")
    assert code == 0, output
    assert "ok" in output, output
    segment = next((_log_dir() / STREAM).glob("*.seg"))
    segment.write_bytes(b"".join(segment.read_bytes().splitlines(keepends=True)[:-3]))
    code, output = _run("verify")
    assert code == 1, output
    assert "anchored records are missing" in output, output
    shutil.rmtree(_log_dir() / STREAM)
    code, output = _run("verify")
    assert code == 1, output
    assert "stream is missing" in output, output
