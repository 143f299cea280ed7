"""Generic CRUD cases (NetBox style): each registry object only declares its data."""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi.testclient import TestClient

from tests.registry.conftest import COORDINATOR, STAFF, auth

API = "/api/v1/registry"


class CrudCase:
    """Create, read, list, update (with optimistic locking), history and delete for one kind of object."""

    path: ClassVar[str]
    create_data: ClassVar[dict[str, Any]]
    update_data: ClassVar[dict[str, Any]]

    def _create(self, api: TestClient) -> dict[str, Any]:
        response = api.post(f"{API}/{self.path}", json=self.create_data, headers=auth(STAFF))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def test_create_and_read(self, api: TestClient) -> None:
        created = self._create(api)
        read = api.get(f"{API}/{self.path}/{created['code']}")
        assert read.status_code == 200
        assert read.json()["name"] == self.create_data["name"]
        assert read.json()["version"] == 1

    def test_listed_by_agency(self, api: TestClient) -> None:
        created = self._create(api)
        listing = api.get(f"{API}/{self.path}", params={"agency": "KOTA-32.73", "per_page": 200}).json()
        assert created["code"] in [item["code"] for item in listing["items"]]
        assert listing["total"] >= 1
        assert listing["page"] == 1

    def test_creating_twice_conflicts(self, api: TestClient) -> None:
        self._create(api)
        again = api.post(f"{API}/{self.path}", json=self.create_data, headers=auth(STAFF))
        assert again.status_code == 409

    def test_update_bumps_version_and_logs_only_changed_fields(self, api: TestClient) -> None:
        code = self._create(api)["code"]
        updated = api.patch(f"{API}/{self.path}/{code}", json={**self.update_data, "version": 1}, headers=auth(STAFF))
        assert updated.status_code == 200, updated.text
        assert updated.json()["version"] == 2
        history = api.get(f"{API}/{self.path}/{code}/history").json()
        assert [entry["action"] for entry in history] == ["create", "update"]
        assert set(history[1]["data"]["after"]) == set(self.update_data)
        assert history[1]["actor"] == STAFF.subject
        assert history[1]["audit_seq"]

    def test_stale_version_is_refused(self, api: TestClient) -> None:
        code = self._create(api)["code"]
        api.patch(f"{API}/{self.path}/{code}", json={**self.update_data, "version": 1}, headers=auth(STAFF))
        stale = api.patch(f"{API}/{self.path}/{code}", json={**self.update_data, "version": 1}, headers=auth(STAFF))
        assert stale.status_code == 409

    def test_delete(self, api: TestClient) -> None:
        code = self._create(api)["code"]
        assert api.delete(f"{API}/{self.path}/{code}", headers=auth(COORDINATOR)).status_code == 204
        assert api.get(f"{API}/{self.path}/{code}").status_code == 404
        assert api.get(f"{API}/{self.path}/{code}/history").json()[-1]["action"] == "delete"


class TestApplications(CrudCase):
    path = "applications"
    create_data: ClassVar[dict[str, Any]] = {
        "code": "KOTA-32.73-SIMPEG",
        "name": "Sistem Informasi Manajemen Kepegawaian",
        "acronym": "SIMPEG",
        "agency_code": "KOTA-32.73",
        "category": "RAA.2.2",
        "affairs": ["09.06"],
        "service_area": "administrasi",
        "hosting": "PDN",
        "functional_fit": 2,
        "technical_fit": 4,
    }
    update_data: ClassVar[dict[str, Any]] = {"status": "retired", "functional_fit": 4}


class TestServices(CrudCase):
    path = "services"
    create_data: ClassVar[dict[str, Any]] = {
        "code": "KOTA-32.73-LAY-IMB",
        "name": "Layanan Persetujuan Bangunan Gedung",
        "agency_code": "KOTA-32.73",
        "service_area": "publik",
        "category": "RAL.01",
    }
    update_data: ClassVar[dict[str, Any]] = {"name": "Layanan PBG", "description": "Perizinan bangunan gedung"}


class TestDataSets(CrudCase):
    path = "datasets"
    create_data: ClassVar[dict[str, Any]] = {
        "code": "KOTA-32.73-DATA-ASN",
        "name": "Data Pegawai ASN Kota Bandung",
        "agency_code": "KOTA-32.73",
        "data_format": "csv",
        "frequency": "bulanan",
    }
    update_data: ClassVar[dict[str, Any]] = {"classification": "terbatas"}


class TestInfrastructure(CrudCase):
    path = "infrastructure"
    create_data: ClassVar[dict[str, Any]] = {
        "code": "KOTA-32.73-PUSDATIN",
        "name": "Pusat Data Kota Bandung",
        "agency_code": "KOTA-32.73",
        "kind": "data_centre",
    }
    update_data: ClassVar[dict[str, Any]] = {"tier": "III"}
