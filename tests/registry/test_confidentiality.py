"""What a reader may see: confidential application fields (GET, history, pages, browser session), staff of
another agency, restricted data sets (terbatas / rahasia), typed catalogue bodies (422, never 500)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from spbe.core.security import SESSION_COOKIE
from tests.registry.conftest import COORDINATOR, OTHER_STAFF, STAFF, auth

API = "/api/v1/registry"
SECRET_URL = "https://internal.bandung.go.id"
APP = {
    "code": "KOTA-32.73-SIPAKAR",
    "name": "Sistem Pelayanan Kartu Keluarga",
    "agency_code": "KOTA-32.73",
    "service_area": "administrasi",
    "url": SECRET_URL,
    "technology": "Java Spring",
    "hosting": "PDN",
}


def _create_app(api: TestClient) -> None:
    assert api.post(f"{API}/applications", json=APP, headers=auth(STAFF)).status_code == 201
    patch = {"version": 1, "technology": "Go Fiber", "url": "https://intranet.bandung.go.id"}
    assert api.patch(f"{API}/applications/{APP['code']}", json=patch, headers=auth(STAFF)).status_code == 200


def _leaks(history: list[dict[str, Any]]) -> set[str]:
    found = set()
    for entry in history:
        for side in (entry["data"]["before"], entry["data"]["after"]):
            for name in ("url", "technology", "hosting"):
                if side and side.get(name):
                    found.add(name)
    return found


def test_history_hides_confidential_fields_from_anonymous_readers(api: TestClient) -> None:
    _create_app(api)
    history = api.get(f"{API}/applications/{APP['code']}/history").json()
    assert [entry["action"] for entry in history] == ["create", "update"]
    assert _leaks(history) == set()
    assert "Java" not in str(history)
    assert "intranet" not in str(history)


def test_history_shows_them_to_the_owner_and_the_coordinator(api: TestClient) -> None:
    _create_app(api)
    for principal in (STAFF, COORDINATOR):
        history = api.get(f"{API}/applications/{APP['code']}/history", headers=auth(principal)).json()
        assert _leaks(history) == {"url", "technology", "hosting"}
        assert history[1]["data"]["after"]["technology"] == "Go Fiber"


def test_history_of_a_deleted_application_stays_redacted(api: TestClient) -> None:
    _create_app(api)
    assert api.delete(f"{API}/applications/{APP['code']}", headers=auth(STAFF)).status_code == 204
    history = api.get(f"{API}/applications/{APP['code']}/history").json()
    assert history[-1]["action"] == "delete"
    assert _leaks(history) == set()


def test_public_application_history_keeps_its_public_url(api: TestClient) -> None:
    body = {**APP, "code": "KOTA-32.73-PUBLIK", "service_area": "publik", "url": "https://layanan.bandung.go.id"}
    api.post(f"{API}/applications", json=body, headers=auth(STAFF))
    [created] = api.get(f"{API}/applications/{body['code']}/history").json()
    assert created["data"]["after"]["url"] == "https://layanan.bandung.go.id"
    assert created["data"]["after"]["technology"] is None


def test_staff_of_another_agency_do_not_read_confidential_fields(api: TestClient) -> None:
    _create_app(api)
    other = api.get(f"{API}/applications/{APP['code']}", headers=auth(OTHER_STAFF)).json()
    assert (other["url"], other["technology"], other["hosting"]) == (None, None, None)
    history = api.get(f"{API}/applications/{APP['code']}/history", headers=auth(OTHER_STAFF)).json()
    assert _leaks(history) == set()
    found = api.get(f"{API}/applications", params={"q": "kartu keluarga"}, headers=auth(OTHER_STAFF)).json()
    assert found["items"][0]["technology"] is None


def test_browser_session_counts_as_the_reader(api: TestClient) -> None:
    _create_app(api)
    api.cookies.set(SESSION_COOKIE, STAFF.subject)
    try:
        signed_in = api.get(f"{API}/applications/{APP['code']}").json()
        page = api.get(f"/registry/applications/{APP['code']}").text
    finally:
        api.cookies.clear()
    assert signed_in["technology"] == "Go Fiber"
    assert "intranet.bandung.go.id" in page
    assert "intranet.bandung.go.id" not in api.get(f"/registry/applications/{APP['code']}").text


def test_a_bad_session_cookie_reads_as_anonymous_and_a_bad_bearer_is_401(api: TestClient) -> None:
    _create_app(api)
    api.cookies.set(SESSION_COOKIE, "forged")
    try:
        assert api.get(f"{API}/applications/{APP['code']}").json()["technology"] is None
    finally:
        api.cookies.clear()
    bad = api.get(f"{API}/applications/{APP['code']}", headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401


# -- data sets by classification (Satu Data) ------------------------------------------------------------

DATASET = {
    "code": "KOTA-32.73-DATA-NIK",
    "name": "Data Kependudukan Rinci",
    "agency_code": "KOTA-32.73",
    "description": "Isi rinci per penduduk",
    "reference_codes": "KODE-REF-1",
    "data_format": "csv",
}


def _dataset(api: TestClient, classification: str) -> str:
    body = {**DATASET, "classification": classification}
    assert api.post(f"{API}/datasets", json=body, headers=auth(STAFF)).status_code == 201
    patch = {"version": 1, "description": "Isi rinci per penduduk, versi 2"}
    assert api.patch(f"{API}/datasets/{DATASET['code']}", json=patch, headers=auth(STAFF)).status_code == 200
    return str(DATASET["code"])


def _listed(api: TestClient, headers: dict[str, str]) -> list[str]:
    listing = api.get(f"{API}/datasets", params={"agency": "KOTA-32.73", "per_page": 200}, headers=headers).json()
    return [item["code"] for item in listing["items"]]


def test_a_secret_data_set_exists_only_for_its_producer_and_the_coordinator(api: TestClient) -> None:
    code = _dataset(api, "rahasia")
    for headers in ({}, auth(OTHER_STAFF)):
        assert api.get(f"{API}/datasets/{code}", headers=headers).status_code == 404
        assert api.get(f"{API}/datasets/{code}/history", headers=headers).status_code == 404
        assert code not in _listed(api, headers)
    assert "Data Kependudukan Rinci" not in api.get("/registry/agencies/KOTA-32.73").text
    for principal in (STAFF, COORDINATOR):
        assert api.get(f"{API}/datasets/{code}", headers=auth(principal)).json()["fields"]["description"]
        assert code in _listed(api, auth(principal))
        assert len(api.get(f"{API}/datasets/{code}/history", headers=auth(principal)).json()) == 2


def test_a_restricted_data_set_shows_the_public_its_catalogue_entry_only(api: TestClient) -> None:
    code = _dataset(api, "terbatas")
    anonymous = api.get(f"{API}/datasets/{code}").json()
    assert anonymous["name"] == DATASET["name"]
    assert anonymous["fields"]["classification"] == "terbatas"
    assert (anonymous["fields"]["description"], anonymous["fields"]["reference_codes"]) == (None, None)
    assert code in _listed(api, {})
    history = api.get(f"{API}/datasets/{code}/history").json()
    assert "Isi rinci" not in str(history)
    assert "KODE-REF-1" not in str(history)
    government = api.get(f"{API}/datasets/{code}", headers=auth(OTHER_STAFF)).json()
    assert government["fields"]["description"] == "Isi rinci per penduduk, versi 2"


def test_an_open_data_set_is_fully_public(api: TestClient) -> None:
    code = _dataset(api, "terbuka")
    assert api.get(f"{API}/datasets/{code}").json()["fields"]["reference_codes"] == "KODE-REF-1"


def test_the_archimate_export_leaves_out_secret_data_sets(api: TestClient) -> None:
    code = _dataset(api, "rahasia")
    assert code not in api.get(f"{API}/archimate", params={"agency": "KOTA-32.73"}).text
    assert code in api.get(f"{API}/archimate", params={"agency": "KOTA-32.73"}, headers=auth(STAFF)).text


# -- typed catalogue bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("services", {"code": "X-1", "name": "L", "agency_code": "KOTA-32.73", "service_area": "x"}, "service_area"),
        ("datasets", {"code": "X", "name": "D", "agency_code": "KOTA-32.73", "classification": "x"}, "classification"),
        ("infrastructure", {"code": "X-1", "name": "DC", "agency_code": "KOTA-32.73", "kind": "castle"}, "kind"),
        ("services", {"code": "X-1", "agency_code": "KOTA-32.73"}, "name"),
        ("datasets", {"code": "X 1!", "name": "Data", "agency_code": "KOTA-32.73"}, "code"),
        ("infrastructure", {"code": "X-1", "name": "DC", "agency_code": "KOTA-32.73", "colour": "red"}, "colour"),
        ("services", ["not", "an", "object"], None),
    ],
)  # fmt: skip
def test_invalid_catalogue_bodies_are_422_naming_the_field(
    api: TestClient, path: str, body: Any, field: str | None
) -> None:
    response = api.post(f"{API}/{path}", json=body, headers=auth(STAFF))
    assert response.status_code == 422, response.text
    if field is not None:
        assert field in response.text


@pytest.mark.parametrize(
    ("path", "create", "patch", "field"),
    [
        ("services", {"code": "S-1", "name": "Layanan"}, {"service_area": "nowhere"}, "service_area"),
        ("datasets", {"code": "D-1", "name": "Data"}, {"classification": "semi"}, "classification"),
        ("infrastructure", {"code": "I-1", "name": "DC"}, {"is_national_data_centre": "maybe"}, "is_national"),
        ("infrastructure", {"code": "I-2", "name": "DC"}, {"name": None}, "name"),
        ("datasets", {"code": "D-2", "name": "Data"}, {"name": "x"}, "version"),
    ],
)
def test_invalid_catalogue_patches_are_422(
    api: TestClient, path: str, create: dict[str, str], patch: dict[str, Any], field: str
) -> None:
    created = api.post(f"{API}/{path}", json={**create, "agency_code": "KOTA-32.73"}, headers=auth(STAFF))
    assert created.status_code == 201
    version = {} if field == "version" else {"version": 1}
    response = api.patch(f"{API}/{path}/{create['code']}", json={**patch, **version}, headers=auth(STAFF))
    assert response.status_code == 422, response.text
    assert field in response.text
    assert api.get(f"{API}/{path}/{create['code']}").json()["version"] == 1


def test_the_catalogue_bodies_are_documented_in_openapi(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    paths = schema["paths"]
    for kind, model in (("services", "ServiceIn"), ("datasets", "DataSetIn"), ("infrastructure", "InfrastructureIn")):
        body = paths[f"{API}/{kind}"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(model)
        assert "requestBody" in paths[f"{API}/{kind}/{{code}}"]["patch"]
