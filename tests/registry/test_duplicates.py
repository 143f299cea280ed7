"""Duplicate finder: Indonesian normalisation, grouping across agencies, quality on generated data, the plan."""

from __future__ import annotations

import pytest

from spbe.registry.demo.generator import generate, load_agencies
from spbe.registry.duplicates.evaluation import pairwise
from spbe.registry.duplicates.index import AppRecord
from spbe.registry.duplicates.plan import migration_order, plan_item, wave
from spbe.registry.duplicates.schemas import CheckIn
from spbe.registry.duplicates.service import Analysis, build, check_in
from spbe.registry.duplicates.text import normalise_name, place_words


def _app(n: int, name: str, agency: str, place: str, *, acronym: str = "", description: str = "",
         affairs: tuple[str, ...] = ("09.06",), integrations: int = 0, kind: str = "khusus",
         users: int = 100) -> AppRecord:  # fmt: skip
    return AppRecord(id=n, code=f"APL-{n:03d}", name=name, acronym=acronym or None, description=description,
                     agency_code=agency, agency_name=f"Pemerintah {place}", place=place.split(" ", 1)[-1],
                     category="RAA.2.2", service_area="administrasi", affairs=affairs, integrations=integrations,
                     kind=kind, users=users)  # fmt: skip


STAFFING = "Pengelolaan data induk pegawai ASN, kenaikan pangkat, cuti dan pensiun."
HEALTH = "Pelayanan pasien puskesmas: pendaftaran, rekam medis elektronik dan farmasi."
MAIL = "Surat masuk dan surat keluar, disposisi pimpinan dan tanda tangan elektronik."


@pytest.fixture(scope="module")
def small() -> Analysis:
    records = [
        _app(1, "SIMPEG Kabupaten Garut", "KAB-32.05", "Kabupaten Garut", acronym="SIMPEG", description=STAFFING),
        _app(2, "SIMPEGDA", "KOTA-32.73", "Kota Bandung", description=STAFFING),
        _app(3, "e-Pegawai Kab. Bogor", "KAB-32.01", "Kabupaten Bogor", description=STAFFING),
        _app(4, "Sistem Informasi Manajemen Kepegawaian", "PROV-32", "Provinsi Jawa Barat", description=STAFFING),
        _app(5, "SIMPUS Garut", "KAB-32.05", "Kabupaten Garut", description=HEALTH, affairs=("04.01",)),
        _app(6, "Sistem Informasi Manajemen Puskesmas", "KOTA-32.73", "Kota Bandung", acronym="SIMPUS",
             description=HEALTH, affairs=("04.01",)),
        _app(7, "e-Puskesmas Kota Bogor", "KOTA-32.71", "Kota Bogor", description=HEALTH, affairs=("04.01",)),
        _app(8, "e-Office", "KAB-32.01", "Kabupaten Bogor", description=MAIL, affairs=("09.07",), integrations=3),
        _app(9, "Tata Naskah Dinas Elektronik (TNDE)", "KOTA-32.73", "Kota Bandung", description=MAIL,
             affairs=("09.07",), integrations=0),
        _app(10, "e-Surat Kabupaten Garut", "KAB-32.05", "Kabupaten Garut", description=MAIL, affairs=("09.07",),
             integrations=1),
        _app(11, "Jelajah Wisata Kawah Putih", "KAB-32.04", "Kabupaten Bandung",
             description="Informasi destinasi dan tiket masuk Kawah Putih Ciwidey.", affairs=("02.11",)),
        _app(12, "Sistem Informasi Kearsipan Dinamis Terintegrasi", "ANRI", "ANRI", acronym="SRIKANDI",
             description=MAIL, affairs=("09.07",), kind="umum"),
    ]  # fmt: skip
    return build(records)


def _group_of(analysis: Analysis, code: str) -> set[str]:
    for group in analysis.groups:
        codes = {analysis.records[row].code for row in group.rows}
        if code in codes:
            return codes
    return set()


@pytest.mark.parametrize(
    ("name", "acronym", "place", "text", "concept"),
    [
        ("SIMPEG Kabupaten Garut", "SIMPEG", "Garut", "simpeg", "kepegawaian"),
        ("e-Pegawai Kota Bandung", "", "Bandung", "epegawai", "kepegawaian"),
        ("E Pegawai", "", "", "epegawai", "kepegawaian"),
        ("SIMPEGDA", "", "", "simpegda", "kepegawaian"),
        ("Aplikasi Tata Naskah Dinas Elektronik Prov. Jawa Barat", "TNDE", "Jawa Barat", "tata naskah tnde",
         "naskah-dinas"),
        ("Sistem Informasi Manajemen Puskesmas", "SIMPUS", "", "puskesmas simpus", "puskesmas"),
        ("Sapa Warga", "", "", "sapa warga", "pengaduan"),
    ],
)  # fmt: skip
def test_names_are_normalised_to_what_the_application_does(name: str, acronym: str, place: str, text: str,
                                                            concept: str) -> None:  # fmt: skip
    normalised = normalise_name(name, acronym, place_words(place))
    assert normalised.text == text
    assert concept in normalised.concepts


