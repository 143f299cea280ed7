"""Access requests: a consumer asks, the provider approves (a real grant the gateway honours after its
refresh) or rejects with a reason; duplicates, strangers and decided requests are refused and audited."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.interop.auth import ApiKeyAuthenticator
from spbe.interop.config_document import build_snapshot, read_document
from spbe.interop.denials import DenialRecorder
from spbe.interop.gateway import Gateway, GatewayParts
from spbe.interop.identifiers import ClientId, ServiceId
from spbe.interop.refresher import SnapshotHolder
from spbe.interop.settings import GatewaySettings
from spbe.interop.upstream import UpstreamClient
from tests.interop import onboarding_support
from tests.interop.conftest import running_backend
from tests.interop.onboarding_support import (
    Auth,
    audit_actions,
    onboard_consumer,
    onboard_provider,
)

auth = onboarding_support.auth  # the fixture

API = "/api/v1/interop/access-requests"
VAKSIN = "ID/GOV/KEMENKES/SATUSEHAT/vaksin"
MPP = "ID/PEMDA/KOTA-32.73/MPP"


def _request(http: TestClient, auth: Auth, who: str = "op.bandung", **body: Any) -> httpx.Response:
    payload = {"service": VAKSIN, "client": MPP, "purpose": "Cek riwayat vaksin pemohon layanan MPP", **body}
    return http.post(API, json=payload, headers=auth(who))


def _setup(client: TestClient, auth: Auth) -> None:
    onboard_provider(client, auth)
    onboard_consumer(client, auth)


def test_request_then_approve_creates_the_grant(client: TestClient, auth: Auth, db_session: Session) -> None:
    _setup(client, auth)
    created = _request(client, auth, endpoints=["get /riwayat/*"])
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "requested"
    assert created.json()["endpoints"] == ["GET /riwayat/*"]
    request_id = created.json()["id"]
    inbox = client.get(API, params={"direction": "incoming"}, headers=auth("op.kemenkes")).json()
    assert [r["id"] for r in inbox] == [request_id]
    assert client.get(API, params={"direction": "incoming"}, headers=auth("op.bandung")).json() == []
    approved = client.post(f"{API}/{request_id}/approve", headers=auth("op.kemenkes"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "op.kemenkes"
    entry = build_snapshot(read_document(db_session)).services[
        ServiceId(ClientId("ID", "GOV", "KEMENKES", "SATUSEHAT"), "vaksin")
    ]
    consumer = build_snapshot(read_document(db_session)).clients[ClientId("ID", "PEMDA", "KOTA-32.73", "MPP")]
    assert entry.allowed(consumer, "GET", "/riwayat/3273")
    assert not entry.allowed(consumer, "POST", "/sertifikat")  # only what was asked for
    mine = client.get(f"{API}/{request_id}", headers=auth("op.bandung")).json()
    assert mine["status"] == "approved"
    grants = client.get("/api/v1/interop/grants", headers=auth("op.bandung")).json()
    assert [(g["service"], g["endpoint"], g["direction"]) for g in grants] == [(VAKSIN, "GET /riwayat/*", "held")]
    actions = [a for _, a, o in audit_actions(db_session) if o == "success"]
    assert actions[-3:] == ["interop.access_request.create", "interop.access.grant", "interop.access_request.approve"]


def test_reject_needs_a_reason_and_the_requester_sees_it(client: TestClient, auth: Auth, db_session: Session) -> None:
    _setup(client, auth)
    request_id = _request(client, auth).json()["id"]
    no_reason = client.post(f"{API}/{request_id}/reject", json={"reason": "  "}, headers=auth("op.kemenkes"))
    assert no_reason.status_code == 422
    rejected = client.post(
        f"{API}/{request_id}/reject", json={"reason": "Tujuan belum jelas"}, headers=auth("op.kemenkes")
    )
    assert rejected.json()["status"] == "rejected"
    mine = client.get(API, params={"direction": "outgoing"}, headers=auth("op.bandung")).json()
    assert [(r["status"], r["reason"]) for r in mine] == [("rejected", "Tujuan belum jelas")]
    assert client.get("/api/v1/interop/grants", headers=auth("op.bandung")).json() == []
    # decided is final; a new request may be filed
    assert client.post(f"{API}/{request_id}/approve", headers=auth("op.kemenkes")).status_code == 409
    assert _request(client, auth).status_code == 201


def test_duplicate_open_requests_are_refused(client: TestClient, auth: Auth) -> None:
    _setup(client, auth)
    first = _request(client, auth)
    second = _request(client, auth, endpoints=["POST /sertifikat"])
    assert second.status_code == 409
    assert f"request {first.json()['id']}" in second.json()["detail"]
    withdrawn = client.post(f"{API}/{first.json()['id']}/withdraw", headers=auth("op.bandung"))
    assert withdrawn.json()["status"] == "withdrawn"
    assert _request(client, auth).status_code == 201


def test_only_the_provider_decides_and_only_the_consumer_asks(
    client: TestClient, auth: Auth, db_session: Session
) -> None:
    _setup(client, auth)
    stranger = _request(client, auth, who="op.bogor")  # Bogor may not ask on behalf of Bandung's MPP
    assert stranger.status_code == 403
    request_id = _request(client, auth).json()["id"]
    assert client.post(f"{API}/{request_id}/approve", headers=auth("op.bandung")).status_code == 403  # self-approval
    assert client.post(f"{API}/{request_id}/approve", headers=auth("op.bogor")).status_code == 403
    assert client.post(f"{API}/{request_id}/withdraw", headers=auth("op.kemenkes")).status_code == 403
    assert client.get(f"{API}/{request_id}", headers=auth("op.bogor")).status_code == 404
    assert client.get(f"{API}/{request_id}", headers=auth("op.bandung")).json()["status"] == "requested"
    denied = [(actor, action) for actor, action, outcome in audit_actions(db_session) if outcome == "denied"]
    assert denied == [
        ("op.bogor", "interop.access_request.create"),
        ("op.bandung", "interop.access_request.approve"),
        ("op.bogor", "interop.access_request.approve"),
        ("op.kemenkes", "interop.access_request.withdraw"),
    ]
    assert client.post(f"{API}/{request_id}/approve", headers=auth("koordinator")).json()["status"] == "approved"


def test_bad_requests_are_named(client: TestClient, auth: Auth) -> None:
    _setup(client, auth)
    cases = [
        ({"endpoints": ["DELETE /riwayat/*"]}, 422, "is not an endpoint of this service"),
        ({"service": "ID/GOV/KEMENKES/SATUSEHAT/tidakada"}, 404, "no published service"),
        ({"service": "bukan identifier"}, 422, "INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE"),
        ({"client": "ID/PEMDA/KOTA-32.73"}, 422, "subsystem"),
        ({"purpose": "   "}, 422, "purpose"),
    ]
    for body, status, words in cases:
        response = _request(client, auth, **body)
        assert response.status_code == status, (body, response.text)
        assert words in response.text, (body, response.text)


def test_unpublished_services_cannot_be_requested(client: TestClient, auth: Auth) -> None:
    service = onboard_provider(client, auth)
    onboard_consumer(client, auth)
    client.post(f"/api/v1/interop/services/{service['id']}/unpublish", headers=auth("op.kemenkes"))
    assert _request(client, auth).status_code == 404


def test_the_gateway_lets_the_call_through_after_approval(client: TestClient, auth: Auth, db_session: Session) -> None:
    """The whole path: API onboarding, key, request, approval, and a real call through the gateway."""

    async def main() -> None:
        async with running_backend() as backend:
            onboard_provider(client, auth, backend_url=f"http://127.0.0.1:{backend.port}/api")
            consumer = onboard_consumer(client, auth)
            issued = client.post(
                f"/api/v1/interop/subsystems/{consumer['id']}/credentials",
                json={"kind": "api_key"},
                headers=auth("op.bandung"),
            ).json()
            holder = SnapshotHolder(build_snapshot(read_document(db_session)))
            upstream = UpstreamClient(connect_timeout_s=1, max_response_bytes=4096)
            await upstream.start()
            parts = GatewayParts(
                GatewaySettings(), holder, upstream, ApiKeyAuthenticator(), log=None, denials=DenialRecorder(None)
            )
            headers = {"X-Road-Client": MPP, "X-SPLP-Api-Key": issued["secret"]}
            url = f"/r1/{VAKSIN}/riwayat/3273014101900009"
            try:
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=Gateway(parts)), base_url="http://gw"
                ) as gw:
                    before = await gw.get(url, headers=headers)
                    assert before.status_code == 500
                    assert before.headers["x-road-error"] == "Server.ServerProxy.AccessDenied"
                    request_id = _request(client, auth, endpoints=["GET /riwayat/*"]).json()["id"]
                    client.post(f"{API}/{request_id}/approve", headers=auth("op.kemenkes"))
                    holder.replace(build_snapshot(read_document(db_session)))  # what the refresher does
                    after = await gw.get(url, headers=headers)
                    assert after.status_code == 200, after.text
                    assert backend.seen[-1]["path_qs"] == "/api/riwayat/3273014101900009"
            finally:
                await upstream.close()

    asyncio.run(main())


def test_the_provider_revokes_an_approved_right(client: TestClient, auth: Auth, db_session: Session) -> None:
    _setup(client, auth)
    request_id = _request(client, auth).json()["id"]
    client.post(f"{API}/{request_id}/approve", headers=auth("op.kemenkes"))
    grants = client.get("/api/v1/interop/grants", headers=auth("op.kemenkes")).json()
    assert [(g["subject"], g["endpoint"], g["direction"]) for g in grants] == [(MPP, "*", "provided")]
    grant_id = grants[0]["id"]
    assert client.delete(f"/api/v1/interop/grants/{grant_id}", headers=auth("op.bandung")).status_code == 403
    assert client.delete(f"/api/v1/interop/grants/{grant_id}", headers=auth("op.kemenkes")).status_code == 204
    assert client.get("/api/v1/interop/grants", headers=auth("op.bandung")).json() == []
    assert client.delete(f"/api/v1/interop/grants/{grant_id}", headers=auth("op.kemenkes")).status_code == 404
    outcomes = [(a, o) for _, a, o in audit_actions(db_session)][-2:]
    assert outcomes == [("interop.access.revoke", "denied"), ("interop.access.revoke", "success")]
