"""The SPLP data plane: a raw ASGI app serving ``/r1/…``, ``/listClients``, ``/metrics`` and
``/metrics/health`` without
FastAPI routing or dependency injection, falling through to the wrapped app for every other path.

Order of work per call: parse and validate → authenticate → resolve the service → access rights →
quota → read the body → call the registered back end → write the message-log record and wait until it
is durable (group commit) → answer. The message log is written for refused calls and for metaservice
calls (``listMethods``, ``allowedMethods``, ``getOpenAPI``) too; every ``/r1/…`` call is also counted in
``/metrics``, under its service's name when the service is registered and ``-`` otherwise (a caller cannot
grow the label set).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from spbe.core.logging import mask_nik
from spbe.interop import exchange as ex
from spbe.interop import metaservices
from spbe.interop import xroad_errors as xe
from spbe.interop.auth import CallerAuthenticator
from spbe.interop.denials import DenialRecorder
from spbe.interop.http_headers import response_headers
from spbe.interop.identifiers import InvalidIdentifier, ServiceId, parse_subsystem_path
from spbe.interop.metrics import Metrics
from spbe.interop.msglog.bodies import BodyCipher
from spbe.interop.msglog.writer import MessageLogWriter
from spbe.interop.quota import QuotaTracker
from spbe.interop.refresher import SnapshotHolder
from spbe.interop.settings import GatewaySettings
from spbe.interop.upstream import UpstreamClient, UpstreamResponse
from spbe.interop.xroad_errors import GatewayError

ASGIApp = Any
Scope = dict[str, Any]
JSON = b"application/json;charset=utf-8"
LOCAL_PATHS = frozenset({"/listClients", "/metrics", "/metrics/health"})
UNKNOWN_LABEL = "-"


@dataclass
class Reply:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    fault: str | None = None
    fault_string: str | None = None


@dataclass
class GatewayParts:
    """Everything a gateway uses; built by ``node.py`` (production) or by tests."""

    settings: GatewaySettings
    holder: SnapshotHolder
    upstream: UpstreamClient
    authenticator: CallerAuthenticator
    log: MessageLogWriter | None = None
    cipher: BodyCipher | None = None
    denials: DenialRecorder | None = None


class Gateway:
    def __init__(self, parts: GatewayParts, fallthrough: ASGIApp | None = None) -> None:
        self.parts = parts
        self.settings = parts.settings
        self.fallthrough = fallthrough
        self.quotas = QuotaTracker(parts.settings.quota_workers)
        self.metrics = Metrics()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """ASGI entry (the platform app's middleware and the tests)."""
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith("/r1/"):
                await self._send(send, await self.handle(ex.start(scope, receive)))
                return
            if path in LOCAL_PATHS:
                accept = _header(scope["headers"], b"accept")
                await self._send(send, self.local(path, scope.get("query_string", b""), accept))
                return
        if self.fallthrough is not None:
            await self.fallthrough(scope, receive, send)
            return
        await self._send(send, Reply(404, [(b"content-type", b"text/plain")], b"not found\n"))

    async def handle_raw(self, request: ex.RawRequest) -> Reply | None:
        """Entry for the node's own HTTP server; ``None`` for paths that are not the data plane's."""
        if request.raw_path.startswith("/r1/"):
            return await self.handle(ex.start_raw(request))
        if request.raw_path in LOCAL_PATHS:
            return self.local(request.raw_path, request.query, _header(request.headers, b"accept"))
        return None

    def local(self, path: str, query: bytes, accept: bytes | None = None) -> Reply:
        if path == "/listClients":
            return self._list_clients(query, accept)
        return self._health() if path == "/metrics/health" else self._metrics()

    async def handle(self, exchange: ex.Exchange) -> Reply:
        """One ``/r1/…`` call (a service or a metaservice), logged durably before the reply is returned."""
        try:
            reply = None
            if exchange.method == "GET" and exchange.raw_path.rsplit("/", 1)[-1] in metaservices.META_NAMES:
                reply = self._maybe_metaservice(exchange)
            if reply is None:
                reply = await self._forward(exchange)
        except GatewayError as error:
            reply = _error_reply(error, exchange)
            self._note_denial(exchange)
        except Exception:  # never crash the worker: answer as X-Road does for internal errors
            reply = _error_reply(GatewayError(xe.INTERNAL_ERROR, "internal error"), exchange)
        reply = await self._log(exchange, reply)
        self._observe(exchange, reply)
        return reply

    async def _forward(self, exchange: ex.Exchange) -> Reply:
        snapshot = self.parts.holder.current
        ex.check_uri(exchange, self.settings.max_uri_length)
        client = ex.identify_client(exchange, snapshot)
        ex.authenticate(exchange, snapshot, self.parts.authenticator)
        service = ex.resolve_service(exchange, snapshot)
        ex.authorize(exchange, service, client)
        ex.apply_quota(exchange, service, self.quotas)
        await ex.read_body(exchange, self.settings.max_message_bytes)
        headers = ex.upstream_headers(exchange)
        upstream = service.upstream
        target = upstream.target_for(exchange.service_path, exchange.query)
        exchange.request_out = time.time()
        response = await self.parts.upstream.call(
            upstream, exchange.method, target, headers, exchange.body, service.timeout_s
        )
        exchange.response_in = time.time()
        return self._provider_reply(exchange, response)

    def _provider_reply(self, exchange: ex.Exchange, response: UpstreamResponse) -> Reply:
        headers = response_headers(response.headers)
        headers += _xroad_headers(exchange)
        headers.append((b"x-road-request-hash", exchange.request_hash.encode()))
        return Reply(response.status, headers, response.body)

    def _maybe_metaservice(self, exchange: ex.Exchange) -> Reply | None:
        """A metaservice of a registered provider subsystem, or ``None`` to route the call normally.

        Raises ``GatewayError`` like ``_forward`` so refused metaservice calls are logged the same way."""
        try:
            provider, name = parse_subsystem_path(exchange.raw_path)
        except InvalidIdentifier:
            return None
        snapshot = self.parts.holder.current
        if not any(s.id.provider == provider for s in snapshot.services.values()) and provider not in snapshot.clients:
            return None  # a service that happens to be named like a metaservice? let normal routing answer
        exchange.service = ServiceId(provider, name)
        exchange.service_known = True
        ex.check_uri(exchange, self.settings.max_uri_length)
        caller = ex.identify_client(exchange, snapshot)
        ex.authenticate(exchange, snapshot, self.parts.authenticator)
        if name == "getOpenAPI":
            body, content_type = metaservices.get_openapi(snapshot, provider, exchange.query)
        elif name == "listMethods":
            body, content_type = metaservices.list_methods(snapshot, provider), JSON
        else:
            body, content_type = metaservices.allowed_methods(snapshot, provider, caller), JSON
        return Reply(200, [(b"content-type", content_type), *_xroad_headers(exchange)], body)

    def _list_clients(self, query: bytes, accept: bytes | None) -> Reply:
        instance = metaservices.query_param(query, "xRoadInstance")
        snapshot = self.parts.holder.current
        if metaservices.wants_xml(accept):
            xml = metaservices.list_clients_xml(snapshot, instance)
            return Reply(200, [(b"content-type", b"text/xml;charset=utf-8")], xml)
        return Reply(200, [(b"content-type", JSON)], metaservices.list_clients(snapshot, instance))

    def _health(self) -> Reply:
        """X-Road style per-service health data of this worker (opmon ``getSecurityServerHealthData``)."""
        body = {
            "worker": os.getpid(),
            "configVersion": self.parts.holder.current.version,
            "services": self.metrics.health(),
        }
        return Reply(200, [(b"content-type", JSON)], json.dumps(body).encode())

    def _metrics(self) -> Reply:
        holder = self.parts.holder
        self.metrics.gauges["splp_config_version"] = holder.current.version
        self.metrics.gauges["splp_config_age_seconds"] = round(time.time() - holder.loaded_at, 1)
        if self.parts.log is not None:
            self.metrics.gauges["splp_msglog_records_total"] = self.parts.log.records
            self.metrics.gauges["splp_msglog_batches_total"] = self.parts.log.batches
        return Reply(200, [(b"content-type", b"text/plain; version=0.0.4")], self.metrics.render())

    def _note_denial(self, exchange: ex.Exchange) -> None:
        if exchange.denial and self.parts.denials is not None:
            self.parts.denials.record(
                str(exchange.client), str(exchange.service or exchange.raw_path[:200]), exchange.denial
            )

    async def _log(self, exchange: ex.Exchange, reply: Reply) -> Reply:
        log = self.parts.log
        if log is None:
            return reply
        try:
            await log.append(self._record(exchange, reply))
        except Exception:
            error = GatewayError(xe.MESSAGE_LOG_ERROR, "the message could not be logged durably")
            return _error_reply(error, exchange)
        return reply

    def _record(self, exchange: ex.Exchange, reply: Reply) -> bytes:
        now = time.time()
        record: dict[str, Any] = {
            "id": exchange.message_id,
            "xRequestId": exchange.request_id,
            "node": self.settings.node_id,
            "client": str(exchange.client) if exchange.client else None,
            "service": str(exchange.service) if exchange.service else None,
            "restMethod": exchange.method,
            "restPath": mask_nik(exchange.service_path),
            "requestInTs": _ms(exchange.request_in),
            "requestOutTs": _ms(exchange.request_out),
            "responseInTs": _ms(exchange.response_in),
            "responseOutTs": _ms(now),
            "requestSize": len(exchange.body),
            "responseSize": len(reply.body),
            "restResponseStatusCode": reply.status,
            "succeeded": reply.fault is None,
            "faultCode": reply.fault,
            "faultString": reply.fault_string,
            "messageUserId": _user_id(exchange),
            "serviceType": "REST",
            "securityServerType": _server_type(reply.fault),
            "requestHash": exchange.request_hash,
            "responseBodySha256": ex.body_digest(reply.body),
        }
        if self.parts.cipher is not None:
            record["requestBody"] = self.parts.cipher.seal(exchange.body, exchange.message_id)
            record["responseBody"] = self.parts.cipher.seal(reply.body, exchange.message_id)
        return json.dumps(record, separators=(",", ":")).encode()

    def _observe(self, exchange: ex.Exchange, reply: Reply) -> None:
        name = str(exchange.service) if exchange.service_known else UNKNOWN_LABEL
        self.metrics.observe(name, reply.status, reply.fault is None, time.time() - exchange.request_in)

    @staticmethod
    async def _send(send: Any, reply: Reply) -> None:
        headers = [*reply.headers, (b"content-length", str(len(reply.body)).encode())]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _server_type(fault: str | None) -> str:
    """X-Road's ``securityServerType``: one gateway plays both roles, so a record is the producer side's
    unless the call was refused on the client side (``Client.*``, ``Server.ClientProxy.*``)."""
    if fault is None or fault.startswith("Server.ServerProxy."):
        return "Producer"
    return "Client"


def _user_id(exchange: ex.Exchange) -> str | None:
    """``X-Road-UserId`` as the opmon ``messageUserId`` (any NIK in it masked, at most 255 characters)."""
    given = exchange.headers.user_id
    return mask_nik(given.decode("latin-1")[:255]) if given else None


def _xroad_headers(exchange: ex.Exchange) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-road-id", exchange.message_id.encode("latin-1")),
        (b"x-road-request-id", exchange.request_id.encode()),
    ]
    if exchange.client is not None:
        headers.append((b"x-road-client", exchange.client.encoded))
    if exchange.service is not None:
        headers.append((b"x-road-service", exchange.service.encoded))
    return headers


def _error_reply(error: GatewayError, exchange: ex.Exchange | None = None) -> Reply:
    headers = error.headers() + (_xroad_headers(exchange) if exchange is not None else [])
    return Reply(error.status, headers, error.body(), fault=error.error_type, fault_string=error.message)


def _ms(seconds: float) -> int | None:
    return int(seconds * 1000) if seconds else None


async def run_blocking(function: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, function)
