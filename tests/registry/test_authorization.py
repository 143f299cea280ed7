"""Who may write: anonymous 401, other agency 403 (audited, nothing changed), own agency and coordinator OK;
confidential fields hidden from anonymous readers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.core.security import Principal
from spbe.registry.models import Application
from tests.registry.conftest import COORDINATOR, OTHER_STAFF, READ_ONLY_STAFF, STAFF, auth

API = "/api/v1/registry/applications"
BODY = {
    "code": "KOTA-32.73-SIPAKAR",
    "name": "Sistem Pelayanan Kartu Keluarga",
    "agency_code": "KOTA-32.73",
    "service_area": "administrasi",
    "url": "https://internal.bandung.go.id",
    "technology": "Java",
    "hosting": "PDN",
}


def _denials(session: Session, subject: str) -> int:
    query = (
        select(func.count())
        .select_from(AuditRecord)
        .where(AuditRecord.actor == subject, AuditRecord.outcome == "denied")
    )
    return session.scalar(query) or 0


def test_anonymous_write_is_401(api: TestClient) -> None:
    assert api.post(API, json=BODY).status_code == 401
    assert api.patch(f"{API}/AU-SRIKANDI", json={"version": 1, "name": "x"}).status_code == 401
    assert api.delete(f"{API}/AU-SRIKANDI").status_code == 401


@pytest.mark.parametrize("principal", [STAFF, COORDINATOR], ids=["own-agency", "coordinator"])
def test_own_agency_and_coordinator_may_write(api: TestClient, principal: Principal) -> None:
    assert api.post(API, json=BODY, headers=auth(principal)).status_code == 201
    changed = api.patch(f"{API}/{BODY['code']}", json={"version": 1, "status": "development"}, headers=auth(principal))
    assert changed.status_code == 200


@pytest.mark.parametrize("principal", [OTHER_STAFF, READ_ONLY_STAFF], ids=["other-agency", "no-role"])
def test_other_agency_is_403_audited_and_changes_nothing(
    api: TestClient, db_session: Session, principal: Principal
) -> None:
    api.post(API, json=BODY, headers=auth(STAFF))
    before = api.get(f"{API}/{BODY['code']}").json()
    denials = _denials(db_session, principal.subject)

    create = api.post(API, json={**BODY, "code": "KOTA-32.73-X"}, headers=auth(principal))
    update = api.patch(f"{API}/{BODY['code']}", json={"version": 1, "name": "Diubah"}, headers=auth(principal))
    delete = api.delete(f"{API}/{BODY['code']}", headers=auth(principal))

    assert (create.status_code, update.status_code, delete.status_code) == (403, 403, 403)
    assert api.get(f"{API}/{BODY['code']}").json() == before
    assert db_session.scalar(select(Application.id).where(Application.code == "KOTA-32.73-X")) is None
    assert _denials(db_session, principal.subject) == denials + 3


def test_staff_cannot_move_an_application_to_another_agency(api: TestClient) -> None:
    api.post(API, json=BODY, headers=auth(STAFF))
    moved = api.patch(f"{API}/{BODY['code']}", json={"version": 1, "agency_code": "KAB-32.04"}, headers=auth(STAFF))
    assert moved.status_code == 403


def test_confidential_fields_are_hidden_from_anonymous_readers(api: TestClient) -> None:
    api.post(API, json=BODY, headers=auth(STAFF))
    anonymous = api.get(f"{API}/{BODY['code']}").json()
    staff = api.get(f"{API}/{BODY['code']}", headers=auth(STAFF)).json()
    assert (anonymous["url"], anonymous["technology"], anonymous["hosting"]) == (None, None, None)
    assert (staff["url"], staff["technology"], staff["hosting"]) == (BODY["url"], "Java", "PDN")


def test_public_applications_show_their_url(api: TestClient) -> None:
    lapor = api.get(f"{API}/AU-SP4N-LAPOR").json()
    assert lapor["url"] == "https://www.lapor.go.id"
    assert lapor["technology"] is None
