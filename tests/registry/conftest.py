"""Registry test helpers: callers by bearer token (a fake verifier), sample rows, an import helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spbe.core.errors import Unauthorized
from spbe.core.security import Principal
from spbe.registry.service.applications import COLUMNS

STAFF = Principal("staff-bdg", "staff", "KOTA-32.73", frozenset({"registry:write"}))
OTHER_STAFF = Principal("staff-kab", "staff", "KAB-32.04", frozenset({"registry:write"}))
READ_ONLY_STAFF = Principal("staff-ro", "staff", "KOTA-32.73", frozenset())
COORDINATOR = Principal("koordinator", "staff", "KOMDIGI", frozenset({"registry:admin"}))
PRINCIPALS = {p.subject: p for p in (STAFF, OTHER_STAFF, READ_ONLY_STAFF, COORDINATOR)}


def auth(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {principal.subject}"}


@pytest.fixture
def api(app: FastAPI, client: TestClient) -> TestClient:
    """The client, with bearer tokens that are simply the subject of one of the principals above."""

    def verify(token: str) -> Principal:
        if token not in PRINCIPALS:
            raise Unauthorized("unknown test token")
        return PRINCIPALS[token]

    app.state.token_verifier = verify
    return client


def app_row(code: str = "KOTA-32.73-SIMPEG", **changes: str) -> dict[str, str]:
    """One import row of Kota Bandung's staffing application."""
    row = {
        "code": code,
        "name": "Sistem Informasi Manajemen Kepegawaian",
        "acronym": "SIMPEG",
        "description": "Pengelolaan data pegawai, mutasi dan kenaikan pangkat ASN Kota Bandung.",
        "agency_code": "KOTA-32.73",
        "kind": "khusus",
        "wali_agency_code": "",
        "category": "RAA.2.2",
        "affairs": "09.06",
        "service_area": "administrasi",
        "status": "production",
        "hosting": "PDN",
        "technology": "PHP/Laravel",
        "url": "https://simpeg.bandung.go.id",
        "users": "1200",
        "functional_fit": "2",
        "technical_fit": "3",
        "datasets": "",
    }
    row.update(changes)
    return row


def csv_text(rows: list[dict[str, str]], delimiter: str = ",") -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


Json = dict[str, Any]
Factory = Callable[..., dict[str, str]]
