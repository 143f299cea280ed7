"""The demo inventory: deterministic, realistic in shape, labels kept apart, importable and idempotent."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.demo.generator import IMPORT_COLUMNS, NATIONAL_COUNT, generate, load_agencies
from spbe.registry.demo.seed import add_infrastructure_and_datasets, seed_demo_applications
from spbe.registry.models import Integration
from spbe.registry.service.imports import import_applications


@pytest.fixture(scope="module")
def national():  # type: ignore[no-untyped-def]
    return generate(NATIONAL_COUNT, seed=1)


def test_the_same_seed_gives_the_same_inventory() -> None:
    first, second = generate(1_500, seed=7), generate(1_500, seed=7)
    assert first.rows == second.rows
    assert first.integrations == second.integrations
    assert generate(1_500, seed=8).rows != first.rows


def test_every_agency_has_applications_in_realistic_numbers(national) -> None:  # type: ignore[no-untyped-def]
    assert len(national.rows) == NATIONAL_COUNT
    per_agency = Counter(row["agency_code"] for row in national.rows)
    agencies = {agency.code: agency.kind for agency in load_agencies()}
    assert set(per_agency) == set(agencies)
    assert len(agencies) == 656
    by_kind: dict[str, list[int]] = {}
    for code, count in per_agency.items():
        by_kind.setdefault(agencies[code], []).append(count)
    median = {kind: sorted(counts)[len(counts) // 2] for kind, counts in by_kind.items()}
    assert 25 <= median["kementerian"] <= 200  # bounded by each ministry's real missions
    assert 55 <= median["provinsi"] <= 110
    assert 20 <= median["kabupaten"] <= 50
    assert 20 <= median["kota"] <= 50


def test_rows_carry_exactly_the_import_columns_and_no_label(national) -> None:  # type: ignore[no-untyped-def]
    assert all(tuple(row) == IMPORT_COLUMNS for row in national.rows[:500])
    assert len({row["code"] for row in national.rows}) == NATIONAL_COUNT
    labels = national.labels
    assert set(labels) == {row["code"] for row in national.rows}
    assert not any(value in row.values() for row in national.rows[:200] for value in ("kepegawaian", "naskah-dinas"))


def test_known_duplicate_families_and_unique_applications_are_both_there(national) -> None:  # type: ignore[no-untyped-def]
    groups = Counter(label for label in national.labels.values() if label)
    for family in ("kepegawaian", "naskah-dinas", "anggaran", "pengaduan", "ppid", "jdih", "desa", "puskesmas"):
        assert groups[family] > 100, family
    unique = sum(1 for label in national.labels.values() if label is None)
    assert unique > 2_000


def test_names_vary_as_in_real_inventories(national) -> None:  # type: ignore[no-untyped-def]
    names = [row["name"] for row, label in zip(national.rows, national.labels.values(), strict=True)]
    staffing = {row["name"] for row in national.rows if national.keys[row["code"]] == "kepegawaian"}
    assert {"SIMPEG", "e-Pegawai", "SIMPEGDA"} & {name.split(" (")[0] for name in staffing}
    assert any(name.endswith(("Kabupaten Garut", "Kab. Garut", "Garut")) for name in names)
    assert any(name.isupper() and len(name) > 12 for name in names)


def test_the_demo_rows_import_cleanly(db_session: Session) -> None:
    inventory = generate(NATIONAL_COUNT, seed=1)
    add_infrastructure_and_datasets(db_session, inventory.catalogue)  # the rows name their hosting and data sets
    rows = inventory.rows[:400]
    report = import_applications(db_session, rows, actor=SYSTEM, dry_run=True)
    assert report.problems == []
    assert report.created == 400


def test_seeding_the_demo_twice_changes_nothing(db_session: Session) -> None:
    first = seed_demo_applications(db_session, count=700)
    links = db_session.scalar(select(func.count()).select_from(Integration))
    assert first.startswith("700 applications added")
    second = seed_demo_applications(db_session, count=700)
    assert (
        second
        == "0 applications added, 0 updated, 0 integrations added, 0 infrastructure, 0 data sets, 0 services added"
    )
    assert db_session.scalar(select(func.count()).select_from(Integration)) == links
