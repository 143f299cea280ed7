"""Region codes: loading (counts, kinds, idempotence, validation), the API and the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spbe.cli import runtime as runtime_module
from spbe.cli.main import app as cli
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.errors import ValidationFailed
from spbe.core.wilayah import loader, repository, service
from spbe.core.wilayah.models import District, Regency, Village
from spbe.core.wilayah.schemas import RegionLevel
from tests.core.fresh_database import fresh_database

EXPECTED = {"province": 38, "regency": 514, "district": 7285, "village": 83762}
API = "/api/v1/wilayah"


# --- loading ------------------------------------------------------------------------------------------


def test_every_level_is_loaded(db_session: Session) -> None:
    assert {level.value: repository.count(db_session, level) for level in RegionLevel} == EXPECTED


def test_kinds_are_derived_from_the_codes(db_session: Session) -> None:
    regency_kinds = dict(db_session.execute(select(Regency.kind, func.count()).group_by(Regency.kind)).all())
    assert regency_kinds == {"kabupaten": 416, "kota": 98}
    village_kinds = dict(db_session.execute(select(Village.kind, func.count()).group_by(Village.kind)).all())
    assert village_kinds == {"kelurahan": 8496, "desa": 75252, "desa adat": 14}
    assert db_session.get(Regency, "32.73").kind == "kota"  # type: ignore[union-attr]
    assert db_session.get(Regency, "32.04").kind == "kabupaten"  # type: ignore[union-attr]


def test_reloading_changes_nothing(db_session: Session) -> None:
    report = service.load_regions(db_session)
    assert not report.changed
    assert report.summary() == "38 provinces, 514 regencies, 7,285 districts, 83,762 villages (already loaded)"


def _changes(session: Session, *, full: bool = False) -> dict[str, tuple[int, int]]:
    report = service.load_regions(session, full=full)
    return {level.level.value: (level.added, level.updated) for level in report.levels}


def test_a_partial_load_is_completed_and_renames_applied(db_session: Session) -> None:
    db_session.execute(delete(Village).where(Village.district_code == "32.73.05"))
    db_session.execute(update(Village).where(Village.code == "32.73.01.1001").values(name="Old name"))
    assert _changes(db_session)["village"] == (6, 1)
    assert db_session.get(Village, "32.73.01.1001").name != "Old name"  # type: ignore[union-attr]
    assert repository.count(db_session, RegionLevel.village) == EXPECTED["village"]


def test_levels_whose_counts_match_are_compared_only_when_asked(db_session: Session) -> None:
    db_session.execute(update(District).where(District.code == "32.73.05").values(name="Old name"))
    assert _changes(db_session)["district"] == (0, 0)
    assert _changes(db_session, full=True) == {
        "province": (0, 0),
        "regency": (0, 0),
        "district": (0, 1),
        "village": (0, 0),
    }
    assert db_session.get(District, "32.73.05").name == "Andir"  # type: ignore[union-attr]


def _data_dir(tmp_path: Path, **replace: str) -> Path:
    """A copy of the packaged data (villages cut to a few rows) with some files replaced."""
    for name in ("provinces.csv", "regencies.csv", "districts.csv"):
        shutil.copy(loader.DATA_DIR / name, tmp_path / name)
    villages = (loader.DATA_DIR / "villages.csv").read_text(encoding="utf-8").splitlines()[:4]
    (tmp_path / "villages.csv").write_text("\n".join(villages) + "\n", encoding="utf-8")
    for name, text in replace.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("file", "text", "field", "row", "reason"),
    [
        ("provinces", "code,nama\n11,Aceh\n", "provinces.csv: header", 1, "expected columns code,name"),
        ("provinces", "code,name\n11,Aceh\n1x,Bad\n", "provinces.csv: code", 3, "'1x' is not a province code"),
        ("provinces", "code,name\n11,Aceh\n11,Aceh\n", "provinces.csv: code", 3, "appears twice"),
        ("provinces", "code,name\n11,\n", "provinces.csv: name", 2, "is empty"),
        ("regencies", "code,province_code,name\n11.70,11,Kota X\n", "regencies.csv: code", 2, "neither a kabupaten"),
        ("regencies", "code,province_code,name\n11.71,11,Kabupaten X\n", "regencies.csv: name", 2, "Kota"),
        ("regencies", "code,province_code,name\n99.01,99,Kabupaten X\n", "regencies.csv: province_code", 2, "99"),
        ("regencies", "code,province_code,name\n11.01,12,Kabupaten X\n", "regencies.csv: code", 2, "belong"),
        ("villages", "code,district_code,name\n11.01.01.4001,11.01.01,X\n", "villages.csv: code", 2, "1, 2 or 3"),
        ("villages", "code,district_code,name\n11.01.01.2001,11.01.01\n", "villages.csv: row", 2, "2 values"),
    ],
)
def test_a_bad_row_names_file_row_and_reason(
    tmp_path: Path, file: str, text: str, field: str, row: int, reason: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        loader.read_region_data(_data_dir(tmp_path, **{file: text}))
    error = caught.value.errors[0]
    assert (error.field, error.row) == (field, row)
    assert reason in error.message
    assert "nothing was loaded" in caught.value.detail


def test_a_bad_row_writes_nothing(tmp_path: Path) -> None:
    bad_villages = "code,district_code,name\n11.01.01.2001,11.01.01,Fine\n11.01.01.2002,11.01.99,Orphan\n"
    data_dir = _data_dir(tmp_path, villages=bad_villages)
    with fresh_database(tmp_path) as url:
        engine = create_db_engine(url)
        factory = make_session_factory(engine)
        with pytest.raises(ValidationFailed, match="nothing was loaded"), session_scope(factory) as session:
            service.load_regions(session, data_dir)
        with session_scope(factory, write=False) as session:
            assert repository.count(session, RegionLevel.province) == 0
        engine.dispose()


def test_packaged_names_need_no_database() -> None:
    names = loader.packaged_region_names()
    assert (names["32"], names["32.73"], names["32.73.05"]) == ("Jawa Barat", "Kota Bandung", "Andir")


@pytest.mark.parametrize(
    ("raw", "level", "expected"),
    [("32", RegionLevel.province, "32"), ("3273", None, "32.73"), (" 32.73.05 ", None, "32.73.05"),
     ("3273051001", RegionLevel.village, "32.73.05.1001")],
)  # fmt: skip
def test_codes_are_accepted_dotted_or_plain(raw: str, level: RegionLevel | None, expected: str) -> None:
    assert service.normalize_code(raw, field="code", level=level) == expected


@pytest.mark.parametrize("raw", ["3x", "", "327", "32.7.3", "32..73", "32.73", "٣٢"])
def test_bad_codes_name_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.normalize_code(raw, field="province", level=RegionLevel.province)
    assert caught.value.errors[0].field == "province"


# --- API ----------------------------------------------------------------------------------------------


def test_provinces(client: TestClient) -> None:
    body = client.get(f"{API}/provinces").json()
    assert body["total"] == 38
    assert {"code": "32", "name": "Jawa Barat"} in body["items"]


def test_regencies_of_a_province(client: TestClient) -> None:
    body = client.get(f"{API}/regencies", params={"province": "32"}).json()
    assert body["total"] == 27
    assert {item["province_code"] for item in body["items"]} == {"32"}
    bandung = next(item for item in body["items"] if item["code"] == "32.73")
    assert bandung == {"code": "32.73", "name": "Kota Bandung", "kind": "kota", "province_code": "32"}
    assert client.get(f"{API}/regencies").json()["total"] == 514


def test_districts_of_a_regency(client: TestClient) -> None:
    body = client.get(f"{API}/districts", params={"regency": "32.73"}).json()
    assert body["total"] == 30
    assert {"code": "32.73.05", "name": "Andir", "regency_code": "32.73"} in body["items"]
    assert client.get(f"{API}/districts", params={"regency": "3273"}).json()["total"] == 30


def test_villages_are_paginated(client: TestClient) -> None:
    first = client.get(f"{API}/villages", params={"district": "32.73.05", "limit": 4}).json()
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (6, 4, 0, 4)
    assert first["items"][0] == {
        "code": "32.73.05.1001",
        "name": "Maleber",
        "kind": "kelurahan",
        "district_code": "32.73.05",
    }
    rest = client.get(f"{API}/villages", params={"district": "32.73.05", "limit": 4, "offset": 4}).json()
    assert [item["code"] for item in rest["items"]] == ["32.73.05.1005", "32.73.05.1006"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [("regencies", {"province": "3x"}, "province"), ("districts", {"regency": "32"}, "regency"),
     ("districts", {}, "regency"), ("villages", {"district": "32.73.05", "limit": 0}, "limit"),
     ("villages", {"district": "x" * 30}, "district"), ("search", {"q": "a"}, "q"),
     ("search", {"q": "bandung", "level": "kecamatan"}, "level"), ("3x", {}, "code")],
)  # fmt: skip
def test_bad_parameters_are_422_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, object], field: str
) -> None:
    response = client.get(f"{API}/{path}", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "params"),
    [("regencies", {"province": "99"}), ("districts", {"regency": "32.99"}), ("villages", {"district": "32.73.99"}),
     ("99", {}), ("32.73.05.9999", {})],
)  # fmt: skip
def test_unknown_codes_are_404(client: TestClient, path: str, params: dict[str, str]) -> None:
    response = client.get(f"{API}/{path}", params=params)
    assert response.status_code == 404
    assert "There is no" in response.json()["detail"]


def test_one_region_with_its_parents(client: TestClient) -> None:
    body = client.get(f"{API}/32.73.05.1001").json()
    assert (body["name"], body["level"], body["kind"], body["children"]) == ("Maleber", "village", "kelurahan", 0)
    assert [(p["code"], p["name"], p["level"]) for p in body["parents"]] == [
        ("32", "Jawa Barat", "province"),
        ("32.73", "Kota Bandung", "regency"),
        ("32.73.05", "Andir", "district"),
    ]
    city = client.get(f"{API}/3273").json()
    assert (city["code"], city["kind"], city["children"]) == ("32.73", "kota", 30)


def test_search_ranks_exact_then_prefix_then_contains(client: TestClient) -> None:
    hits = client.get(f"{API}/search", params={"q": "BANDUNG", "limit": 100}).json()
    assert [hit["name"] for hit in hits[:2]] == ["Kota Bandung", "Kabupaten Bandung"]
    ranks = [("exact", "prefix", "contains").index(hit["match"]) for hit in hits]
    assert ranks == sorted(ranks)
    assert all("bandung" in hit["name"].lower() for hit in hits)
    district = next(hit for hit in hits if hit["level"] == "district")
    assert district["parents"][0]["level"] == "province"


def test_search_by_level_and_limit(client: TestClient) -> None:
    hits = client.get(f"{API}/search", params={"q": "bandung", "level": "regency"}).json()
    assert [(hit["code"], hit["match"]) for hit in hits] == [
        ("32.73", "exact"),
        ("32.04", "exact"),
        ("32.17", "prefix"),
    ]
    assert len(client.get(f"{API}/search", params={"q": "sari", "limit": 7}).json()) == 7


@pytest.mark.parametrize("q", ["%%", "__", "a\\b"])
def test_search_treats_wildcards_literally(client: TestClient, q: str) -> None:
    response = client.get(f"{API}/search", params={"q": q})
    assert response.status_code == 200
    assert response.json() == []


# --- CLI ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(runtime_module.runtime.__dict__, "session_factory", make_session_factory(engine))


def test_cli_stats_search_and_show(cli_database: None) -> None:
    runner = CliRunner()
    stats = runner.invoke(cli, ["wilayah", "stats"])
    assert stats.exit_code == 0, stats.output
    assert "83,762" in stats.output
    search = runner.invoke(cli, ["wilayah", "search", "bandung", "--level", "regency"])
    assert search.exit_code == 0, search.output
    assert "Kabupaten Bandung Barat" in search.output
    show = runner.invoke(cli, ["wilayah", "show", "3273"])
    assert show.exit_code == 0, show.output
    assert "Kota Bandung" in show.output
    assert "30 districts" in show.output


def test_cli_errors_exit_1_without_traceback(cli_database: None) -> None:
    result = CliRunner().invoke(cli, ["wilayah", "show", "3x"])
    assert result.exit_code == 1
    assert "'3x' is not a region code" in result.output
    assert "Traceback" not in result.output
    assert CliRunner().invoke(cli, ["wilayah", "show", "99"]).exit_code == 1


def test_cli_load_on_a_fresh_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh_database(tmp_path) as url:
        engine = create_db_engine(url)
        monkeypatch.setitem(runtime_module.runtime.__dict__, "session_factory", make_session_factory(engine))
        runner = CliRunner()
        assert runner.invoke(cli, ["wilayah", "search", "bandung"]).exit_code == 1  # not loaded yet
        first = runner.invoke(cli, ["wilayah", "load"])
        second = runner.invoke(cli, ["wilayah", "load"])
        engine.dispose()
    assert first.exit_code == 0, first.output
    assert "(91,599 added)" in first.output
    assert "(already loaded)" in second.output
