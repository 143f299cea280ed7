"""The newcomer's path, for real: migrate, seed (twice), serve in a separate process, load pages.

This is what `make run` does after installing, on its own SQLite database in a temp folder (the
embedded default `make run` uses, whatever database the rest of the suite runs on).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SPBE = str(Path(sys.executable).parent / "spbe")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SPBE, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def platform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("newcomer")
    env = {**os.environ, "SPBE_DATA_DIR": str(data_dir), "SPBE_LOG_FORMAT": "json"}
    env.pop("SPBE_DATABASE_URL", None)
    return env


@pytest.fixture(scope="module")
def seeded(platform_env: dict[str, str]) -> dict[str, str]:
    upgrade = _run(platform_env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    first = _run(platform_env, "demo", "seed")
    assert first.returncode == 0, first.stdout + first.stderr
    return platform_env


def test_seeding_again_changes_nothing(seeded: dict[str, str]) -> None:
    again = _run(seeded, "demo", "seed")
    assert again.returncode == 0, again.stderr
    assert "already" in again.stdout or "0 new" in again.stdout, again.stdout


@pytest.fixture(scope="module")
def server(seeded: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [SPBE, "serve", "--port", str(port)], env=seeded, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_ready(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"spbe serve exited: {process.stderr.read() if process.stderr else ''}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("spbe serve did not become ready within 30 s")


def test_served_platform_answers(server: str) -> None:
    assert httpx.get(f"{server}/readyz").json()["status"] == "ready"
    home = httpx.get(f"{server}/", headers={"Accept": "text/html"})
    assert home.status_code == 200
    assert 'lang="id"' in home.text
    provinces = httpx.get(f"{server}/api/v1/wilayah/provinces").json()
    assert len(provinces) == 38 or provinces.get("total") == 38


def test_serve_rejects_an_unknown_module(platform_env: dict[str, str]) -> None:
    result = _run(platform_env, "serve", "--only", "payroll")
    assert result.returncode == 2
    assert "--only must be one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_environment_value_is_named(platform_env: dict[str, str]) -> None:
    result = _run({**platform_env, "SPBE_LOG_LEVEL": "LOUD"}, "db", "current")
    assert result.returncode == 2
    assert "SPBE_LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr
