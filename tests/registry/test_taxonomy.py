"""The six reference architectures are versioned data, loaded idempotently; objects can be classified."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.registry.service import taxonomy
from tests.registry.conftest import OTHER_STAFF, STAFF, auth


def test_every_reference_is_loaded(api: TestClient) -> None:
    terms = api.get("/api/v1/registry/taxonomy").json()
    assert {t["reference"] for t in terms} == set(taxonomy.REFERENCES)
    probis = [t for t in terms if t["reference"] == "probis"]
    assert len([t for t in probis if t["level"] == 1]) == 9
    affairs = {t["code"]: t["name"] for t in probis if t["level"] == 2}
    assert affairs["09.06"] == "Aparatur Negara"
    assert affairs["01.02"] == "Hubungan Luar Negeri"
    assert all(t["version"] == "perpres-132-2022" for t in terms)
    raa = {t["code"] for t in terms if t["reference"] == "aplikasi"}
    assert raa == {"RAA.1", "RAA.1.1", "RAA.1.2", "RAA.2", "RAA.2.1", "RAA.2.2"}
    assert api.get("/api/v1/registry/taxonomy", params={"reference": "nope"}).status_code == 404


def test_loading_again_changes_nothing(db_session: Session) -> None:
    assert taxonomy.load_taxonomies(db_session) == (0, 0)
    assert taxonomy.seed_reference_step(db_session).endswith("Aplikasi Umum: 0 added, 0 updated, 10 unchanged")


def test_aplikasi_umum_are_seeded_with_their_wali(api: TestClient) -> None:
    umum = api.get("/api/v1/registry/applications", params={"kind": "umum", "per_page": 50}).json()["items"]
    wali = {a["acronym"]: a["wali_agency_code"] for a in umum}
    assert wali["SRIKANDI"] == "ANRI"
    assert wali["SIPD"] == "KEMENDAGRI"
    assert wali["SPSE"] == "LKPP"
    assert wali["SIASN"] == "BKN"
    assert wali["e-Kinerja"] == "BKN"
    assert wali["KRISNA"] == "BAPPENAS"
    assert {"SP4N-LAPOR!", "JDIHN", "e-PPID", "SAKTI"} <= set(wali)


def test_classify_an_application(api: TestClient) -> None:
    api.post(
        "/api/v1/registry/applications",
        json={"code": "K-1", "name": "Aplikasi", "agency_code": "KOTA-32.73"},
        headers=auth(STAFF),
    )
    terms = [{"reference": "keamanan", "code": "RAK.2.2"}, {"reference": "data", "code": "RAD.09"}]
    done = api.put("/api/v1/registry/applications/K-1/classifications", json=terms, headers=auth(STAFF))
    assert done.status_code == 200
    assert len(done.json()) == 2
    assert len(api.get("/api/v1/registry/applications/K-1/classifications").json()) == 2
    bad = api.put(
        "/api/v1/registry/applications/K-1/classifications",
        json=[{"reference": "data", "code": "X"}],
        headers=auth(STAFF),
    )
    assert bad.status_code == 422
    other = api.put("/api/v1/registry/applications/K-1/classifications", json=terms, headers=auth(OTHER_STAFF))
    assert other.status_code == 403
    history = api.get("/api/v1/registry/applications/K-1/history").json()
    assert "classification" in history[-1]["data"]["after"]


def test_classify_infrastructure(api: TestClient) -> None:
    response = api.put(
        "/api/v1/registry/infrastructure/PDN/classifications",
        json=[{"reference": "infrastruktur", "code": "RAI.1.1"}],
        headers=auth(STAFF),
    )
    assert response.status_code == 403  # PDN belongs to KOMDIGI
