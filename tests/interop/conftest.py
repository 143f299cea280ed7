"""Fixtures for the gateway: a real back end on 127.0.0.1 (aiohttp.web), configuration registered through
the service layer in the test's rolled-back transaction, and the raw ASGI gateway driven by httpx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy.orm import Session

from spbe.core.keys import service as keys_service
from spbe.interop import service as interop
from spbe.interop.auth import ApiKeyAuthenticator
from spbe.interop.config_document import build_snapshot, read_document
from spbe.interop.denials import DenialRecorder
from spbe.interop.gateway import Gateway, GatewayParts
from spbe.interop.identifiers import ClientId, ServiceId
from spbe.interop.msglog.signing import SignerHolder, active_signer
from spbe.interop.msglog.writer import MessageLogWriter
from spbe.interop.refresher import SnapshotHolder
from spbe.interop.settings import GatewaySettings
from spbe.interop.upstream import UpstreamClient

PROVIDER = ClientId("ID", "GOV", "KEMENDAGRI", "DUKCAPIL")
CONSUMER = ClientId("ID", "PEMDA", "KOTA-32.73", "MPP")
OTHER = ClientId("ID", "PEMDA", "KAB-35.07", "MPP")
SERVICE = ServiceId(PROVIDER, "penduduk")


@dataclass
class Backend:
    port: int = 0
    seen: list[dict[str, Any]] = field(default_factory=list)


async def _handle(request: web.Request, backend: Backend) -> web.StreamResponse:
    body = await request.read()
    backend.seen.append(
        {"method": request.method, "path_qs": request.raw_path, "headers": dict(request.headers), "body": body}
    )
    if request.path.endswith("/slow"):
        await asyncio.sleep(3)
    if request.path.endswith("/redirect"):
        return web.Response(status=302, headers={"Location": "http://127.0.0.1:1/elsewhere"})
    if request.path.endswith("/missing"):
        return web.json_response({"error": "no such resident"}, status=404, headers={"X-Provider": "yes"})
    return web.json_response(
        {"ok": True, "path": request.raw_path}, headers={"X-Powered-By": "demo", "X-Road-Request-Hash": "forged"}
    )


@asynccontextmanager
async def running_backend() -> AsyncIterator[Backend]:
    backend = Backend()
    app = web.Application()

    async def handler(request: web.Request) -> web.StreamResponse:
        return await _handle(request, backend)

    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    backend.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield backend
    finally:
        await runner.cleanup()


@dataclass
class Env:
    session: Session
    api_key: str
    other_key: str
    log_dir: Path
    key_dir: Path


def register(session: Session, backend_url: str, timeout_ms: int = 1000) -> tuple[str, str]:
    interop.register_member(session, ClientId("ID", "GOV", "KEMENDAGRI"), "Kemendagri")
    interop.register_member(session, ClientId("ID", "PEMDA", "KOTA-32.73"), "Kota Bandung", province_code="32")
    interop.register_member(session, ClientId("ID", "PEMDA", "KAB-35.07"), "Kab. Malang", province_code="35")
    for client in (PROVIDER, CONSUMER, OTHER):
        interop.register_subsystem(session, client, client.subsystem or "")
    openapi = json.dumps({"openapi": "3.0.3", "paths": {"/penduduk/{nik}": {"get": {}}}})
    spec = interop.ServiceSpec("Population", backend_url, timeout_ms=timeout_ms, openapi=openapi)
    interop.register_service(session, SERVICE, spec, actor="test")
    interop.grant(session, SERVICE, interop.Subject(group="province:32"), actor="test")
    interop.grant(session, SERVICE, interop.Subject(subsystem=OTHER), actor="test", endpoint=("GET", "/penduduk/*"))
    return (interop.issue_api_key(session, CONSUMER, actor="test"), interop.issue_api_key(session, OTHER, actor="test"))


@pytest.fixture
def env(db_session: Session, tmp_path: Path, settings: Any) -> Env:
    keys_service.use_secret(settings.resolved_secret_key)
    return Env(db_session, "", "", tmp_path / "msglog", tmp_path / "keys")


Scenario = Callable[[httpx.AsyncClient, Backend, Gateway], Awaitable[None]]


def run_gateway(env: Env, scenario: Scenario, *, timeout_ms: int = 1000, log: bool = True, **overrides: Any) -> None:
    """Start a back end, register it, build a gateway on a fresh snapshot and run ``scenario``."""

    async def main() -> None:
        async with running_backend() as backend:
            env.api_key, env.other_key = register(env.session, f"http://127.0.0.1:{backend.port}/api", timeout_ms)
            settings = GatewaySettings(**{"max_message_bytes": 4096, **overrides})
            upstream = UpstreamClient(connect_timeout_s=1, max_response_bytes=settings.max_message_bytes)
            await upstream.start()
            writer = None
            if log:
                signers = SignerHolder(active_signer(env.session))
                writer = MessageLogWriter(env.log_dir, "test-stream", signers)
                await writer.start()
            holder = SnapshotHolder(build_snapshot(read_document(env.session)))
            parts = GatewayParts(
                settings, holder, upstream, ApiKeyAuthenticator(), log=writer, denials=DenialRecorder(None)
            )
            gateway = Gateway(parts)
            transport = httpx.ASGITransport(app=gateway)
            try:
                async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                    await scenario(client, backend, gateway)
            finally:
                await upstream.close()
                if writer is not None:
                    await writer.close()

    asyncio.run(main())


def headers(env: Env, client: ClientId = CONSUMER, **extra: str) -> dict[str, str]:
    key = env.api_key if client == CONSUMER else env.other_key
    return {"X-Road-Client": str(client), "X-SPLP-Api-Key": key, **extra}
