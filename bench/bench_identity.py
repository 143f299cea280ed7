"""Benchmark the IKD OpenID provider over real HTTP against ``spbe serve`` on SQLite.

1. Token endpoint throughput: client credentials with ``private_key_jwt`` (ES256), assertions signed
   before the clock starts (one unique ``jti`` each, so the replay cache does real work), 50 concurrent
   clients on aiohttp. Target ~1,550 req/s (panva's oidc-provider here), at the very least 500.
2. A whole login flow, sequentially, per resident: PAR → authorize → password → TOTP → consent →
   code exchange. Reported as p50/p95 of the summed server round trips (target p95 ≤ 100 ms).

Run: ``.venv/bin/python bench/bench_identity.py [--workers 2] [--requests 20000]``
(``make bench-identity``). A fresh database is built in a temporary folder each run; the server is
``spbe serve --workers N``. Besides req/s it reports the CPU time per token request of the server's
processes and of the load generator, which a shared machine's load barely changes (unlike req/s).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
from joserfc import jwt
from joserfc.jwk import ECKey

sys.path.insert(0, str(Path(__file__).resolve().parent))
from identity.setup import MACHINE_ID, PASSWORD, RP_ID, BenchResident, prepare

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CONCURRENCY = 50
STEPS: dict[str, list[float]] = {}
TOKEN_TARGET, TOKEN_FLOOR, LOGIN_P95_TARGET = 1550, 500, 100.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assertion(key: ECKey, client_id: str, audience: str) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + 110,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key, algorithms=["ES256"])


async def token_load(base: str, key: ECKey, total: int) -> tuple[float, int, list[float], float]:
    """Requests per second, failures, latencies, and the load generator's own CPU seconds while loading."""
    bodies = [
        {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion(key, MACHINE_ID, base),
        }
        for _ in range(total)
    ]
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    failures, latencies = 0, []
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal failures
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            async with http.post(f"{base}/oidc/token", data=body) as response:
                await response.read()
                failures += response.status != 200
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=connector) as http:
        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(http) for _ in range(CONCURRENCY)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return total / elapsed, failures, latencies, cpu


async def login_flows(base: str, key: ECKey, people: list[BenchResident]) -> list[float]:
    import pyotp

    timings = []
    for person in people:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            spent = await _one_login(http, base, key, person, pyotp.TOTP(person.seed).now())
            timings.append(spent * 1000)
    return timings


async def _timed(call: object) -> tuple[aiohttp.ClientResponse, float, bytes]:
    started = time.perf_counter()
    async with call as response:  # type: ignore[attr-defined]
        body = await response.read()
    return response, time.perf_counter() - started, body


async def _one_login(http: aiohttp.ClientSession, base: str, key: ECKey, person: BenchResident, code: str) -> float:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "https://bench.example.go.id/cb"
    par = {
        "client_id": RP_ID,
        "response_type": "code",
        "redirect_uri": redirect,
        "scope": "openid profile nik",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "s",
        "nonce": "n",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(key, RP_ID, base),
    }
    exchange_assertion = assertion(key, RP_ID, base)
    spent = 0.0
    response, took, body = await _timed(http.post(f"{base}/oidc/par", data=par))
    spent += took
    STEPS.setdefault("par", []).append(took)
    import json

    request_uri = json.loads(body)["request_uri"]
    response, took, _ = await _timed(
        http.get(
            f"{base}/oidc/authorize", params={"client_id": RP_ID, "request_uri": request_uri}, allow_redirects=False
        )
    )
    spent += took
    STEPS.setdefault("authorize", []).append(took)
    auth = parse_qs(urlsplit(response.headers["Location"]).query)["auth"][0]
    response, took, _ = await _timed(
        http.post(
            f"{base}/ikd/login",
            data={"identifier": person.nik, "password": PASSWORD, "auth": auth},
            allow_redirects=False,
        )
    )
    spent += took
    STEPS.setdefault("password", []).append(took)
    response, took, _ = await _timed(
        http.post(f"{base}/ikd/login/otp", data={"code": code, "auth": auth}, allow_redirects=False)
    )
    spent += took
    STEPS.setdefault("totp", []).append(took)
    response, took, _ = await _timed(
        http.post(f"{base}/ikd/consent", data={"decision": "allow", "auth": auth}, allow_redirects=False)
    )
    spent += took
    STEPS.setdefault("consent", []).append(took)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    token = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": redirect,
        "code_verifier": verifier,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": exchange_assertion,
    }
    response, took, body = await _timed(http.post(f"{base}/oidc/token", data=token))
    spent += took
    STEPS.setdefault("token", []).append(took)
    if response.status != 200 or b"id_token" not in body:
        raise RuntimeError(f"login flow failed: {body[:200]!r}")
    return spent


