"""The demo inventory reads true to a civil servant: right owners, no desa apps in cities, no stolen acronyms."""

from __future__ import annotations

from collections import Counter

import pytest

from spbe.registry.demo.generator import UMUM_ACRONYMS, _acronym_head, generate, load_agencies
from spbe.registry.demo.missions import MISSIONS_OF
from spbe.registry.duplicates.lexicon import UMUM_COVERAGE


@pytest.fixture(scope="module")
def national():  # type: ignore[no-untyped-def]
    return generate(seed=1)


def test_missions_belong_to_the_agency_that_really_does_them() -> None:
    def owned(code: str) -> set[str]:
        return {obj.split("|")[0] for _sector, obj in MISSIONS_OF.get(code, ())}

    assert "Alat Utama Sistem Senjata" in owned("KEMHAN")
    assert "Alat Utama Sistem Senjata" not in owned("BIN")
    assert "Paspor dan Visa" in owned("KEMENIMIPAS")
    assert not owned("KY") & {"Paspor dan Visa"}
    assert "Notaris" in owned("KEMENKUM")
    assert "Notaris" not in owned("MK")
    assert "Transaksi Keuangan Mencurigakan" in owned("PPATK")
    assert "Perpajakan" in owned("KEMENKEU")
    assert "Perpajakan" not in owned("LPS")
    assert "Aspirasi Masyarakat ke Istana" in owned("KEMENSETNEG")
    assert "Ketahanan Pangan Nasional" in owned("BAPANAS")
    central = [a.code for a in load_agencies() if a.group == "central"]
    assert all(MISSIONS_OF.get(code) for code in central)  # every central agency has a mission of its own


def test_an_agency_has_only_a_few_variants_of_one_mission(national) -> None:  # type: ignore[no-untyped-def]
    per = Counter((row["agency_code"], national.keys[row["code"]]) for row in national.rows
                  if national.keys[row["code"]].startswith("mission:"))  # fmt: skip
    assert max(per.values()) <= 8


def test_cities_run_no_desa_apps_and_jakartas_administrative_cities_stay_small(national) -> None:  # type: ignore[no-untyped-def]
    agencies = {a.code: a for a in load_agencies()}
    for row in national.rows:
        agency, key = agencies[row["agency_code"]], national.keys[row["code"]]
        if agency.kind == "kota":
            assert key not in ("desa", "topic:BUMDes", "topic:Pengelola SPAM Desa"), row
        if agency.administrative:
            assert key in ("website", "ruang-rapat", "cctv") or key.startswith("topic:"), row
        if agency.code == "PROV-31":
            assert key not in ("pertanian", "desa"), row
    jakarta = [code for code, a in agencies.items() if a.administrative]
    assert len(jakarta) == 6
    assert agencies["KOTA-31.71"].region_label == "Kota Administrasi Jakarta Pusat"


def test_generated_acronyms_never_take_an_aplikasi_umum_acronym(national) -> None:  # type: ignore[no-untyped-def]
    covered = {"ppid": "eppid", "kinerja": "ekinerja", "pengaduan": "sp4n", "jdih": "jdihn"}
    for row in national.rows:
        head = _acronym_head(row["acronym"]) if row["acronym"] else ""
        if head in UMUM_ACRONYMS:
            assert covered.get(national.keys[row["code"]]) == head, row  # a deliberate variant in its group
    assert "e-Kinerja" in UMUM_COVERAGE
    assert "akuntabilitas-kinerja" not in UMUM_COVERAGE["e-Kinerja"]


def test_descriptions_and_names_never_repeat_a_word(national) -> None:  # type: ignore[no-untyped-def]
    import re

    repeated = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
    assert not [row["name"] for row in national.rows if repeated.search(row["name"])]
    assert not [row["description"] for row in national.rows if repeated.search(row["description"])]


def test_the_seed_gives_every_agency_services_data_sets_and_infrastructure(db_session) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from spbe.registry.demo.seed import seed_demo_applications
    from spbe.registry.models import (
        Agency,
        Application,
        ApplicationDataSet,
        DataSet,
        Infrastructure,
        Service,
        ServiceApplication,
    )

    seed_demo_applications(db_session, count=700)
    owners = {code for (code,) in db_session.execute(select(Agency.code).join(Service, Service.agency_id == Agency.id))}
    assert len(owners) >= 450  # ~1 application per agency at this size; see the national check
    assert db_session.scalar(select(func.count()).select_from(ServiceApplication)) > 400
    classes = dict(
        db_session.execute(select(DataSet.classification, func.count()).group_by(DataSet.classification)).all()
    )
    assert classes["terbuka"] > 2 * classes["terbatas"] > 0
    kinds = dict(db_session.execute(select(Infrastructure.kind, func.count()).group_by(Infrastructure.kind)).all())
    assert kinds["network"] >= 650
    assert kinds["data_centre"] > 200
    assert kinds["cloud"] > 200
    hosted = db_session.scalar(select(func.count()).select_from(Application).where(Application.hosting_id.is_not(None)))
    assert hosted > 400
    assert db_session.scalar(select(func.count()).select_from(ApplicationDataSet)) > 100
