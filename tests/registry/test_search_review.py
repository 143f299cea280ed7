"""Search review findings: typo tolerance, a squashed name with an acronym, an Aplikasi Umum's acronym first."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.registry.repository.applications import ApplicationFilter
from spbe.registry.service import applications, imports
from tests.registry.conftest import COORDINATOR, app_row


def _seed(session: Session) -> None:
    rows = [
        app_row("KOTA-32.73-SIMPEG"),
        app_row("KOTA-32.73-EOFFICE", acronym="SIMANTAP", name="e-Office Terpadu", description="Surat menyurat"),
        app_row("KAB-32.04-LAPOR", agency_code="KAB-32.04", acronym="LAPOR", name="Lapor Bupati", description="Aduan"),
        app_row("KOTA-32.73-ELAPOR", acronym="e-Lapor", name="Layanan Pengaduan Warga", description="Aduan warga"),
    ]
    report = imports.import_applications(session, rows, actor=COORDINATOR, dry_run=False)
    assert report.applied, report.problems


def _search(session: Session, q: str) -> tuple[list[str], str | None]:
    page = applications.search(session, q=q, where=ApplicationFilter(), per_page=50)
    return [item.code for item in page.items], page.corrected_query


def test_a_typo_finds_the_intended_word_and_says_so(db_session: Session) -> None:
    _seed(db_session)
    found, corrected = _search(db_session, "kepegawain")
    assert "KOTA-32.73-SIMPEG" in found
    assert corrected == "kepegawaian"


def test_a_typo_in_one_of_two_words(db_session: Session) -> None:
    _seed(db_session)
    found, corrected = _search(db_session, "manajemen kepegawain")
    assert found[0] == "KOTA-32.73-SIMPEG"
    assert corrected == "manajemen kepegawaian"


def test_a_correct_query_is_not_corrected_and_nonsense_stays_empty(db_session: Session) -> None:
    _seed(db_session)
    assert _search(db_session, "kepegawaian")[1] is None
    assert _search(db_session, "qwxzy plokm") == ([], None)


def test_a_squashed_name_finds_an_application_that_has_an_acronym(db_session: Session) -> None:
    _seed(db_session)
    found, corrected = _search(db_session, "eoffice")
    assert "KOTA-32.73-EOFFICE" in found
    assert corrected is None


def test_an_aplikasi_umum_whose_acronym_holds_the_word_comes_first(db_session: Session) -> None:
    _seed(db_session)
    found, _ = _search(db_session, "lapor")
    assert found[0] == "AU-SP4N-LAPOR"
    assert {"KAB-32.04-LAPOR", "KOTA-32.73-ELAPOR"} <= set(found)


def test_the_page_names_the_corrected_query(api: TestClient, db_session: Session) -> None:
    _seed(db_session)
    page = api.get("/registry", params={"q": "kepegawain"}).text
    assert "kepegawaian" in page
    assert api.get("/api/v1/registry/applications", params={"q": "kepegawain"}).json()["corrected_query"]
