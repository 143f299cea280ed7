"""Each year is scored with the instrument its assessments used, not the latest one; across instruments,
per-indicator change compares only the indicators present in both and says which were left out."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.evaluation.demo import seed_demo_evaluations
from spbe.evaluation.instruments.loader import DEFAULT_INSTRUMENT, INSTRUMENT_DIR, load_instrument_file
from spbe.evaluation.national import comparable
from spbe.evaluation.service import importing, national, periods, views
from spbe.evaluation.service.instruments import current_instrument, instrument_for_year, sync_instruments

RENAMED = "Tingkat Kematangan Layanan Digital Terpadu"
CODES = ("KEMENDAGRI", "KEMENKEU", "PROV-32")


def _version_2(folder: Path) -> Path:
    """The bundled instrument as version 2: weight moved from indicator 43 to 42, indicator 47 replaced."""
    document = json.loads((INSTRUMENT_DIR / f"{DEFAULT_INSTRUMENT}.json").read_text(encoding="utf-8"))
    document["version"] = 2
    document["title"] += " (versi 2, uji)"
    weights = {42: 4.0, 43: 2.0}
    for indicator in document["indicators"]:
        indicator["weight"] = weights.get(indicator["number"], indicator["weight"])
        if indicator["number"] == 47:
            indicator["name"] = RENAMED
    path = folder / f"{DEFAULT_INSTRUMENT}-v2.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _levels(year: int, level_42: int, level_43: int) -> list[list[str]]:
    header = ["agency_code", "year", "indicator", "level"]
    rows = [header]
    for code in CODES:
        for n in range(1, 48):
            level = {42: level_42, 43: level_43}.get(n, 3)
            rows.append([code, str(year), str(n), str(level)])
    return rows


@pytest.fixture
def two_instruments(db_session: Session, tmp_path: Path) -> Session:
    """2023–2024 assessed with version 1 (demo data), then version 2 published and used for 2025."""
    seed_demo_evaluations(db_session, (2023, 2024))
    db_session.flush()
    _version_2(tmp_path)
    assert sync_instruments(db_session, tmp_path).startswith("1 new")
    importing.apply_import(db_session, SYSTEM, importing.plan_import(db_session, _levels(2025, 5, 1)))
    periods.close_cycle(db_session, SYSTEM, 2025)  # the conftest opened 2025: publish it
    db_session.flush()
    return db_session


def test_past_years_keep_their_instrument(two_instruments: Session) -> None:
    session = two_instruments
    assert current_instrument(session)[1].version == 2
    assert instrument_for_year(session, 2024)[1].version == 1
    assert instrument_for_year(session, 2025)[1].version == 2
    assert instrument_for_year(session, 2030)[1].version == 2  # a year not assessed yet: the current one
    past = national.picture(session, 2024)
    assert past.instrument.version == 1
    assert past.index == Decimal("3.12")  # the published 2024 index, scored with the 2024 instrument
    assert not past.instrument_changed


def test_a_year_is_scored_with_its_own_weights(two_instruments: Session) -> None:
    picture = national.picture(two_instruments, 2025)
    assert picture.instrument.version == 2
    # all 3 except 42 = 5 (weight 4.0 in v2) and 43 = 1 (weight 2.0): 3 + (2×4 − 2×2)/100 = 3.04; v1 would give 3.00
    assert {a.index for a in picture.agencies} == {Decimal("3.04")}
    assert picture.index == Decimal("3.04")


def test_movement_across_instruments_compares_only_shared_indicators(two_instruments: Session) -> None:
    picture = national.picture(two_instruments, 2025)
    assert picture.instrument_changed
    assert picture.previous_instrument is not None
    assert picture.previous_instrument.version == 1
    assert picture.not_compared == (47,)
    assert 47 not in picture.indicator_movement
    assert set(picture.indicator_movement) == set(range(1, 47))
    assert set(picture.movement) == set(CODES)
    same = national.picture(two_instruments, 2024)
    assert same.not_compared == ()
    assert set(same.indicator_movement) == set(range(1, 48))


def test_agency_history_compares_only_shared_indicators(two_instruments: Session) -> None:
    history = views.history(two_instruments, "KEMENDAGRI")
    assert [(h.year, h.instrument.version) for h in history] == [(2023, 1), (2024, 1), (2025, 2)]
    latest = history[-1]
    assert latest.instrument_changed
    assert latest.not_compared == (47,)
    assert 47 not in latest.change
    assert set(latest.change) == set(range(1, 47))
    assert history[1].not_compared == ()
    assert set(history[1].change) == set(range(1, 48))


def test_pages_say_the_instrument_changed(two_instruments: Session, client: TestClient) -> None:
    html = {"accept": "text/html", "accept-language": "en"}
    dashboard = client.get("/evaluation?year=2025", headers=html)
    assert dashboard.status_code == 200
    assert 'data-testid="instrument-changed"' in dashboard.text
    assert "permenpanrb-59-2020@2" in dashboard.text
    assert 'data-testid="instrument-changed"' not in client.get("/evaluation?year=2024", headers=html).text
    agency = client.get("/evaluation/agencies/KEMENDAGRI?year=2025", headers=html)
    assert agency.status_code == 200
    assert "present in both" in agency.text
    assert "Not compared" in agency.text


def test_comparable_matches_number_and_name() -> None:
    v1 = load_instrument_file(INSTRUMENT_DIR / f"{DEFAULT_INSTRUMENT}.json")
    assert comparable(v1, v1) == v1.numbers


def test_comparable_leaves_out_renamed_indicators(tmp_path: Path) -> None:
    v1 = load_instrument_file(INSTRUMENT_DIR / f"{DEFAULT_INSTRUMENT}.json")
    v2 = load_instrument_file(_version_2(tmp_path))
    assert comparable(v2, v1) == tuple(range(1, 47))
