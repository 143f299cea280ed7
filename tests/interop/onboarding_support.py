"""Shared pieces of the onboarding tests: real platform tokens for staff of two agencies and the
coordinator, verified by the real verifier reading this test's (uncommitted) keys, and a valid OpenAPI
document."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.core.config import Settings
from spbe.core.keys import service as keys
from spbe.core.tokens import issue_platform_token, make_token_verifier

ISSUER = "https://spbe.test"
OPERATOR = "interop:operator"
# who: (agency, roles)
PEOPLE: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "op.kemenkes": ("KEMENKES", (OPERATOR,)),
    "op.bandung": ("KOTA-32.73", (OPERATOR,)),
    "op.bogor": ("KAB-32.01", (OPERATOR,)),
    "reader.kemenkes": ("KEMENKES", ()),
    "koordinator": ("KOMDIGI", ("registry:admin",)),
    "op.komdigi": ("KOMDIGI", (OPERATOR,)),
    "machine:kemenkes-ci": ("KEMENKES", (OPERATOR,)),  # an IKD machine client (client_credentials)
    "machine:bandung-reader": ("KOTA-32.73", ("registry:reader",)),
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Riwayat vaksinasi", "version": "1.0"},
    "paths": {
        "/riwayat/{nik}": {"get": {"summary": "Riwayat vaksin seorang penduduk"}},
        "/sertifikat": {"post": {"summary": "Terbitkan sertifikat"}},
    },
}
OPENAPI_YAML = """openapi: 3.1.0
info:
  title: Riwayat vaksinasi
  version: '1.0'
paths:
  /riwayat/{nik}:
    get:
      summary: Riwayat vaksin seorang penduduk
"""

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def auth(app: FastAPI, db_session: Session, settings: Settings) -> Auth:
    """``auth("op.kemenkes")`` → the ``Authorization`` header with a real token of that person."""
    keys.use_secret(settings.resolved_secret_key)
    app.state.token_verifier = make_token_verifier(lambda: Session(bind=db_session.connection()), ISSUER)
    tokens: dict[str, str] = {}

    def header(who: str) -> dict[str, str]:
        if who not in tokens:
            agency, roles = PEOPLE[who]
            tokens[who] = issue_platform_token(db_session, who, "staff", roles=roles, agency_code=agency, issuer=ISSUER)
            db_session.commit()
        return {"Authorization": f"Bearer {tokens[who]}"}

    return header


def audit_actions(session: Session, action_prefix: str = "interop.") -> list[tuple[str, str, str]]:
    """``(actor, action, outcome)`` of the audit records so far (this test's transaction)."""
    rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
    return [(r.actor, r.action, r.outcome) for r in rows if r.action.startswith(action_prefix)]


def onboard_provider(
    client: TestClient, auth: Auth, backend_url: str = "https://vaksin.kemenkes.go.id/api"
) -> dict[str, Any]:
    """KEMENKES registers SATUSEHAT and its published ``vaksin`` service; returns the service."""
    subsystem = client.post(
        "/api/v1/interop/subsystems", json={"code": "SATUSEHAT", "name": "SATUSEHAT"}, headers=auth("op.kemenkes")
    )
    assert subsystem.status_code == 201, subsystem.text
    body = {"code": "vaksin", "base_url": backend_url, "openapi": json.dumps(OPENAPI)}
    service = client.post(
        f"/api/v1/interop/subsystems/{subsystem.json()['id']}/services", json=body, headers=auth("op.kemenkes")
    )
    assert service.status_code == 201, service.text
    published = client.post(f"/api/v1/interop/services/{service.json()['id']}/publish", headers=auth("op.kemenkes"))
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


def onboard_consumer(client: TestClient, auth: Auth, who: str = "op.bandung", code: str = "MPP") -> dict[str, Any]:
    response = client.post(
        "/api/v1/interop/subsystems", json={"code": code, "name": "Mal Pelayanan Publik"}, headers=auth(who)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
