"""Registration runs the duplicate check; the public "Periksa duplikasi" page and its rate limit; the dashboard's
duplicate figures; Indonesian labels for stored values."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.duplicates import figures
from spbe.registry.duplicates.ratelimit import SlidingWindow
from spbe.registry.service.imports import import_applications
from tests.registry.conftest import STAFF, app_row, auth

API = "/api/v1/registry"
MAIL = "Pengelolaan surat masuk dan surat keluar, disposisi pimpinan dan tanda tangan elektronik naskah dinas."
PEOPLE = "Pengelolaan data induk pegawai ASN, kenaikan pangkat, cuti dan pensiun pegawai negeri sipil."


@pytest.fixture
def inventory(db_session: Session) -> Session:
    rows = [
        app_row("T-001", name="e-Office Kabupaten Garut", acronym="", description=MAIL, agency_code="KAB-32.05"),
        app_row("T-002", name="Tata Naskah Dinas Elektronik", acronym="TNDE", description=MAIL, affairs="09.07"),
        app_row("T-003", name="e-Surat", acronym="", description=MAIL, agency_code="KAB-32.01", affairs="09.07"),
        app_row("T-004", name="SIMPEG Garut", acronym="SIMPEG", description=PEOPLE, agency_code="KAB-32.05"),
        app_row("T-005", name="SIMPEGDA", acronym="SIMPEGDA", description=PEOPLE, agency_code="KAB-32.01"),
    ]
    report = import_applications(db_session, rows, actor=SYSTEM, dry_run=False)
    assert report.problems == []
    return db_session


def test_registering_returns_the_duplicate_check_without_blocking(api: TestClient, inventory: Session) -> None:
    body = {"code": "KOTA-32.73-ESURAT", "name": "e-Office Kota Bandung", "description": MAIL,
            "agency_code": "KOTA-32.73", "affairs": ["09.07"]}  # fmt: skip
    created = api.post(f"{API}/applications", json=body, headers=auth(STAFF))
    assert created.status_code == 201, created.text
    check = created.json()["duplicate_check"]
    assert check["verdict"] in ("duplicate", "similar")
    codes = [m["application"]["code"] for m in check["matches"]]
    assert {"T-001", "T-003"} & set(codes)
    assert "KOTA-32.73-ESURAT" not in codes  # checked against what existed before
    assert check["matches"][0]["reasons"]
    assert api.get(f"{API}/applications/KOTA-32.73-ESURAT").status_code == 200


def test_the_check_can_be_skipped(api: TestClient, inventory: Session) -> None:
    body = {"code": "KOTA-32.73-X", "name": "Aplikasi X", "agency_code": "KOTA-32.73"}
    created = api.post(f"{API}/applications", params={"check_duplicates": "false"}, json=body, headers=auth(STAFF))
    assert created.status_code == 201
    assert created.json()["duplicate_check"] is None


def test_the_check_page_is_public_and_explains_matches(client: TestClient, inventory: Session) -> None:
    empty = client.get("/registry/periksa-duplikasi")
    assert empty.status_code == 200
    assert 'data-testid="check-form"' in empty.text
    assert 'data-testid="verdict"' not in empty.text
    page = client.get("/registry/periksa-duplikasi", params={"name": "e-Office Desa", "description": MAIL})
    assert page.status_code == 200
    assert 'data-testid="verdict"' in page.text
    assert "e-Office Kabupaten Garut" in page.text
    assert "/registry/periksa-duplikasi" in client.get("/registry").text


def test_the_check_page_names_a_missing_name(client: TestClient, inventory: Session) -> None:
    page = client.get("/registry/periksa-duplikasi", params={"name": "", "description": "Surat masuk"})
    assert page.status_code == 200
    assert 'data-testid="error-summary"' in page.text
    assert 'data-testid="matches"' not in page.text


def test_the_public_check_is_rate_limited(app: FastAPI, client: TestClient, inventory: Session) -> None:
    app.state.duplicate_check_limiter = SlidingWindow(limit=2, window=60)
    try:
        codes = [client.post(f"{API}/duplicates/check", json={"name": "e-Surat"}).status_code for _ in range(3)]
        page = client.get("/registry/periksa-duplikasi", params={"name": "e-Surat"})
    finally:
        del app.state.duplicate_check_limiter
    assert codes == [200, 200, 429]
    assert page.status_code == 429


def test_the_sliding_window_forgets_old_checks_and_old_clients() -> None:
    window = SlidingWindow(limit=1, window=10, max_clients=2)
    assert window.allow("a", now=0)
    assert not window.allow("a", now=5)
    assert window.allow("a", now=10.5)
    window.allow("b", now=11)
    window.allow("c", now=12)
    assert len(window._seen) == 2


def test_the_dashboard_shows_duplicate_clusters(client: TestClient, inventory: Session) -> None:
    numbers = figures.figures(inventory)
    assert numbers.clusters >= 1
    assert sum(numbers.by_size.values()) == numbers.clusters
    assert numbers.khusus_covered <= numbers.khusus_total
    page = client.get("/registry/dashboard").text
    assert 'data-testid="clusters-by-size"' in page
    assert 'data-testid="clusters-by-umum"' in page
    assert 'data-testid="khusus-covered"' in page


def test_the_indonesian_pages_translate_stored_values(client: TestClient, inventory: Session) -> None:
    headers = {"Accept-Language": "id"}
    search = client.get("/registry", params={"q": "simpeg"}, headers=headers).text
    assert "Beroperasi" in search
    assert ">production<" not in search
    dashboard = client.get("/registry/dashboard", headers=headers).text
    assert "Kabupaten" in dashboard
    assert ">kabupaten<" not in dashboard


def test_a_long_description_or_a_one_letter_name_is_registered_with_its_check(api: TestClient) -> None:
    body = {"code": "KOTA-32.73-Q", "name": "Q", "description": "surat " * 800, "agency_code": "KOTA-32.73",
            "affairs": ["09.06", "09.07"]}  # fmt: skip
    created = api.post(f"{API}/applications", json=body, headers=auth(STAFF))
    assert created.status_code == 201, created.text
    assert created.json()["duplicate_check"]["verdict"] in ("duplicate", "similar", "new")
