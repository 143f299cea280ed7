"""Metaservices in X-Road's JSON shapes (PR-MREST): ``listClients``, ``listMethods``, ``allowedMethods``
and ``getOpenAPI``."""

from __future__ import annotations

import json
from typing import Any

from spbe.interop import xroad_errors as xe
from spbe.interop.identifiers import ClientId, ServiceId, decode_part
from spbe.interop.snapshot import ClientEntry, EndpointDef, ServiceEntry, Snapshot
from spbe.interop.xroad_errors import GatewayError

META_NAMES = frozenset({"listMethods", "allowedMethods", "getOpenAPI"})


def _id_json(client: ClientId) -> dict[str, Any]:
    data: dict[str, Any] = {
        "object_type": client.object_type,
        "xroad_instance": client.instance,
        "member_class": client.member_class,
        "member_code": client.member_code,
    }
    if client.subsystem is not None:
        data["subsystem_code"] = client.subsystem
    return data


def list_clients(snapshot: Snapshot, instance: str | None) -> bytes:
    members = [{"id": _id_json(m.id), "name": m.name} for m in snapshot.members]
    subsystems = [{"id": _id_json(c.id), "name": c.name} for c in snapshot.clients.values()]
    entries = [e for e in members + subsystems if instance in (None, e["id"]["xroad_instance"])]  # type: ignore[index]
    return json.dumps({"member": entries}).encode()


def _service_json(service: ServiceEntry, endpoints: list[EndpointDef]) -> dict[str, Any]:
    data = _id_json(service.id.provider)
    data.update(
        object_type="SERVICE",
        service_code=service.id.service_code,
        service_type="OPENAPI" if service.has_openapi else "REST",
        endpoint_list=[{"method": e.method, "path": e.path} for e in endpoints],
    )
    return data


def list_methods(snapshot: Snapshot, provider: ClientId) -> bytes:
    services = [_service_json(s, list(s.endpoints)) for s in snapshot.services_of(provider) if s.enabled]
    return json.dumps({"service": services}).encode()


def allowed_methods(snapshot: Snapshot, provider: ClientId, caller: ClientEntry) -> bytes:
    services = []
    for service in snapshot.services_of(provider):
        allowed = service.allowed_endpoints(caller) if service.enabled else []
        if allowed:
            services.append(_service_json(service, allowed))
    return json.dumps({"service": services}).encode()


def get_openapi(snapshot: Snapshot, provider: ClientId, query: bytes) -> bytes:
    code = _service_code(query)
    document = snapshot.openapi.get(ServiceId(provider, code))
    if document is None:
        raise GatewayError(xe.UNKNOWN_SERVICE, f"no OpenAPI description for service {code}")
    return document.encode()


def _service_code(query: bytes) -> str:
    for pair in query.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if name == "serviceCode" and value:
            return decode_part(value)
    raise GatewayError(xe.BAD_REQUEST, "getOpenAPI needs ?serviceCode=")


def query_param(query: bytes, name: str) -> str | None:
    for pair in query.decode("latin-1").split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return value
    return None
