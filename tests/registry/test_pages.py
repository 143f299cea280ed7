"""The registry's HTML pages render on the platform layout, in Indonesian by default."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.schemas.catalogue import ApplicationPatch
from spbe.registry.service import applications, imports
from tests.registry.conftest import app_row


def _seed(session: Session) -> None:
    assert imports.import_applications(session, [app_row()], actor=SYSTEM, dry_run=False).applied
    applications.update(session, SYSTEM, "KOTA-32.73-SIMPEG", ApplicationPatch(version=1, status="retired"))


def test_search_page(client: TestClient, db_session: Session) -> None:
    _seed(db_session)
    page = client.get("/registry", params={"q": "simpeg"})
    assert page.status_code == 200
    assert 'data-testid="results"' in page.text
    assert "KOTA-32.73-SIMPEG" in page.text
    assert "/registry/duplicates" in page.text
    filtered = client.get("/registry", params={"kind": "umum", "category": "RAA.1.2", "page": 1})
    assert "SRIKANDI" in filtered.text
    assert "SIMPEG" not in filtered.text.split('data-testid="results"')[1]
    assert client.get("/registry", params={"q": "tidak-ada-apa-apa"}).status_code == 200


def test_search_page_paginates(client: TestClient, db_session: Session) -> None:
    rows = [app_row(f"KOTA-32.73-APP{i:02d}") for i in range(30)]
    assert imports.import_applications(db_session, rows, actor=SYSTEM, dry_run=False).applied
    page = client.get("/registry", params={"agency": "KOTA-32.73", "page": 2}).text
    assert 'rel="prev"' in page
    assert "KOTA-32.73-APP29" in page


def test_application_page_shows_fields_affairs_and_history(client: TestClient, db_session: Session) -> None:
    _seed(db_session)
    page = client.get("/registry/applications/KOTA-32.73-SIMPEG", params={"lang": "en"})
    assert page.status_code == 200
    assert "09.06 Aparatur Negara" in page.text
    history = page.text.split('data-testid="history"')[1]
    assert "update (api)" in history
    assert "create (import)" in history
    assert "status" in history
    assert "PHP/Laravel" not in page.text  # confidential
    assert client.get("/registry/applications/NOPE").status_code == 404


def test_agency_landscape(client: TestClient, db_session: Session) -> None:
    _seed(db_session)
    page = client.get("/registry/agencies/KOTA-32.73")
    assert page.status_code == 200
    assert "Pemerintah Kota Bandung" in page.text
    assert 'data-testid="category-RAA.2.2"' in page.text
    assert "<svg" in page.text


def test_national_dashboard(client: TestClient, db_session: Session) -> None:
    _seed(db_session)
    page = client.get("/registry/dashboard")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 3
    assert 'role="img"' in page.text
    assert "kementerian" in page.text
    assert "RAA.1.2" in page.text
