"""Wiring: builds a gateway from settings and a database, as middleware in front of the platform's
FastAPI app (``GatewayMiddleware``) or as a stand-alone gateway node (``create_gateway_node``).

Components start lazily on the first data-plane request and stop on ASGI lifespan shutdown, so
importing or building the platform app has no side effects.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from spbe.core.config import Settings, get_settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.tokens import platform_issuer
from spbe.interop import demo_backend
from spbe.interop.auth import PlatformAuthenticator
from spbe.interop.denials import DenialRecorder
from spbe.interop.gateway import Gateway, GatewayParts
from spbe.interop.msglog.anchors import DatabaseAnchors
from spbe.interop.msglog.bodies import BodyCipher
from spbe.interop.msglog.signing import LogSigner, SignerHolder, active_signer, load_cached, save_cached
from spbe.interop.msglog.writer import MessageLogWriter, new_stream_id
from spbe.interop.refresher import DatabaseRefresher, SnapshotHolder
from spbe.interop.settings import GatewaySettings, LogMode, get_gateway_settings
from spbe.interop.tokens import GatewayTokens
from spbe.interop.upstream import UpstreamClient

DATA_PLANE_PREFIXES = ("/r1/", "/listClients", "/metrics")
logger = logging.getLogger("spbe.interop.node")


def key_dir(core: Settings) -> Path:
    """Legacy node-local message-log keys (segments signed before the key store was used)."""
    return core.data_dir / "interop" / "msglog-keys"


def signer_cache(core: Settings) -> Path:
    return core.data_dir / "interop" / "msglog-signer.json"


class GatewayNode:
    """The running components of one gateway worker."""

    def __init__(self, core: Settings, settings: GatewaySettings, session_factory: sessionmaker[Session]) -> None:
        self.core, self.settings, self.session_factory = core, settings, session_factory
        self.holder = SnapshotHolder()
        self.refresher = DatabaseRefresher(
            self.holder, session_factory, core.data_dir / "interop" / "config-cache.json", settings.refresh_seconds
        )
        self.denials = DenialRecorder(session_factory)
        self.gateway: Gateway | None = None
        self.signers: SignerHolder | None = None
        self._signer_task: asyncio.Task[None] | None = None
        self._cached_kid = ""

    async def start(self) -> Gateway:
        upstream = UpstreamClient(
            connect_timeout_s=self.settings.connect_timeout_ms / 1000,
            allow_loopback=not self.core.is_production,
            max_response_bytes=self.settings.max_message_bytes,
        )
        await upstream.start()
        await self.refresher.start(_in_thread)
        await self.denials.start(_in_thread)
        parts = GatewayParts(
            self.settings,
            self.holder,
            upstream,
            self._authenticator(),
            denials=self.denials,
        )
        if self.settings.log_mode is not LogMode.off:
            parts.log = await self._start_log()
        if self.settings.log_mode is LogMode.bodies:
            parts.cipher = BodyCipher(self.core.resolved_secret_key())
        self.gateway = Gateway(parts)
        return self.gateway

    def _authenticator(self) -> PlatformAuthenticator:
        """Platform CA certificates, IKD machine-client tokens, and API keys unless switched off."""
        settings = self.settings
        issuer = settings.token_issuer or platform_issuer(self.core)
        tokens = GatewayTokens(issuer, audience=settings.token_audience, scope=settings.token_scope)
        return PlatformAuthenticator(tokens, api_keys=settings.api_keys, trust_loopback=self._trust_loopback())

    def _trust_loopback(self) -> bool:
        return self.settings.trust_loopback and not self.core.is_production

    async def _start_log(self) -> MessageLogWriter:
        self.signers = SignerHolder(await _in_thread(self.load_signer))
        writer = MessageLogWriter(
            self.settings.resolved_log_dir(self.core.data_dir),
            new_stream_id(self.settings.node_id),
            self.signers,
            segment_bytes=self.settings.log_segment_bytes,
            segment_seconds=self.settings.log_segment_seconds,
            anchor=DatabaseAnchors(self.session_factory, self.settings.node_id),
            anchor_seconds=self.settings.log_anchor_seconds,
        )
        await writer.start()
        self._signer_task = asyncio.create_task(self._follow_rotation())
        return writer

    def load_signer(self, create: bool = True) -> LogSigner:
        """The key store's active message-log key (cached on disk); the cached one if the database is away."""
        secret = self.core.resolved_secret_key()
        try:
            with session_scope(self.session_factory, write=create) as session:
                signer = active_signer(session, create=create)
        except Exception:
            cached = load_cached(signer_cache(self.core), secret)
            if cached is None:
                raise
            logger.warning("key store unreachable: signing the message log with the cached key %s", cached.key_id)
            return cached
        if signer.key_id != self._cached_kid:
            save_cached(signer_cache(self.core), signer, secret)
            self._cached_kid = signer.key_id
        return signer

    async def _follow_rotation(self) -> None:
        """Pick up ``spbe keys rotate --purpose interop-msglog`` within a refresh interval."""
        while self.signers is not None:
            await asyncio.sleep(self.settings.refresh_seconds)
            try:
                signer = await _in_thread(lambda: self.load_signer(create=False))
            except Exception:
                logger.exception("could not refresh the message-log signing key")
                continue
            if self.signers.replace(signer):
                logger.info("message log now signed with key %s", signer.key_id)

    async def stop(self) -> None:
        if self._signer_task is not None:
            self._signer_task.cancel()
        await self.refresher.stop()
        await self.denials.stop()
        await _in_thread(self.denials.flush)
        if self.gateway is not None:
            await self.gateway.parts.upstream.close()
            if self.gateway.parts.log is not None:
                await self.gateway.parts.log.close()


