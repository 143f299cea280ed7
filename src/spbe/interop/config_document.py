"""The configuration a gateway needs, as one plain JSON document: read from the database, cached on
disk (so a node restarts during a database outage) and turned into a ``Snapshot``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.core.keys import crypto
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.interop import repository
from spbe.interop import trust_repository as trust_repo
from spbe.interop.identifiers import ClientId, ServiceId
from spbe.interop.snapshot import (
    ClientEntry,
    EndpointDef,
    Grant,
    MemberEntry,
    QuotaDef,
    ServiceEntry,
    Snapshot,
    TrustEntries,
    Upstream,
)

Document = dict[str, Any]
TOKEN_KEY_PURPOSES = (Purpose.oidc,)  # access tokens of IKD machine clients are signed with the oidc key


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
        **read_trust(session),
        "token_keys": read_token_keys(session),
    }


def read_trust(session: Session) -> Document:
    """Client certificates (valid and revoked) and linked OAuth clients, by subsystem id."""
    now = utcnow()
    return {
        "certificates": [
            {"fingerprint": c.fingerprint_sha256, "subsystem_id": c.subsystem_id}
            for c in trust_repo.valid_client_certificates(session, now)
        ],
        "revoked_certificates": list(trust_repo.revoked_client_fingerprints(session, now)),
        "oauth_clients": [
            {"client_id": o.client_id, "subsystem_id": o.subsystem_id} for o in trust_repo.linked_clients(session)
        ],
    }


def read_token_keys(session: Session) -> list[dict[str, Any]]:
    """The published (active, next, recently retired) public keys that sign IKD access tokens."""
    return [dict(row.public_jwk) for row in keys.published_keys(session, TOKEN_KEY_PURPOSES)]


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

    def trust(self) -> TrustEntries:
        """Documents cached before caller trust existed have none of these keys: no certificates, no links."""
        ids = self.subsystem_ids
        return TrustEntries(
            certificates={c["fingerprint"]: ids[c["subsystem_id"]] for c in self.doc.get("certificates", [])},
            revoked=frozenset(self.doc.get("revoked_certificates", [])),
            oauth_clients={o["client_id"]: ids[o["subsystem_id"]] for o in self.doc.get("oauth_clients", [])},
            token_keys=token_key_index(self.doc.get("token_keys", [])),
        )

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
    trust = builder.trust()
    return Snapshot(doc["version"], members, clients, services, openapi, key_index, trust)


def token_key_index(jwks: list[dict[str, Any]]) -> dict[str, crypto.KeyMaterial]:
    """kid -> verifying key; a key the platform cannot parse is left out (its tokens are refused)."""
    index = {}
    for jwk in jwks:
        try:
            index[str(jwk["kid"])] = crypto.public_material(jwk)
        except (KeyError, ValueError, TypeError):
            continue
    return index
