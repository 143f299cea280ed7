# ruff: noqa: S603
"""Drive the SPLP benchmark (see README.md): one stand-in back end, three paths, wrk at 50 connections.

Usage: bench/interop/run.sh [--duration 10] [--connections 50] [--gateway-workers 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
HERE = Path(__file__).resolve().parent
SERVICE = "ID/GOV/BENCH/API/data"
CLIENT = "ID/PEMDA/KOTA-32.73/MPP"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def spbe(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "spbe"), *args], env=env, capture_output=True, text=True, check=True)
    return result.stdout


def prepare(env: dict[str, str], backend_port: int) -> str:
    spbe(env, "db", "upgrade")
    spbe(env, "interop", "member-add", "ID/GOV/BENCH", "--name", "Bench provider")
    spbe(env, "interop", "member-add", "ID/PEMDA/KOTA-32.73", "--name", "Kota Bandung", "--province", "32")
    spbe(env, "interop", "subsystem-add", "ID/GOV/BENCH/API", "--name", "Bench API")
    spbe(env, "interop", "subsystem-add", CLIENT, "--name", "MPP")
    spbe(env, "interop", "service-add", SERVICE, "--url", f"http://127.0.0.1:{backend_port}/api")
    spbe(env, "interop", "grant", SERVICE, "--group", "class:PEMDA")
    out = spbe(env, "interop", "key", "issue", CLIENT)
    return re.search(r"splp_[0-9a-f]+_[0-9a-f]+", out).group(0)  # type: ignore[union-attr]


def wrk(url: str, seconds: int, connections: int, headers: list[str]) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "errors": float(
            sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?timeout) (\d+)", out))
        ),
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def run_gateway(env: dict[str, str], mode: str, workers: int, work: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    genv = {
        **env,
        "SPBE_INTEROP_LOG_MODE": mode,
        "SPBE_INTEROP_QUOTA_WORKERS": str(workers),
        "SPBE_LOG_LEVEL": "WARNING",
    }
    cmd = [str(BIN / "spbe"), "interop", "gateway", "--port", str(port), "--workers", str(workers)]
    process = start(cmd, genv, work / f"gateway-{mode}.log")
    wait_port(port)
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--gateway-workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y wrk nginx-light")
    work = Path(tempfile.mkdtemp(prefix="splp-bench-"))
    env = {**os.environ, "SPBE_DATA_DIR": str(work / "var"), "SPBE_ENV": "development", "SPBE_LOG_FORMAT": "json"}
    env.pop("SPBE_DATABASE_URL", None)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        results = bench(env, work, options, processes)
    finally:
        for process in processes:
            if process.poll() is None:
                stop(process)
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(results, options)


def bench(
    env: dict[str, str], work: Path, options: argparse.Namespace, processes: list[subprocess.Popen[bytes]]
) -> dict[str, dict[str, float]]:
    backend_port, nginx_port = free_port(), free_port()
    backend = start(
        [
            str(BIN / "uvicorn"),
            "backend:app",
            "--port",
            str(backend_port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
            "--app-dir",
            str(HERE),
        ],
        env,
        work / "backend.log",
    )
    processes.append(backend)
    wait_port(backend_port)
    key = prepare(env, backend_port)
    conf = (HERE / "nginx.conf.tmpl").read_text().replace("{dir}", str(work))
    conf = conf.replace("{backend_port}", str(backend_port)).replace("{port}", str(nginx_port))
    (work / "nginx.conf").write_text(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    processes.append(start([nginx, "-c", str(work / "nginx.conf"), "-g", "daemon off;"], env, work / "nginx.log"))
    wait_port(nginx_port)
    results = {}
    seconds, connections = options.duration, options.connections
    results["direct"] = wrk(f"http://127.0.0.1:{backend_port}/api/x", seconds, connections, [])
    results["nginx"] = wrk(f"http://127.0.0.1:{nginx_port}/api/x", seconds, connections, [])
    headers = [f"X-Road-Client: {CLIENT}", f"X-SPLP-Api-Key: {key}"]
    for mode in ("off", "metadata", "bodies"):
        gateway, port = run_gateway(env, mode, options.gateway_workers, work)
        processes.append(gateway)
        wrk(f"http://127.0.0.1:{port}/r1/{SERVICE}/x", 2, connections, headers)  # warm-up
        results[f"gateway log={mode}"] = wrk(f"http://127.0.0.1:{port}/r1/{SERVICE}/x", seconds, connections, headers)
        stop(gateway)
    verify = subprocess.run([str(BIN / "spbe"), "interop", "log", "verify"], env=env, capture_output=True, text=True)
    print(verify.stdout.strip().splitlines()[-1] if verify.stdout else verify.stderr)
    return results


def report(results: dict[str, dict[str, float]], options: argparse.Namespace) -> None:
    print(
        f"\nwrk -t2 -c{options.connections} -d{options.duration}s, 1 KB JSON, {os.cpu_count()} CPUs, "
        f"gateway workers={options.gateway_workers}"
    )
    print(f"{'path':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, r in results.items():
        print(f"{name:<24}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['errors']:>8.0f}")
    nginx = results["nginx"]["rps"]
    for name, r in results.items():
        if name.startswith("gateway"):
            print(f"ratio {name} / nginx = {r['rps'] / nginx:.2f}")


if __name__ == "__main__":
    main()
