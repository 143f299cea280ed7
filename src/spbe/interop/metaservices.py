"""Metaservices in X-Road's shapes (PR-META, PR-MREST): ``listClients`` (JSON, or XML on
``Accept: application/xml``), ``listMethods``, ``allowedMethods`` and ``getOpenAPI``."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

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
    """PR-META Annex C.1: members with their name; subsystems with the *member's* name as ``name`` and
    their own as ``subsystem_name``."""
    return json.dumps({"member": _client_entries(snapshot, instance)}).encode()


def list_clients_xml(snapshot: Snapshot, instance: str | None) -> bytes:
    """The same list in PR-META's XML form (``clientList``)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<ns2:clientList xmlns:ns1="http://x-road.eu/xsd/identifiers" xmlns:ns2="http://x-road.eu/xsd/xroad.xsd">',
    ]
    for entry in _client_entries(snapshot, instance):
        ident = entry["id"]
        lines.append(f'<ns2:member><ns2:id ns1:objectType="{ident["object_type"]}">')
        for key, tag in _XML_ID_TAGS:
            if key in ident:
                lines.append(f"<ns1:{tag}>{escape(ident[key])}</ns1:{tag}>")
        lines.append(f"</ns2:id><ns2:name>{escape(entry['name'])}</ns2:name>")
        if "subsystem_name" in entry:
            lines.append(f"<ns2:subsystemName>{escape(entry['subsystem_name'])}</ns2:subsystemName>")
        lines.append("</ns2:member>")
    lines.append("</ns2:clientList>")
    return "\n".join(lines).encode()


_XML_ID_TAGS = (
    ("xroad_instance", "xRoadInstance"),
    ("member_class", "memberClass"),
    ("member_code", "memberCode"),
    ("subsystem_code", "subsystemCode"),
)


def _client_entries(snapshot: Snapshot, instance: str | None) -> list[dict[str, Any]]:
    names = {m.id: m.name for m in snapshot.members}
    entries: list[dict[str, Any]] = [{"id": _id_json(m.id), "name": m.name} for m in snapshot.members]
    for client in snapshot.clients.values():
        member = ClientId(client.id.instance, client.id.member_class, client.id.member_code)
        entry = {"id": _id_json(client.id), "name": names.get(member, client.id.member_code)}
        entry["subsystem_name"] = client.name
        entries.append(entry)
    return [e for e in entries if instance in (None, e["id"]["xroad_instance"])]


def wants_xml(accept: bytes | None) -> bool:
    """``Accept`` names XML and not JSON (X-Road's default is XML; ours stays JSON for existing callers)."""
    if not accept:
        return False
    lowered = accept.lower()
    return (b"/xml" in lowered) and b"json" not in lowered


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


def get_openapi(snapshot: Snapshot, provider: ClientId, query: bytes) -> tuple[bytes, bytes]:
    """The stored description and its media type: ``application/json`` or ``text/yaml`` (PR-MREST §5)."""
    code = _service_code(query)
    document = snapshot.openapi.get(ServiceId(provider, code))
    if document is None:
        raise GatewayError(xe.UNKNOWN_SERVICE, f"no OpenAPI description for service {code}")
    is_json = document.lstrip().startswith(("{", "["))
    return document.encode(), (JSON_TYPE if is_json else YAML_TYPE)


JSON_TYPE = b"application/json;charset=utf-8"
YAML_TYPE = b"text/yaml;charset=utf-8"


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
