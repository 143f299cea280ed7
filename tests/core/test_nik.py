"""NIK parsing: properties (hypothesis), the examples of the Foundation issue, the API and the CLI."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spbe.cli import runtime as runtime_module
from spbe.cli.main import app as cli
from spbe.core import logging as spbe_logging
from spbe.core.db import create_db_engine, make_session_factory
from spbe.core.nik import parser, service
from spbe.core.nik.parser import NikFields, NikResult, RegionNames, Sex, compose_nik, parse_nik
from spbe.core.wilayah.loader import packaged_region_names
from tests.core.fresh_database import fresh_database

TODAY = dt.date(2025, 6, 15)
NAMES = packaged_region_names()
REGIONS = RegionNames(NAMES)
DISTRICTS = sorted(code for code in NAMES if code.count(".") == 2)
SEPARATORS = ".-‐‑–—"


def parse(raw: str, today: dt.date = TODAY) -> NikResult:
    return parse_nik(raw, REGIONS, today=today)


def codes(problems: tuple[parser.NikProblem, ...]) -> list[str]:
    return [problem.code for problem in problems]


# --- properties -------------------------------------------------------------------------------------


@st.composite
def nik_fields(draw: st.DrawFn) -> tuple[NikFields, dt.date]:
    """Fields of a real NIK and a "today" at most ~100 years after the birth date."""
    today = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)))
    birth_date = today - dt.timedelta(days=draw(st.integers(0, 36_500)))
    fields = NikFields(
        district_code=draw(st.sampled_from(DISTRICTS)),
        birth_date=birth_date,
        sex=draw(st.sampled_from(Sex)),
        serial=draw(st.integers(1, 9999)),
    )
    return fields, today


@given(nik_fields())
def test_a_composed_nik_parses_back_to_its_fields(case: tuple[NikFields, dt.date]) -> None:
    fields, today = case
    result = parse(compose_nik(fields), today)
    assert result.valid, result.errors
    assert result.warnings == ()
    assert result.fields == fields


@given(nik_fields())
def test_women_have_forty_added_to_the_day(case: tuple[NikFields, dt.date]) -> None:
    fields, today = case
    day_field = int(compose_nik(fields)[6:8])
    offset = 40 if fields.sex is Sex.female else 0
    assert day_field == fields.birth_date.day + offset
    assert parse(compose_nik(fields), today).sex is fields.sex


non_separator = st.characters(exclude_characters="0123456789" + SEPARATORS).filter(lambda c: not c.isspace())


@given(st.text(alphabet="0123456789", min_size=0, max_size=20), non_separator, st.data())
def test_any_string_with_a_non_digit_is_invalid(digits: str, other: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(digits)))
    result = parse(digits[:position] + other + digits[position:])
    assert not result.valid
    assert "nik.non_digit" in codes(result.errors)


@given(st.integers(0, 99), st.sampled_from(Sex))
def test_29_february_is_valid_only_in_leap_years(two_digit_year: int, sex: Sex) -> None:
    day = 29 + (40 if sex is Sex.female else 0)
    result = parse(f"327305{day}02{two_digit_year:02d}0001")
    year = 2000 + two_digit_year if 2000 + two_digit_year <= TODAY.year else 1900 + two_digit_year
    assert result.valid is calendar.isleap(year)
    if not result.valid:
        assert codes(result.errors) == ["nik.birth_date"]
        assert "not a leap year" in result.errors[0].message


@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    result = parse(text)
    assert isinstance(result, NikResult)
    if result.valid:
        assert len(result.nik) == 16
        assert result.nik.isdigit()


# --- the examples -----------------------------------------------------------------------------


def test_kota_bandung_woman() -> None:
    result = parse("3273056010900009")
    assert result.valid
    assert (result.province_name, result.regency_name) == ("Jawa Barat", "Kota Bandung")
    assert (result.district_code, result.district_name) == ("32.73.05", "Andir")  # in the data: no warning
    assert result.warnings == ()
    assert (result.sex, result.birth_date, result.serial) == (Sex.female, dt.date(1990, 10, 20), 9)


def test_lebak_man() -> None:
    """36.02 is Kabupaten Lebak in Kepmendagri 300.2.2-2138/2025 (Kabupaten Serang is 36.04)."""
    result = parse("3602041211870001")
    assert result.valid
    assert (result.province_name, result.regency_name, result.district_name) == ("Banten", "Kabupaten Lebak", "Cipanas")
    assert (result.sex, result.birth_date, result.serial) == (Sex.male, dt.date(1987, 11, 12), 1)
    assert parse("3604051211870001").regency_name == "Kabupaten Serang"


def test_too_short() -> None:
    result = parse("1234")
    assert not result.valid
    assert [(p.code, p.message) for p in result.errors] == [("nik.length", "has 4 digits, needs 16")]


def test_letters_and_length_are_both_reported() -> None:
    result = parse("12a4")
    assert codes(result.errors) == ["nik.non_digit", "nik.length"]
    assert "'a' at position 3" in result.errors[0].message
    assert result.errors[1].message == "has 4 characters, needs 16 digits"


def test_unknown_province_is_invalid() -> None:
    result = parse("9902041211870001")
    assert codes(result.errors) == ["nik.province_unknown"]
    assert result.errors[0].message == "province code 99 does not exist"


def test_31_february_is_invalid() -> None:
    result = parse("3273053102900009")
    assert codes(result.errors) == ["nik.birth_date"]
    assert result.errors[0].message == "birth date 31 February 1990 does not exist"


def test_serial_0000_is_invalid() -> None:
    assert codes(parse("3273056010900000").errors) == ["nik.serial_zero"]


@pytest.mark.parametrize(
    ("nik", "code"),
    [("3273057210900009", "nik.birth_day"), ("3273053210900009", "nik.birth_day"),
     ("3273051013900009", "nik.birth_month"), ("3273050100900009", "nik.birth_month"),
     ("3273056010900009"[:6] + "0010900009", "nik.birth_day")],
)  # fmt: skip
def test_impossible_day_or_month(nik: str, code: str) -> None:
    assert code in codes(parse(nik).errors)


def test_unknown_regency_or_district_is_only_a_warning() -> None:
    regency = parse("3299056010900009")
    assert regency.valid
    assert codes(regency.warnings) == ["nik.regency_unknown"]
    district = parse("3273996010900009")
    assert district.valid
    assert codes(district.warnings) == ["nik.district_unknown"]
    assert (district.regency_name, district.district_name) == ("Kota Bandung", None)


def test_regency_or_district_00_is_invalid() -> None:
    assert codes(parse("3200056010900009").errors) == ["nik.regency_zero"]
    assert codes(parse("3273006010900009").errors) == ["nik.district_zero"]


@pytest.mark.parametrize(
    "typed", ["3273 0560 1090 0009", "3273.0560.1090.0009", "3273-0560-1090-0009", " 3273056010900009\n"]
)
def test_separators_people_type_are_ignored(typed: str) -> None:
    result = parse(typed)
    assert result.valid
    assert result.nik == "3273056010900009"


def test_century_keeps_the_birth_date_in_the_past_and_within_100_years() -> None:
    assert parse("3273051506250001").birth_date == dt.date(2025, 6, 15)  # born today
    assert parse("3273051606250001").birth_date == dt.date(1925, 6, 16)  # tomorrow → a century ago
    assert parse("3273052902000001").birth_date == dt.date(2000, 2, 29)  # 2000 is a leap year
    assert not parse("3273052902000001", today=dt.date(1999, 1, 1)).valid  # 1900 is not


def test_masking_reuses_the_logging_mask() -> None:
    assert parser.mask_nik is spbe_logging.mask_nik
    assert parse("3273056010900009").masked == "3273********0009"
    assert parse("32730560109000091").masked == "3273*********0091"  # a mistyped NIK is still personal data
    assert parse("32730560109x000a").masked == "3273********000a"
    assert parse("1234").masked == "1234"


# --- service, API -------------------------------------------------------------------------------------


def test_service_names_regions_from_the_database(db_session: Session) -> None:
    results = service.check_niks(db_session, ["3273056010900009", "1234"])
    assert [result.valid for result in results] == [True, False]
    assert results[0].district_name == "Andir"


def test_api_validates_one_nik(client: TestClient) -> None:
    response = client.post("/api/v1/nik/validate", json={"nik": "3273 0560 1090 0009"})
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["valid"] is True
    assert result["masked"] == "3273********0009"
    assert (result["regency_name"], result["sex"], result["birth_date"]) == ("Kota Bandung", "female", "1990-10-20")


def test_api_validates_a_batch_and_answers_200_when_invalid(client: TestClient) -> None:
    body = {"niks": ["3273056010900009", "3602041211870001", "1234"]}
    response = client.post("/api/v1/nik/validate", json=body)
    assert response.status_code == 200
    data = response.json()
    assert (data["valid"], data["invalid"]) == (2, 1)
    assert data["results"][2]["errors"] == [{"code": "nik.length", "message": "has 4 digits, needs 16"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "body"), ({"nik": "1", "niks": ["2"]}, "body"), ({"niks": []}, "niks"), ({"nik": 3273}, "nik"),
     ({"niks": ["1"] * 1001}, "niks"), ({"niks": ["1", "x" * 65]}, "niks.1"), ({"nik": "1", "other": 1}, "other")],
)  # fmt: skip
def test_api_rejects_malformed_bodies_naming_the_field(client: TestClient, body: object, field: str) -> None:
    response = client.post("/api/v1/nik/validate", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


# --- CLI ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the CLI at the test database (region codes loaded)."""
    monkeypatch.setitem(runtime_module.runtime.__dict__, "session_factory", make_session_factory(engine))


def test_cli_exits_1_when_any_nik_is_invalid(cli_database: None) -> None:
    result = CliRunner().invoke(cli, ["nik", "check", "3273056010900009", "3602041211870001", "1234"])
    assert result.exit_code == 1, result.output
    assert "3273********0009" in result.output
    assert "3273056010900009" not in result.output  # masked unless --show
    assert "Kota Bandung" in result.output
    assert "2 valid, 1 invalid" in result.output


def test_cli_exits_0_when_all_are_valid_and_shows_in_full_on_request(cli_database: None) -> None:
    result = CliRunner().invoke(cli, ["nik", "check", "--show", "3273056010900009"])
    assert result.exit_code == 0, result.output
    assert "3273056010900009" in result.output


def test_cli_works_on_a_database_without_region_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh_database(tmp_path) as url:
        engine = create_db_engine(url)
        monkeypatch.setitem(runtime_module.runtime.__dict__, "session_factory", make_session_factory(engine))
        result = CliRunner().invoke(cli, ["nik", "check", "3273056010900009"])
        engine.dispose()
    assert result.exit_code == 0, result.output
    assert "Kota Bandung" in result.output
    assert "packaged Kemendagri data" in result.output
