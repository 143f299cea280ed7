"""The configuration a gateway needs, as one plain JSON document: read from the database, cached on
disk (so a node restarts during a database outage) and turned into a ``Snapshot``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spbe.interop import repository
from spbe.interop.identifiers import ClientId, ServiceId
from spbe.interop.snapshot import (
    ClientEntry,
    EndpointDef,
    Grant,
    MemberEntry,
    QuotaDef,
    ServiceEntry,
    Snapshot,
    Upstream,
)

Document = dict[str, Any]


def read_document(session: Session) -> Document:
    """Everything in the interop tables, as plain data."""
    return {
        "version": repository.config_version(session),
        "members": [
            {
                "id": m.id,
                "instance": m.instance,
                "class": m.member_class,
                "code": m.member_code,
                "name": m.name,
                "province": m.province_code,
            }
            for m in repository.all_members(session)
        ],
        "subsystems": [
            {"id": s.id, "member_id": s.member_id, "code": s.code, "name": s.name}
            for s in repository.all_subsystems(session)
        ],
        "services": [
            {
                "id": s.id,
                "subsystem_id": s.subsystem_id,
                "code": s.code,
                "title": s.title,
                "base_url": s.base_url,
                "timeout_ms": s.timeout_ms,
                "enabled": s.enabled,
                "openapi": s.openapi,
            }
            for s in repository.all_services(session)
        ],
        "endpoints": [
            {"id": e.id, "service_id": e.service_id, "method": e.method, "path": e.path}
            for e in repository.all_endpoints(session)
        ],
        "grants": [
            {
                "service_id": g.service_id,
                "endpoint_id": g.endpoint_id,
                "subsystem_id": g.subject_subsystem_id,
                "group": g.subject_group,
            }
            for g in repository.all_grants(session)
        ],
        "quotas": [
            {
                "service_id": q.service_id,
                "subsystem_id": q.client_subsystem_id,
                "limit": q.limit,
                "window": q.window_seconds,
            }
            for q in repository.all_quotas(session)
        ],
        "keys": [
            {"subsystem_id": k.subsystem_id, "key_id": k.key_id, "sha256": k.secret_sha256}
            for k in repository.active_api_keys(session)
        ],
    }


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.members = {m["id"]: m for m in doc["members"]}
        self.subsystem_ids = {s["id"]: self._client_id(s) for s in doc["subsystems"]}
        self.endpoints = {e["id"]: EndpointDef(e["method"], e["path"]) for e in doc["endpoints"]}

    def _client_id(self, subsystem: dict[str, Any]) -> ClientId:
        m = self.members[subsystem["member_id"]]
        return ClientId(m["instance"], m["class"], m["code"], subsystem["code"])

    def clients(self) -> dict[ClientId, ClientEntry]:
        keys: dict[int, dict[str, str]] = {}
        for k in self.doc["keys"]:
            keys.setdefault(k["subsystem_id"], {})[k["key_id"]] = k["sha256"]
        out = {}
        for s in self.doc["subsystems"]:
            cid = self.subsystem_ids[s["id"]]
            province = self.members[s["member_id"]]["province"]
            out[cid] = ClientEntry(cid, s["name"], province, keys.get(s["id"], {}))
        return out

    def services(self) -> dict[ServiceId, ServiceEntry]:
        return {entry.id: entry for entry in (self._service(s) for s in self.doc["services"])}

    def _service(self, s: dict[str, Any]) -> ServiceEntry:
        sid = s["id"]
        grants = tuple(
            Grant(self.subsystem_ids.get(g["subsystem_id"]), g["group"], self.endpoints.get(g["endpoint_id"]))
            for g in self.doc["grants"]
            if g["service_id"] == sid
        )
        quotas = tuple(
            QuotaDef(self.subsystem_ids.get(q["subsystem_id"]), q["limit"], q["window"])
            for q in self.doc["quotas"]
            if q["service_id"] == sid
        )
        endpoints = tuple(EndpointDef(e["method"], e["path"]) for e in self.doc["endpoints"] if e["service_id"] == sid)
        return ServiceEntry(
            id=ServiceId(self.subsystem_ids[s["subsystem_id"]], s["code"]),
            title=s["title"],
            upstream=Upstream.parse(s["base_url"]),
            timeout_s=s["timeout_ms"] / 1000,
            enabled=s["enabled"],
            endpoints=endpoints,
            grants=grants,
            quotas=quotas,
            has_openapi=bool(s["openapi"]),
        )


def build_snapshot(doc: Document) -> Snapshot:
    """Index a configuration document for the data plane."""
    builder = _Builder(doc)
    services = builder.services()
    openapi = {
        ServiceId(builder.subsystem_ids[s["subsystem_id"]], s["code"]): s["openapi"]
        for s in doc["services"]
        if s["openapi"]
    }
    clients = builder.clients()
    members = tuple(MemberEntry(ClientId(m["instance"], m["class"], m["code"]), m["name"]) for m in doc["members"])
    key_index = {key_id: cid for cid, entry in clients.items() for key_id in entry.key_hashes}
    return Snapshot(doc["version"], members, clients, services, openapi, key_index)
