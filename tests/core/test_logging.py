"""Structured request logs, with every NIK masked before a line is written."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from spbe.core.logging import JsonFormatter, mask_nik


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3273056010900009", "3273********0009"),
        ("nik=3602041211870001&x=1", "nik=3602********0001&x=1"),
        ("phone 081234567890", "phone 081234567890"),  # 12 digits: not a NIK shape
        ("12345678901234567", "12345678901234567"),  # 17 digits: not a NIK shape
    ],
)
def test_mask_nik(text: str, expected: str) -> None:
    assert mask_nik(text) == expected


def test_json_formatter_masks_fields_and_message() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "lookup %s", ("3273056010900009",), None)
    record.fields = {"path": "/residents/3273056010900009"}
    line = JsonFormatter().format(record)
    assert "3273056010900009" not in line
    data = json.loads(line)
    assert data["message"] == "lookup 3273********0009"
    assert data["path"] == "/residents/3273********0009"


def test_one_access_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="spbe.access"):
        response = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    lines = [r for r in caplog.records if r.name == "spbe.access"]
    assert len(lines) == 1
    fields = lines[0].fields  # type: ignore[attr-defined]
    assert fields["request_id"] == "abc-123"
    assert fields["route"] == "/healthz"
    assert fields["status"] == 200
    assert fields["duration_ms"] >= 0


def test_unsafe_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": "bad id\nwith newline"})
    assert response.headers["x-request-id"] != "bad id\nwith newline"
    assert len(response.headers["x-request-id"]) == 32
