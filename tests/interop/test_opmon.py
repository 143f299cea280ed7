"""Operational-monitoring fields in message-log records, per-service health data, and metrics labels
that a caller cannot grow."""

from __future__ import annotations

import json

import httpx

from spbe.interop import xroad_errors as xe
from spbe.interop.exchange import RawRequest
from spbe.interop.gateway import Gateway
from spbe.interop.msglog.signing import key_store_resolver
from spbe.interop.msglog.verify import verify_log
from tests.interop.conftest import CONSUMER, PROVIDER, SERVICE, Backend, Env, headers, run_gateway
from tests.interop.test_metaservices import log_records

URL = f"/r1/{SERVICE}"
NIK = "3273010101900001"


def test_records_carry_x_road_opmon_fields(env: Env) -> None:
    ids: dict[str, str] = {}

    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        ok = await client.get(f"{URL}/penduduk/1", headers={**headers(env), "X-Road-UserId": f"ID{NIK}"})
        ids["ok"] = ok.headers["x-road-id"]
        denied = await client.get(f"{URL}/penduduk/1", headers={"X-Road-Client": str(CONSUMER)})
        ids["auth"] = denied.headers["x-road-id"]
        unknown = await client.get(f"/r1/{PROVIDER}/nope/x", headers=headers(env))
        ids["unknown"] = unknown.headers["x-road-id"]

    run_gateway(env, scenario)
    records = {r["id"]: r for r in log_records(env.log_dir)}
    ok = records[ids["ok"]]
    assert ok["restResponseStatusCode"] == 200
    assert "statusCode" not in ok
    assert ok["serviceType"] == "REST"
    assert ok["securityServerType"] == "Producer"
    assert ok["faultCode"] is None
    assert ok["faultString"] is None
    assert ok["messageUserId"].startswith("ID")
    assert NIK not in ok["messageUserId"]
    auth = records[ids["auth"]]
    assert (auth["restResponseStatusCode"], auth["faultCode"]) == (400, xe.AUTH_FAILED)
    assert auth["faultString"]
    assert auth["securityServerType"] == "Client"
    assert auth["messageUserId"] is None
    unknown = records[ids["unknown"]]
    assert unknown["faultCode"] == xe.UNKNOWN_SERVICE
    assert "nope" in unknown["faultString"]
    assert unknown["securityServerType"] == "Producer"


def test_records_of_the_old_shape_still_verify(env: Env) -> None:
    """Records written before the opmon rename (``statusCode``) sit in the same chain and verify."""

    async def scenario(client: httpx.AsyncClient, _: Backend, gateway: Gateway) -> None:
        assert gateway.parts.log is not None
        old = {"id": "old-1", "statusCode": 200, "succeeded": True, "faultCode": None}
        await gateway.parts.log.append(json.dumps(old, separators=(",", ":")).encode())
        await client.get(f"{URL}/penduduk/1", headers=headers(env))

    run_gateway(env, scenario)
    [report] = verify_log(env.log_dir, key_store_resolver(env.session))
    assert report.ok
    assert report.signed_records == 2
    assert [("statusCode" in r, "restResponseStatusCode" in r) for r in log_records(env.log_dir)] == [
        (True, False),
        (False, True),
    ]


def test_health_endpoint_reports_per_service_figures(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        empty = await client.get("/metrics/health")
        assert empty.status_code == 200
        assert empty.json()["services"] == []
        for _attempt in range(2):
            await client.get(f"{URL}/penduduk/1", headers=headers(env))
        await client.get(f"{URL}/missing", headers=headers(env))  # the provider's 404 is still a success
        await client.get(f"{URL}/penduduk/1", headers={"X-Road-Client": str(CONSUMER)})  # refused
        health = await client.get("/metrics/health")
        assert health.headers["content-type"].startswith("application/json")
        body = health.json()
        assert body["configVersion"] >= 1
        assert body["worker"] > 0
        by_name = {s["service"]: s for s in body["services"]}
        service = by_name[str(SERVICE)]
        assert (service["successfulRequestCount"], service["unsuccessfulRequestCount"]) == (3, 0)
        assert 0 <= service["requestMinDuration"] <= service["requestAverageDuration"] <= service["requestMaxDuration"]
        assert by_name["-"]["unsuccessfulRequestCount"] == 1  # refused before the service was known

    run_gateway(env, scenario)


def test_metrics_labels_only_name_registered_services(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, gateway: Gateway) -> None:
        for index in range(20):
            await client.get(f"/r1/{PROVIDER}/nope{index}/x", headers=headers(env))
            await client.get(f"/r1/ID/GOV/NOBODY{index}/SUB/svc", headers=headers(env))
        await client.get(f"{URL}/penduduk/1", headers=headers(env))
        metrics = (await client.get("/metrics")).text
        assert "nope" not in metrics
        assert "NOBODY" not in metrics
        assert set(gateway.metrics.services) == {"-", str(SERVICE)}
        assert 'service="-",status="500"} 40' in metrics
        assert f'service="{SERVICE}",status="200"}} 1' in metrics

    run_gateway(env, scenario)


def test_the_nodes_own_server_entry_serves_health_and_xml(env: Env) -> None:
    """``handle_raw`` (the stand-alone node's HTTP server) answers the same local paths."""

    async def scenario(_: httpx.AsyncClient, __: Backend, gateway: Gateway) -> None:
        health = await gateway.handle_raw(RawRequest("GET", "/metrics/health", b"", [], "127.0.0.1"))
        assert health is not None
        assert json.loads(health.body)["services"] == []
        accept = [(b"accept", b"application/xml")]
        clients = await gateway.handle_raw(RawRequest("GET", "/listClients", b"", accept, "127.0.0.1"))
        assert clients is not None
        assert clients.body.startswith(b"<?xml")

    run_gateway(env, scenario)
