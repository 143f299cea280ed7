"""The consolidation plan is honest: stop what is not built, leave the wali's own apps, keep group keys stable."""

from __future__ import annotations

from dataclasses import replace

from spbe.registry.duplicates.index import AppRecord
from spbe.registry.duplicates.plan import plan_items
from spbe.registry.duplicates.service import build

MAIL = "Surat masuk dan surat keluar, disposisi pimpinan dan tanda tangan elektronik."
PLACES = {"KAB-32.05": "Kabupaten Garut", "KOTA-32.73": "Kota Bandung", "KAB-32.01": "Kabupaten Bogor",
          "KAB-32.04": "Kabupaten Bandung", "ANRI": "ANRI"}  # fmt: skip


def _app(code: str, name: str, agency: str, *, status: str = "production", kind: str = "khusus",
         acronym: str = "") -> AppRecord:  # fmt: skip
    return AppRecord(id=hash(code) % 10_000, code=code, name=name, acronym=acronym or None, description=MAIL,
                     agency_code=agency, agency_name=f"Pemerintah {PLACES[agency]}", place=PLACES[agency],
                     category="RAA.2.2", service_area="administrasi", affairs=("09.07",), kind=kind,
                     status=status)  # fmt: skip


SRIKANDI = _app("AU-SRIKANDI", "Sistem Informasi Kearsipan Dinamis Terintegrasi", "ANRI", kind="umum",
                acronym="SRIKANDI")  # fmt: skip
OFFICE = [
    _app("K-010", "e-Office Kabupaten Garut", "KAB-32.05"),
    _app("K-020", "Tata Naskah Dinas Elektronik", "KOTA-32.73"),
    _app("K-030", "e-Surat Kabupaten Bogor", "KAB-32.01"),
    _app("K-040", "e-Surat Dinas Kabupaten Bandung", "KAB-32.04", status="planned"),
    _app("K-050", "e-Office Kota Bandung", "KOTA-32.73"),
    _app("K-060", "Naskah Dinas Online ANRI", "ANRI"),
]


def _office_group(records: list[AppRecord]):  # type: ignore[no-untyped-def]
    analysis = build(records)
    view = next(g for g in analysis.groups if any(analysis.records[r].code == "K-010" for r in g.rows))
    return analysis, view


def test_planned_apps_are_stopped_not_migrated_and_the_wali_keeps_its_own() -> None:
    analysis, view = _office_group([SRIKANDI, *OFFICE])
    items = plan_items(analysis, view)
    stop = next(item for item in items if item.action == "stop")
    migrate = next(item for item in items if item.action == "migrate")
    assert [s.application.code for s in stop.steps] == ["K-040"]
    assert "SRIKANDI" in stop.summary
    migrated = {s.application.code for s in migrate.steps}
    assert "K-040" not in migrated
    assert "K-060" not in migrated
    assert migrate.agencies == 3
    assert migrate.applications == 4
    assert "(1 " in migrate.summary  # Kota Bandung's second e-office: an internal step (any language)


def test_group_keys_are_stable_when_an_application_with_a_smaller_code_arrives() -> None:
    _analysis, before = _office_group([SRIKANDI, *OFFICE])
    newcomer = replace(OFFICE[0], id=9_999, code="A-001", name="e-Office Kabupaten Bogor", agency_code="KAB-32.01")
    _analysis, after = _office_group([SRIKANDI, *OFFICE, newcomer])
    assert before.key == after.key
    assert before.key.startswith("srikandi-pemda")
