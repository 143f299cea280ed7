"""Reliability: SIGKILL the gateway under load; every 2xx the client saw must be in a signed, durable
log record, and every chain must still verify (a crash may leave only an unacknowledged, unsigned tail)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from spbe.core import migrate
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.keys import service as keys_service
from spbe.interop.msglog.signing import key_store_resolver
from spbe.interop.msglog.verify import verify_log
from tests.interop.conftest import CONSUMER, SERVICE, running_backend

pytestmark = pytest.mark.slow
SPBE = str(Path(sys.executable).with_name("spbe"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _signed_ids(log_dir: Path) -> set[str]:
    """X-Road-Ids of records covered by a batch signature."""
    signed: set[str] = set()
    for segment in log_dir.glob("*/*.seg"):
        pending: list[str] = []
        for line in segment.read_bytes().splitlines():
            if line.startswith(b"R "):
                pending.append(json.loads(line[67:])["id"])
            elif line.startswith(b"S "):
                signed.update(pending)
                pending = []
    return signed


async def _load(port: int, key: str, answered: list[str], stop: asyncio.Event) -> None:
    headers = {"X-Road-Client": str(CONSUMER), "X-SPLP-Api-Key": key}
    url = f"http://127.0.0.1:{port}/r1/{SERVICE}/penduduk/1"

    async def worker(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            try:
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    if 200 <= response.status < 300:
                        answered.append(response.headers["X-Road-Id"])
            except (aiohttp.ClientError, TimeoutError):
                await asyncio.sleep(0.01)

    timeout = aiohttp.ClientTimeout(total=3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(20)))


def _wait_port(port: int, deadline: float) -> None:
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("gateway did not start")


def test_sigkill_under_load_loses_no_acknowledged_record(tmp_path: Path) -> None:
    from tests.interop.conftest import register

    data_dir, url = tmp_path / "var", f"sqlite:///{tmp_path / 'gw.db'}"
    migrate.upgrade(url)
    env = {
        **os.environ,
        "SPBE_DATA_DIR": str(data_dir),
        "SPBE_DATABASE_URL": url,
        "SPBE_ENV": "test",
        "SPBE_LOG_LEVEL": "WARNING",
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
                await asyncio.sleep(1.5)
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
    engine = create_db_engine(url)
    with session_scope(make_session_factory(engine), write=False) as session:
        reports = verify_log(log_dir, key_store_resolver(session))
    engine.dispose()
    assert len(answered) > 100, "the load did not get going"
    assert reports
    assert all(r.ok for r in reports), [r.problems for r in reports]
    missing = set(answered) - _signed_ids(log_dir)
    assert not missing, f"{len(missing)} acknowledged requests have no signed record"
    print(
        f"kill test: {len(answered)} acknowledged, {sum(r.signed_records for r in reports)} signed, "
        f"unsigned tail {sum(r.unsigned_tail for r in reports)}"
    )
