"""SIGKILL under load with anchoring on: the log still verifies against its anchors (only an unanchored
tail, every acknowledged request has its signed record), and deleting the stream is then detected."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from spbe.core import migrate
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.keys import service as keys_service
from spbe.interop.msglog import anchors
from spbe.interop.msglog.signing import key_store_resolver
from spbe.interop.msglog.verify import StreamReport, verify_log
from tests.interop.conftest import register, running_backend
from tests.interop.test_kill import SPBE, _free_port, _load, _signed_ids, _wait_port

pytestmark = pytest.mark.slow


def _verify(url: str, log_dir: Path) -> tuple[list[StreamReport], anchors.AnchorBook]:
    engine = create_db_engine(url)
    with session_scope(make_session_factory(engine), write=False) as session:
        book = anchors.load(session)
        reports = verify_log(log_dir, key_store_resolver(session), book=book)
    engine.dispose()
    return reports, book


def test_sigkill_with_anchors_verifies_and_deletion_is_caught(tmp_path: Path) -> None:
    data_dir, url = tmp_path / "var", f"sqlite:///{tmp_path / 'gw.db'}"
    migrate.upgrade(url)
    env = {
        **os.environ,
        "SPBE_DATA_DIR": str(data_dir),
        "SPBE_DATABASE_URL": url,
        "SPBE_ENV": "test",
        "SPBE_LOG_LEVEL": "WARNING",
        "SPBE_INTEROP_LOG_ANCHOR_SECONDS": "0.3",
        "SPBE_SECRET_KEY": "kill-test-secret",  # the key store (audit key) was filled with this secret
    }
    answered: list[str] = []

    async def main() -> None:
        async with running_backend() as backend:
            engine = create_db_engine(url)
            keys_service.use_secret(lambda: "kill-test-secret")
            with session_scope(make_session_factory(engine)) as session:
                key, _ = register(session, f"http://127.0.0.1:{backend.port}/api")
            engine.dispose()
            port = _free_port()
            gateway = subprocess.Popen(
                [SPBE, "interop", "gateway", "--port", str(port)],
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                await asyncio.to_thread(_wait_port, port, time.time() + 20)
                stop = asyncio.Event()
                load = asyncio.create_task(_load(port, key, answered, stop))
                await asyncio.sleep(2.0)
                os.killpg(gateway.pid, signal.SIGKILL)
                await asyncio.sleep(0.3)
                stop.set()
                await asyncio.wait_for(load, 10)
            finally:
                if gateway.poll() is None:
                    os.killpg(gateway.pid, signal.SIGKILL)
                gateway.wait(5)

    asyncio.run(main())
    log_dir = data_dir / "interop" / "msglog"
    reports, _book = _verify(url, log_dir)
    assert len(answered) > 100, "the load did not get going"
    [report] = reports
    assert report.ok, report.problems
    assert report.anchor is not None
    assert report.anchor.seq > 0
    assert not report.anchor.closed
    assert report.anchor_reached
    assert not set(answered) - _signed_ids(log_dir)
    shutil.rmtree(log_dir / report.stream)
    [deleted], _ = _verify(url, log_dir)
    assert not deleted.ok
    assert "stream is missing" in deleted.problems[0]
