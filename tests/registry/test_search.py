"""Search: acronyms and Indonesian words, case and accent blind, exact acronym and name first; filters."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spbe.registry import normalize
from spbe.registry.repository.applications import ApplicationFilter
from spbe.registry.service import applications, imports
from tests.registry.conftest import COORDINATOR, app_row


def _seed(session: Session) -> None:
    rows = [
        app_row("KOTA-32.73-SIMPEG"),
        app_row(
            "KAB-32.04-SIMPEGDA",
            agency_code="KAB-32.04",
            acronym="SIMPEGDA",
            name="Sistem Informasi Kepegawaian Daerah",
            description="Data pegawai Kabupaten Bandung",
        ),
        app_row(
            "PROV-32-EPEG",
            agency_code="PROV-32",
            acronym="e-Pegawai",
            name="Aplikasi e-Pegawai",
            description="Layanan kepegawaian: cuti, SIMPEG terintegrasi",
            kind="khusus",
        ),
        app_row(
            "KOTA-32.73-PERIZINAN",
            acronym="SIPERIZINAN",
            name="Sistem Perizinan Daring",
            description="Perizinan berusaha dan izin mendirikan bangunan",
            affairs="02.06",
            service_area="publik",
            category="RAA.2.1",
            status="development",
        ),
        app_row("KOTA-32.73-KAFE", acronym="", name="Aplikasi Pendaftaran Café Kota", description="Usaha kafé"),
    ]
    report = imports.import_applications(session, rows, actor=COORDINATOR, dry_run=False)
    assert report.applied, report.problems


def _codes(session: Session, q: str, **filters: str) -> list[str]:
    page = applications.search(session, q=q, where=ApplicationFilter(**filters), per_page=50)
    return [item.code for item in page.items]


def test_exact_acronym_comes_first(db_session: Session) -> None:
    _seed(db_session)
    found = _codes(db_session, "simpeg")
    assert found[0] == "KOTA-32.73-SIMPEG"
    assert set(found) >= {"KOTA-32.73-SIMPEG", "KAB-32.04-SIMPEGDA", "PROV-32-EPEG"}


def test_acronym_with_punctuation_and_spaces(db_session: Session) -> None:
    _seed(db_session)
    assert _codes(db_session, "SP4N LAPOR")[0] == "AU-SP4N-LAPOR"
    assert _codes(db_session, "sp4nlapor")[0] == "AU-SP4N-LAPOR"
    assert _codes(db_session, "epegawai")[0] == "PROV-32-EPEG"
    assert _codes(db_session, "E-Kinerja")[0] == "AU-E-KINERJA"


def test_indonesian_words_any_order_case_and_accents(db_session: Session) -> None:
    _seed(db_session)
    assert "KAB-32.04-SIMPEGDA" in _codes(db_session, "kepegawaian DAERAH")
    assert _codes(db_session, "izin bangunan") == ["KOTA-32.73-PERIZINAN"]
    assert _codes(db_session, "cafe") == ["KOTA-32.73-KAFE"]
    assert _codes(db_session, "kafe") == ["KOTA-32.73-KAFE"]
    assert _codes(db_session, "tidakada") == []


def test_exact_name_ranks_before_words_in_descriptions(db_session: Session) -> None:
    _seed(db_session)
    found = _codes(db_session, "sistem informasi kearsipan dinamis terintegrasi")
    assert found[0] == "AU-SRIKANDI"


def test_filters(db_session: Session) -> None:
    _seed(db_session)
    assert _codes(db_session, "", agency_code="KAB-32.04") == ["KAB-32.04-SIMPEGDA"]
    assert "KOTA-32.73-PERIZINAN" in _codes(db_session, "", affair="02.06", status="development", category="RAA.2.1")
    assert set(_codes(db_session, "simpeg", province_code="32")) == {
        "KOTA-32.73-SIMPEG",
        "KAB-32.04-SIMPEGDA",
        "PROV-32-EPEG",
    }
    assert set(_codes(db_session, "", region_code="32.73")) >= {"KOTA-32.73-SIMPEG", "KOTA-32.73-PERIZINAN"}
    umum = _codes(db_session, "", kind="umum")
    assert "AU-SRIKANDI" in umum
    assert not any(code.startswith("KOTA") for code in umum)
    assert set(_codes(db_session, "", agency_kind="kabupaten")) == {"KAB-32.04-SIMPEGDA"}


def test_pagination(db_session: Session) -> None:
    _seed(db_session)
    first = applications.search(db_session, q="", page=1, per_page=3)
    second = applications.search(db_session, q="", page=2, per_page=3)
    assert first.total == second.total >= 15
    assert not {i.code for i in first.items} & {i.code for i in second.items}


def test_search_keys() -> None:
    assert normalize.search_key("Sistem  Informasi (SIMPEG) – Daerah") == "sistem informasi simpeg daerah"
    assert normalize.compact_key("SP4N-LAPOR!") == "sp4nlapor"
    assert normalize.search_key("Café Ñandú") == "cafe nandu"
