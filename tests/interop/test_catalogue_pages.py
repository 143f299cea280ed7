"""The SPLP catalogue page, the portal's placeholder, and the evaluation's SPLP evidence."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.evaluation.suggestions import SplpServices
from spbe.interop import catalogue
from spbe.interop.seed import seed_demo_interop


def test_catalogue_lists_the_published_service(client: TestClient, db_session: Session) -> None:
    seed_demo_interop(db_session)
    page = client.get("/interop", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "ID/GOV/KEMENDAGRI/DUKCAPIL/penduduk" in page.text
    assert "GET /penduduk/*" in page.text


def test_services_of_agency_is_evidence_for_indicator_18(db_session: Session) -> None:
    seed_demo_interop(db_session)
    assert [entry.service_id for entry in catalogue.services_of_agency(db_session, "KEMENDAGRI")] == [
        "ID/GOV/KEMENDAGRI/DUKCAPIL/penduduk"
    ]
    suggestion = SplpServices().suggest(db_session, "KEMENDAGRI", 18)
    assert suggestion.status == "suggested"
    assert suggestion.citations[0].label == "ID/GOV/KEMENDAGRI/DUKCAPIL/penduduk"
    assert SplpServices().suggest(db_session, "KEMENKEU", 18).status == "no data"  # not on SPLP


def test_portal_says_honestly_it_is_not_open_yet(client: TestClient) -> None:
    page = client.get("/portal", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "belum" in page.text  # Indonesian by default: "belum dibuka"
    assert 'href="/demo-rp/"' in page.text