def _start_server(data_dir: Path, port: int, workers: int, base: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPBE_DATA_DIR": str(data_dir),
        "SPBE_PUBLIC_URL": base,
        "SPBE_LOG_LEVEL": "WARNING",
        "SPBE_IDENTITY_LOGIN_THROTTLE_LIMIT": "0",
    }  # every simulated resident comes from 127.0.0.1
    binary = Path(sys.executable).parent
    command = [str(binary / "spbe"), "serve", "--port", str(port), "--workers", str(workers)]
    log = (Path(tempfile.gettempdir()) / "spbe-bench-identity-server.log").open("wb")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603


async def _wait_ready(base: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


def _server_cpu_seconds(group: int) -> float:
    """User + system CPU time of every process of the server's process group (Linux /proc): a figure
    that, unlike req/s, barely moves with what else the shared machine is doing."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # field 5 of stat: the process group
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / tick


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def run(arguments: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="spbe-bench-identity-") as folder:
        data_dir, port = Path(folder), _free_port()
        base = f"http://127.0.0.1:{port}"
        key, people = prepare(data_dir, base, arguments.logins)
        server = _start_server(data_dir, port, arguments.workers, base)
        try:
            await _wait_ready(base)
            await token_load(base, key, 500)  # warm-up (every worker imports, caches keys)
            cpu_before = _server_cpu_seconds(server.pid)
            rate, failures, latencies, client_cpu = await token_load(base, key, arguments.requests)
            cpu_per_request = (_server_cpu_seconds(server.pid) - cpu_before) / arguments.requests * 1000
            client_cpu = client_cpu / arguments.requests * 1000
            logins = await login_flows(base, key, people)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    verdict = "OK (target)" if rate >= TOKEN_TARGET else ("OK (floor)" if rate >= TOKEN_FLOOR else "BELOW FLOOR")
    ms = [value * 1000 for value in latencies]
    setup = f"{CONCURRENCY} concurrent, {arguments.requests} requests, {arguments.workers} workers, SQLite"
    print(
        f"token endpoint: {rate:,.0f} req/s with private_key_jwt (client credentials, {setup}), {failures} failures; "
        f"latency p50 {_pct(ms, 50):.1f} ms, p95 {_pct(ms, 95):.1f} ms — {verdict}; "
        f"CPU per request: server {cpu_per_request:.2f} ms, load generator {client_cpu:.2f} ms"
    )
    login_verdict = "OK" if _pct(logins, 95) <= LOGIN_P95_TARGET else "SLOWER THAN TARGET"
    steps = ", ".join(f"{name} {statistics.median(values) * 1000:.1f}" for name, values in STEPS.items())
    print(
        f"login flow (PAR → authorize → password → TOTP → consent → token), {len(logins)} residents: "
        f"p50 {_pct(logins, 50):.1f} ms, p95 {_pct(logins, 95):.1f} ms (target p95 ≤ {LOGIN_P95_TARGET:.0f} ms) "
        f"— {login_verdict}; median per step (ms): {steps}"
    )
    print(f"(load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default: one per core)")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--logins", type=int, default=100)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
