"""Instrument files: validation with precise messages, a second instrument as a file, idempotent loading."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, ValidationFailed
from spbe.evaluation.instruments.loader import INSTRUMENT_DIR, load_instrument_file, load_instruments
from spbe.evaluation.scoring import score
from spbe.evaluation.service.instruments import sync_instruments

ORIGINAL = INSTRUMENT_DIR / "permenpanrb-59-2020.json"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ORIGINAL.read_text(encoding="utf-8"))
    return document


def _write(tmp_path: Path, document: dict[str, Any], name: str = "x.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        load_instrument_file(path)
    assert path.name in caught.value.detail
    return [f"{e.field}: {e.message}" for e in caught.value.errors]


def test_bundled_instrument_is_valid() -> None:
    (instrument,) = load_instruments()
    assert instrument.code == "permenpanrb-59-2020"
    assert [s.code for s in instrument.scales] == ["proses", "layanan"]
    assert [lv.name for lv in instrument.scale("proses").levels][-1] == "Optimum"
    assert instrument.level_name(35, 3) == "Transaksi"


def test_weights_not_adding_up_are_rejected(tmp_path: Path) -> None:
    document = _document()
    document["indicators"][0]["weight"] = 1.4
    errors = _errors(_write(tmp_path, document))
    assert "indicators: indicator weights add up to 100.1, not 100" in errors
    assert "aspects[0].weight: aspect A1 weighs 13 but its indicators add up to 13.1" in errors


def test_duplicate_number_and_unknown_aspect_are_rejected(tmp_path: Path) -> None:
    document = _document()
    document["indicators"][1]["number"] = 1
    document["indicators"][2]["aspect"] = "A9"
    errors = _errors(_write(tmp_path, document))
    assert "indicators: 1 appears more than once (numbers and codes must be unique)" in errors
    assert "indicators[2].aspect: indicator 3: unknown aspect 'A9'" in errors


def test_domain_weight_must_match_its_aspects(tmp_path: Path) -> None:
    document = _document()
    document["domains"][0]["weight"] = 16.5
    document["domains"][2]["weight"] = 13
    errors = _errors(_write(tmp_path, document))
    assert "domains[0].weight: domain D1 weighs 16.5 but its aspects add up to 13" in errors


def test_missing_field_and_bad_json(tmp_path: Path) -> None:
    document = _document()
    del document["indicators"][0]["name"]
    assert _errors(_write(tmp_path, document)) == ["name: is required"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"bad\.json: not valid JSON"):
        load_instrument_file(bad)


SECOND = {
    "code": "pemdi-demo",
    "version": 1,
    "title": "Evaluasi Pemerintah Digital (contoh)",
    "total_weight": 100,
    "scales": [{"code": "s", "name": "Tingkat", "levels": [{"level": n, "name": f"L{n}"} for n in range(1, 6)]}],
    "predikat": [
        {"name": "Kurang", "from": None, "below": 1.5},
        {"name": "Cukup", "from": 1.5, "below": 2.5},
        {"name": "Baik", "from": 2.5, "below": 3.5},
        {"name": "Sangat Baik", "from": 3.5, "below": 4.0},
        {"name": "Memuaskan", "from": 4.0, "below": None},
    ],
    "domains": [{"code": "P", "name": "Pemerintah Digital", "weight": 100}],
    "aspects": [
        {"code": "K", "domain": "P", "name": "Kepuasan Pengguna", "weight": 60},
        {"code": "D", "domain": "P", "name": "Data", "weight": 40},
    ],
    "indicators": [
        {"number": 1, "aspect": "K", "name": "Kepuasan", "weight": 60, "scale": "s"},
        {"number": 2, "aspect": "D", "name": "Data", "weight": 40, "scale": "s"},
    ],
}


def test_a_second_instrument_is_added_as_a_file(tmp_path: Path, db_session: Session) -> None:
    _write(tmp_path, SECOND, "pemdi-demo.json")
    (instrument,) = load_instruments(tmp_path)
    result = score(instrument, {1: 4, 2: 3})
    assert result.index == Decimal("3.6")
    assert result.predikat == "Sangat Baik"
    assert sync_instruments(db_session, tmp_path) == "1 new instrument version(s), 0 unchanged"
    assert sync_instruments(db_session, tmp_path) == "0 new instrument version(s), 1 unchanged"


def test_changed_content_needs_a_new_version(tmp_path: Path, db_session: Session) -> None:
    _write(tmp_path, SECOND, "pemdi-demo.json")
    sync_instruments(db_session, tmp_path)
    _write(tmp_path, {**SECOND, "title": "Changed"}, "pemdi-demo.json")
    with pytest.raises(Conflict, match="new version number"):
        sync_instruments(db_session, tmp_path)
    _write(tmp_path, {**SECOND, "title": "Changed", "version": 2}, "pemdi-demo.json")
    assert sync_instruments(db_session, tmp_path).startswith("1 new")
