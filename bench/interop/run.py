# ruff: noqa: S603
"""Drive the SPLP benchmark (see README.md): one stand-in back end, three paths, wrk at 50 connections.

Usage: bench/interop/run.sh [--duration 10] [--connections 50] [--gateway-workers 1,2]
                            [--server own,uvicorn] [--modes off,metadata,bodies] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
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
BENCH_OPENAPI = {  # the gateway registers no service without its OpenAPI document
    "openapi": "3.0.3",
    "info": {"title": "Bench data", "version": "1"},
    "paths": {"/x": {"get": {"responses": {"200": {"description": "1 KB of JSON"}}}}},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 60) -> None:
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
    openapi = Path(env["SPBE_DATA_DIR"]).parent / "bench-openapi.json"
    openapi.write_text(json.dumps(BENCH_OPENAPI))
    spbe(
        env,
        "interop",
        "service-add",
        SERVICE,
        "--url",
        f"http://127.0.0.1:{backend_port}/api",
        "--openapi",
        str(openapi),
    )
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


def run_gateway(
    env: dict[str, str], mode: str, workers: int, work: Path, server: str
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    genv = {
        **env,
        "SPBE_INTEROP_LOG_MODE": mode,
        "SPBE_INTEROP_QUOTA_WORKERS": str(workers),
        "SPBE_LOG_LEVEL": "WARNING",
    }
    cmd = [str(BIN / "spbe"), "interop", "gateway", "--port", str(port), "--workers", str(workers)]
    if server != "default":  # "default": the CLI's own default (to measure older trees)
        cmd += ["--server", server]
    process = start(cmd, genv, work / f"gateway-{server}-{mode}-{workers}.log")
    wait_port(port)
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--gateway-workers", default="1,2", help="comma-separated worker counts to measure")
    parser.add_argument("--server", default="own", help="comma-separated: own (default), uvicorn")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over all paths; medians are reported")
    parser.add_argument("--modes", default="off,metadata,bodies")
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
        for process in processes[2:]:
            stop(process)  # gateways: close their message-log streams before verifying
        _verify(env)
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
    paths: dict[str, tuple[str, list[str], int]] = {
        "direct": (f"http://127.0.0.1:{backend_port}/api/x", [], backend.pid),
        "nginx": (f"http://127.0.0.1:{nginx_port}/api/x", [], processes[-1].pid),
    }
    paths.update(start_gateways(env, work, options, processes, key))
    return measure(paths, options)


def start_gateways(
    env: dict[str, str], work: Path, options: argparse.Namespace, processes: list[subprocess.Popen[bytes]], key: str
) -> dict[str, tuple[str, list[str], int]]:
    """Every gateway variant runs at once (idle ones cost nothing), so rounds can alternate between them."""
    headers = [f"X-Road-Client: {CLIENT}", f"X-SPLP-Api-Key: {key}"]
    paths = {}
    for server in options.server.split(","):
        for workers in (int(w) for w in options.gateway_workers.split(",")):
            for mode in options.modes.split(","):
                gateway, port = run_gateway(env, mode, workers, work, server)
                processes.append(gateway)
                url = f"http://127.0.0.1:{port}/r1/{SERVICE}/x"
                paths[f"{server} w={workers} log={mode}"] = (url, headers, gateway.pid)
    return paths


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc."""
    ticks, parents = os.sysconf("SC_CLK_TCK"), {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)], parents[int(entry.name)] = fields, int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(int(stats[pid][11]) + int(stats[pid][12]) for pid in tree if pid in stats) / ticks


def measure(paths: dict[str, tuple[str, list[str], int]], options: argparse.Namespace) -> dict[str, dict[str, float]]:
    """``--repeat`` rounds over all paths (round robin, so load from elsewhere hits all alike); medians.
    ``cpu_us`` is the CPU time the proxy (nginx, gateway) spent per request: robust on a busy machine."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
    for _ in range(options.repeat):
        for name, (url, headers, pid) in paths.items():
            wrk(url, 1, options.connections, headers)  # warm-up (connections, caches)
            before = cpu_seconds(pid)
            result = wrk(url, options.duration, options.connections, headers)
            result["cpu_us"] = (cpu_seconds(pid) - before) / (result["rps"] * options.duration) * 1e6
            runs[name].append(result)
    return {name: {k: statistics.median(r[k] for r in results) for k in results[0]} for name, results in runs.items()}


def _verify(env: dict[str, str]) -> None:
    verify = subprocess.run([str(BIN / "spbe"), "interop", "log", "verify"], env=env, capture_output=True, text=True)
    print(verify.stdout.strip().splitlines()[-1] if verify.stdout else verify.stderr)


def report(results: dict[str, dict[str, float]], options: argparse.Namespace) -> None:
    print(
        f"\nwrk -t2 -c{options.connections} -d{options.duration}s, 1 KB JSON, {os.cpu_count()} CPUs, "
        f"median of {options.repeat} round(s)"
    )
    print(f"{'path':<24}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'/nginx':>7}{'CPU µs/req':>11}")
    nginx = results["nginx"]["rps"]
    for name, r in results.items():
        ratio = f"{r['rps'] / nginx:.2f}" if name not in ("direct", "nginx") else ""
        print(
            f"{name:<24}{r['rps']:>8.0f}{r['p50']:>8.2f}{r['p99']:>8.2f}{r['errors']:>7.0f}{ratio:>7}{r['cpu_us']:>11.0f}"
        )
    print("CPU µs/req: the server process tree only (direct: the back end; nginx: nginx; else the gateway)")


if __name__ == "__main__":
    main()
