"""Agencies (instansi): the seeded central agencies and 552 regional governments, reseeding, the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, ValidationFailed
from spbe.registry import repository, service
from spbe.registry.models import Agency, AgencyKind

API = "/api/v1/registry/agencies"
CENTRAL = {"kementerian": 48, "lpnk": 26, "lembaga": 30}
REGIONAL = {"provinsi": 38, "kabupaten": 416, "kota": 98}


def test_every_agency_is_seeded(db_session: Session) -> None:
    assert repository.count_by_kind(db_session) == CENTRAL | REGIONAL
    assert sum(REGIONAL.values()) == 552


@pytest.mark.parametrize(
    ("code", "name", "short_name", "kind", "region_code", "province_code"),
    [
        ("PROV-32", "Pemerintah Provinsi Jawa Barat", "Pemprov Jawa Barat", "provinsi", "32", "32"),
        ("KAB-32.04", "Pemerintah Kabupaten Bandung", "Pemkab Bandung", "kabupaten", "32.04", "32"),
        ("KOTA-32.73", "Pemerintah Kota Bandung", "Pemkot Bandung", "kota", "32.73", "32"),
        ("KEMENDAGRI", "Kementerian Dalam Negeri", "Kemendagri", "kementerian", None, None),
        ("KEMENKEU", "Kementerian Keuangan", "Kemenkeu", "kementerian", None, None),
        ("KEMENPANRB", "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi", "KemenPANRB",
         "kementerian", None, None),
        ("KOMDIGI", "Kementerian Komunikasi dan Digital", "Komdigi", "kementerian", None, None),
        ("BAPPENAS", "Kementerian Perencanaan Pembangunan Nasional/Badan Perencanaan Pembangunan Nasional",
         "Kementerian PPN/Bappenas", "kementerian", None, None),
        ("BPS", "Badan Pusat Statistik", "BPS", "lpnk", None, None),
        ("BSSN", "Badan Siber dan Sandi Negara", "BSSN", "lpnk", None, None),
        ("KPK", "Komisi Pemberantasan Korupsi", "KPK", "lembaga", None, None),
    ],
)  # fmt: skip
def test_agencies_carry_official_names_and_stable_codes(
    db_session: Session, code: str, name: str, short_name: str, kind: str, region_code: str | None,
    province_code: str | None,
) -> None:  # fmt: skip
    agency = repository.get_by_code(db_session, code)
    assert agency is not None
    assert (agency.name, agency.short_name, agency.kind) == (name, short_name, kind)
    assert (agency.region_code, agency.province_code) == (region_code, province_code)


def test_every_regional_government_names_its_province(db_session: Session) -> None:
    regional = [kind.value for kind in AgencyKind if kind.is_regional]
    query = select(func.count()).where(Agency.kind.in_(regional), Agency.province_code.is_(None))
    assert db_session.scalar(query) == 0


def test_reseeding_adds_nothing(db_session: Session) -> None:
    summary = service.seed_agencies(db_session)
    assert (summary.added, summary.updated) == (0, 0)
    assert summary.text() == (
        "48 kementerian, 26 LPNK, 30 lembaga, 552 regional governments "
        "(38 provinces, 416 kabupaten, 98 kota) (already seeded)"
    )


def test_reseeding_restores_changed_names(db_session: Session) -> None:
    db_session.execute(update(Agency).where(Agency.code == "BPS").values(name="Biro Pusat Statistik"))
    db_session.expire_all()
    summary = service.seed_agencies(db_session)
    assert (summary.added, summary.updated) == (0, 1)
    assert service.get_by_code(db_session, "BPS").name == "Badan Pusat Statistik"


def test_regional_agencies_need_region_codes(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.wilayah, "regions_loaded", lambda _session: False)
    with pytest.raises(Conflict, match="spbe wilayah load"):
        service.seed_agencies(db_session)


def test_a_bad_central_agencies_file_names_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "central_agencies.csv"
    path.write_text(
        "code,name,short_name,kind\n"
        "BPS,Badan Pusat Statistik,BPS,lpnk\n"
        "bps2,Lower case,,lpnk\n"
        "BPS,Twice,,lpnk\n"
        "XYZ,,,provinsi\n"
        "ONLY,three,values\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match="nothing was seeded") as caught:
        service.read_central_agencies(path)
    found = [(error.row, error.field.split(": ")[1]) for error in caught.value.errors]
    assert found == [(3, "code"), (4, "code"), (5, "name"), (5, "kind"), (6, "row")]


def test_the_central_agencies_file_is_valid() -> None:
    agencies = service.read_central_agencies()
    assert len(agencies) == sum(CENTRAL.values())
    assert all(agency.short_name for agency in agencies)


# --- API ----------------------------------------------------------------------------------------------


def test_list_filters_by_kind(client: TestClient) -> None:
    body = client.get(API, params={"kind": "kementerian", "limit": 100}).json()
    assert body["total"] == 48
    assert {item["kind"] for item in body["items"]} == {"kementerian"}


def test_list_filters_by_province_and_orders_by_region(client: TestClient) -> None:
    body = client.get(API, params={"province": "32", "limit": 100}).json()
    assert body["total"] == 28  # the province, 18 kabupaten and 9 kota
    assert [item["code"] for item in body["items"][:2]] == ["PROV-32", "KAB-32.01"]


def test_list_searches_names_and_codes(client: TestClient) -> None:
    body = client.get(API, params={"q": "BANDUNG"}).json()
    assert sorted(item["code"] for item in body["items"]) == ["KAB-32.04", "KAB-32.17", "KOTA-32.73"]
    assert client.get(API, params={"q": "kemendagri"}).json()["items"][0]["code"] == "KEMENDAGRI"


def test_list_is_paginated_central_agencies_first(client: TestClient) -> None:
    first = client.get(API, params={"limit": 5}).json()
    assert (first["total"], first["limit"], len(first["items"])) == (656, 5, 5)
    assert {item["kind"] for item in first["items"]} == {"kementerian"}
    last = client.get(API, params={"limit": 5, "offset": 654}).json()
    assert [item["kind"] for item in last["items"]] == ["kota", "kota"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "ministry"}, "kind"), ({"province": "3x"}, "province"), ({"q": "a"}, "q"), ({"limit": 0}, "limit")],
)
def test_bad_filters_are_422_naming_the_parameter(client: TestClient, params: dict[str, object], field: str) -> None:
    response = client.get(API, params=params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_one_agency_by_code(client: TestClient) -> None:
    body = client.get(f"{API}/kota-32.73").json()
    assert body == {
        "code": "KOTA-32.73",
        "name": "Pemerintah Kota Bandung",
        "short_name": "Pemkot Bandung",
        "kind": "kota",
        "region_code": "32.73",
        "province_code": "32",
    }
    response = client.get(f"{API}/NOPE")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
