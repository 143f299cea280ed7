"""Metaservices in the shapes of PR-META (listClients, Annex C.1) and PR-MREST (listMethods,
allowedMethods, getOpenAPI, Annex B), with the X-Road headers, and recorded like every other call."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx

from spbe.interop import xroad_errors as xe
from spbe.interop.gateway import Gateway
from spbe.interop.msglog.signing import key_store_resolver
from spbe.interop.msglog.verify import verify_log
from tests.interop.conftest import CONSUMER, OTHER, PROVIDER, SERVICE, Backend, Env, headers, run_gateway

META = f"/r1/{PROVIDER}"
SERVICE_FIELDS = {
    "object_type",
    "xroad_instance",
    "member_class",
    "member_code",
    "subsystem_code",
    "service_code",
    "service_type",
    "endpoint_list",
}


def log_records(log_dir: Path) -> list[dict[str, Any]]:
    """Every ``R <hash> {json}`` record of every segment, in order."""
    records = []
    for segment in sorted(log_dir.glob("*/*.seg")):
        for line in segment.read_bytes().splitlines():
            if line.startswith(b"R "):
                records.append(json.loads(line.split(b" ", 2)[2]))
    return records


def _ours(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    codes = {"KEMENDAGRI", "KOTA-32.73", "KAB-35.07"}
    return [e for e in entries if e["id"]["member_code"] in codes]


def test_list_clients_json_matches_pr_meta(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        response = await client.get("/listClients")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        entries = _ours(response.json()["member"])
        member = next(e for e in entries if e["id"]["object_type"] == "MEMBER" and e["name"] == "Kemendagri")
        assert member == {
            "id": {
                "object_type": "MEMBER",
                "xroad_instance": "ID",
                "member_class": "GOV",
                "member_code": "KEMENDAGRI",
            },
            "name": "Kemendagri",
        }
        subsystem = next(e for e in entries if e["id"].get("subsystem_code") == "DUKCAPIL")
        assert subsystem == {
            "id": {
                "object_type": "SUBSYSTEM",
                "xroad_instance": "ID",
                "member_class": "GOV",
                "member_code": "KEMENDAGRI",
                "subsystem_code": "DUKCAPIL",
            },
            "name": "Kemendagri",  # the member's name, as in PR-META Annex C.1
            "subsystem_name": "DUKCAPIL",
        }
        assert len([e for e in entries if e["id"]["object_type"] == "SUBSYSTEM"]) == 3
        other = await client.get("/listClients?xRoadInstance=EE")
        assert _ours(other.json()["member"]) == []

    run_gateway(env, scenario)


def test_list_clients_xml_on_request(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        response = await client.get("/listClients", headers={"Accept": "application/xml"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/xml")
        root = ET.fromstring(response.content)
        ns = {"x": "http://x-road.eu/xsd/xroad.xsd", "id": "http://x-road.eu/xsd/identifiers"}
        assert root.tag == "{http://x-road.eu/xsd/xroad.xsd}clientList"
        for member in root.findall("x:member", ns):
            if member.findtext("x:id/id:subsystemCode", namespaces=ns) == "MPP" and (
                member.findtext("x:id/id:memberCode", namespaces=ns) == "KOTA-32.73"
            ):
                assert member.find("x:id", ns).get("{http://x-road.eu/xsd/identifiers}objectType") == "SUBSYSTEM"  # type: ignore[union-attr]
                assert member.findtext("x:name", namespaces=ns) == "Kota Bandung"
                assert member.findtext("x:subsystemName", namespaces=ns) == "MPP"
                break
        else:
            raise AssertionError("subsystem KOTA-32.73/MPP missing")

    run_gateway(env, scenario)


def _assert_meta_headers(response: httpx.Response, name: str, caller: Any = CONSUMER) -> None:
    assert response.headers["x-road-service"] == f"{PROVIDER}/{name}"
    assert response.headers["x-road-client"] == str(caller)
    assert response.headers["x-road-id"]


def test_list_methods_matches_pr_mrest(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        response = await client.get(f"{META}/listMethods", headers=headers(env))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        _assert_meta_headers(response, "listMethods")
        [service] = response.json()["service"]
        assert set(service) == SERVICE_FIELDS
        assert service == {
            "object_type": "SERVICE",
            "xroad_instance": "ID",
            "member_class": "GOV",
            "member_code": "KEMENDAGRI",
            "subsystem_code": "DUKCAPIL",
            "service_code": "penduduk",
            "service_type": "OPENAPI",
            "endpoint_list": [{"method": "GET", "path": "/penduduk/*"}],
        }

    run_gateway(env, scenario)


def test_allowed_methods_lists_only_what_the_caller_may_call(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        whole = await client.get(f"{META}/allowedMethods", headers=headers(env))
        assert whole.status_code == 200, whole.text
        _assert_meta_headers(whole, "allowedMethods")
        [service] = whole.json()["service"]
        assert set(service) == SERVICE_FIELDS
        assert service["endpoint_list"] == [{"method": "GET", "path": "/penduduk/*"}]
        narrow = await client.get(f"{META}/allowedMethods", headers=headers(env, OTHER))
        _assert_meta_headers(narrow, "allowedMethods", OTHER)
        assert [s["endpoint_list"] for s in narrow.json()["service"]] == [[{"method": "GET", "path": "/penduduk/*"}]]

    run_gateway(env, scenario)


def test_get_openapi_json_yaml_and_errors(env: Env) -> None:
    yaml_doc = "openapi: 3.0.3\npaths:\n  /x:\n    get: {}\n"

    async def scenario(client: httpx.AsyncClient, _: Backend, gateway: Gateway) -> None:
        response = await client.get(f"{META}/getOpenAPI?serviceCode=penduduk", headers=headers(env))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        _assert_meta_headers(response, "getOpenAPI")
        assert response.json()["openapi"] == "3.0.3"
        holder = gateway.parts.holder
        holder.replace(dataclasses.replace(holder.current, openapi={SERVICE: yaml_doc}))
        yaml = await client.get(f"{META}/getOpenAPI?serviceCode=penduduk", headers=headers(env))
        assert yaml.headers["content-type"].startswith("text/yaml")
        assert yaml.text == yaml_doc
        missing = await client.get(f"{META}/getOpenAPI", headers=headers(env))
        assert (missing.status_code, missing.headers["x-road-error"]) == (400, xe.BAD_REQUEST)
        unknown = await client.get(f"{META}/getOpenAPI?serviceCode=nope", headers=headers(env))
        assert (unknown.status_code, unknown.headers["x-road-error"]) == (500, xe.UNKNOWN_SERVICE)

    run_gateway(env, scenario)


def test_metaservice_calls_are_logged_and_counted(env: Env) -> None:
    ids: dict[str, str] = {}

    async def scenario(client: httpx.AsyncClient, _: Backend, gateway: Gateway) -> None:
        for name in ("listMethods", "allowedMethods", "getOpenAPI?serviceCode=penduduk"):
            response = await client.get(f"{META}/{name}", headers=headers(env))
            ids[name.split("?")[0]] = response.headers["x-road-id"]
        refused = await client.get(f"{META}/listMethods", headers={"X-Road-Client": str(CONSUMER)})
        assert refused.headers["x-road-error"] == xe.AUTH_FAILED
        ids["refused"] = refused.headers["x-road-id"]
        metrics = (await client.get("/metrics")).text
        assert f'service="{PROVIDER}/listMethods",status="200"}} 1' in metrics
        assert f'service="{PROVIDER}/listMethods",status="400"}} 1' in metrics
        assert f'service="{PROVIDER}/getOpenAPI",status="200"}} 1' in metrics

    run_gateway(env, scenario)
    records = {r["id"]: r for r in log_records(env.log_dir)}
    for name in ("listMethods", "allowedMethods", "getOpenAPI"):
        record = records[ids[name]]
        assert record["service"] == f"{PROVIDER}/{name}"
        assert record["client"] == str(CONSUMER)
        assert record["restResponseStatusCode"] == 200
        assert record["succeeded"] is True
    assert records[ids["refused"]]["faultCode"] == xe.AUTH_FAILED
    [report] = verify_log(env.log_dir, key_store_resolver(env.session))
    assert report.ok
    assert report.signed_records == 4