def _in_thread(function: Any) -> Any:
    return asyncio.get_running_loop().run_in_executor(None, function)


class GatewayMiddleware:
    """Serves the data plane itself and passes every other request to ``app`` untouched."""

    def __init__(
        self,
        app: Any,
        *,
        core: Settings,
        session_factory: sessionmaker[Session],
        settings: GatewaySettings | None = None,
    ) -> None:
        self.app = app
        self.node = GatewayNode(core, settings or get_gateway_settings(), session_factory)
        self.demo = self.node.settings.demo_backend and not core.is_production
        self._gateway: Gateway | None = None
        self._starting = asyncio.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http" and scope["path"].startswith(DATA_PLANE_PREFIXES):
            gateway = self._gateway or await self._start()
            await gateway(scope, receive, send)
        elif kind == "http" and self.demo and scope["path"].startswith(demo_backend.PREFIX):
            await demo_backend.app(scope, receive, send)
        elif kind == "lifespan":
            await self.app(scope, receive, self._lifespan_send(send))
        else:
            await self.app(scope, receive, send)

    async def _start(self) -> Gateway:
        async with self._starting:
            if self._gateway is None:
                self._gateway = await self.node.start()
        return self._gateway

    def _lifespan_send(self, send: Any) -> Any:
        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.shutdown.complete" and self._gateway is not None:
                await self.node.stop()
            await send(message)

        return wrapped


async def _not_found(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            reply = {"lifespan.startup": "lifespan.startup.complete", "lifespan.shutdown": "lifespan.shutdown.complete"}
            await send({"type": reply[message["type"]]})
            if message["type"] == "lifespan.shutdown":
                return
    body = json.dumps({"status": "ok", "service": "splp-gateway"}).encode() if scope["path"] == "/healthz" else b""
    status = 200 if body else 404
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_gateway_node() -> GatewayMiddleware:
    """A stand-alone gateway worker (``spbe interop gateway``): data plane, demo back end, ``/healthz``."""
    core = get_settings()
    engine = create_db_engine(core.resolved_database_url)
    return GatewayMiddleware(_not_found, core=core, session_factory=make_session_factory(engine))