def test_staffing_applications_group_together_across_agencies(small: Analysis) -> None:
    assert _group_of(small, "APL-001") == {"APL-001", "APL-002", "APL-003", "APL-004"}


def test_simpeg_and_simpus_do_not_group(small: Analysis) -> None:
    assert _group_of(small, "APL-005") == {"APL-005", "APL-006", "APL-007"}
    assert "APL-005" not in _group_of(small, "APL-001")


def test_a_unique_application_is_in_no_group(small: Analysis) -> None:
    assert _group_of(small, "APL-011") == set()
    assert all("APL-012" not in _group_of(small, code) for code in ("APL-008", "APL-009"))  # umum is the target


def test_groups_explain_themselves(small: Analysis) -> None:
    from spbe.registry.duplicates.service import group_reasons

    view = next(g for g in small.groups if small.records[g.rows[0]].code in {"APL-008", "APL-009", "APL-010"})
    codes = {reason.code for reason in group_reasons(view)}
    assert {"shared_words", "same_concept", "same_affairs", "same_category", "same_service_area"} <= codes


def test_plan_migrates_e_office_to_srikandi_fewest_integrations_first(small: Analysis) -> None:
    view = next(g for g in small.groups if small.records[g.rows[0]].code in {"APL-008", "APL-009", "APL-010"})
    item = plan_item(small, view)
    assert item.action == "migrate"
    assert item.target_code == "APL-012"
    assert "SRIKANDI" in item.summary
    assert "3" in item.summary
    assert [step.application.code for step in item.steps] == ["APL-009", "APL-010", "APL-008"]
    assert [step.wave for step in item.steps] == [1, 2, 3]


def test_without_an_aplikasi_umum_the_plan_proposes_the_best_fit_candidate(small: Analysis) -> None:
    view = next(g for g in small.groups if small.records[g.rows[0]].code in {"APL-005", "APL-006", "APL-007"})
    item = plan_item(small, view)
    assert item.action == "consolidate"
    assert item.steps[0].application.code == item.target_code


def test_migration_order_and_waves() -> None:
    apps = [_app(n, f"A{n}", "KAB-32.01", "Kabupaten Bogor", integrations=links) for n, links in enumerate([4, 0, 2])]
    assert [a.integrations for a in migration_order(apps)] == [0, 2, 4]
    assert [wave(n) for n in (0, 1, 2, 3, 9)] == [1, 2, 2, 3, 3]


def test_single_check_returns_the_right_neighbours(small: Analysis) -> None:
    result = check_in(small, CheckIn(name="SIM Kepegawaian Kabupaten Cianjur", description=STAFFING, affairs=["09.06"]))
    assert result.verdict == "duplicate"
    assert {m.application.code for m in result.matches[:4]} == {"APL-001", "APL-002", "APL-003", "APL-004"}
    assert result.umum_target is None  # SIASN is not in this small catalogue
    assert any(reason.code == "same_concept" for reason in result.matches[0].reasons)
    fresh = check_in(small, CheckIn(name="Pemantauan Erupsi Gunung Galunggung", description="Seismik gunung api."))
    assert fresh.verdict == "new"


@pytest.fixture(scope="module")
def generated() -> tuple[Analysis, dict[str, str | None], dict[str, str]]:
    agencies = {a.code: a for a in load_agencies()}
    inventory = generate(2_000, seed=3)
    records = [
        AppRecord(id=n, code=row["code"], name=row["name"], acronym=row["acronym"], description=row["description"],
                  agency_code=row["agency_code"], agency_name=agencies[row["agency_code"]].name,
                  agency_short=agencies[row["agency_code"]].short_name, place=agencies[row["agency_code"]].place,
                  category=row["category"], service_area=row["service_area"],
                  affairs=tuple(a for a in row["affairs"].split(";") if a))
        for n, row in enumerate(inventory.rows)
    ]  # fmt: skip
    agency = {row["code"]: row["agency_code"] for row in inventory.rows}
    return build(records), inventory.labels, agency


def test_precision_and_recall_on_a_generated_inventory(generated) -> None:  # type: ignore[no-untyped-def]
    analysis, labels, agency = generated
    predicted = {analysis.records[row].code: group.key for group in analysis.groups for row in group.rows}
    score = pairwise(predicted, labels, agency)
    assert score.precision >= 0.9, score
    assert score.recall >= 0.8, score


def test_pairwise_counts_pairs_across_agencies_only() -> None:
    agency = {"a": "X", "b": "X", "c": "Y", "d": "Z"}
    truth = {"a": "g", "b": "g", "c": "g", "d": None}
    score = pairwise({"a": 1, "b": 1, "c": 1, "d": 1}, truth, agency)
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (2, 5, 2)
    assert score.recall == 1.0
    assert score.precision == 0.4
