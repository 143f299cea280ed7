"""The developer portal pages: a service's page with its OpenAPI and the request form, the inbox, and
"my subsystems" with the register-service upload — driven with bearer tokens and CSRF tokens."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.interop import repository
from spbe.interop.config_document import build_snapshot, read_document
from spbe.interop.identifiers import ClientId, ServiceId
from tests.interop import onboarding_support
from tests.interop.onboarding_support import (
    OPENAPI,
    OPENAPI_YAML,
    Auth,
    audit_actions,
    onboard_consumer,
    onboard_provider,
)

auth = onboarding_support.auth  # the fixture

HTML = {"Accept": "text/html"}
VAKSIN = "ID/GOV/KEMENKES/SATUSEHAT/vaksin"


def _csrf(page_text: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_text)
    assert match, "the page has no CSRF field"
    return match.group(1)


def _get(client: TestClient, url: str, headers: dict[str, str]) -> tuple[str, str]:
    page = client.get(url, headers={**HTML, **headers})
    assert page.status_code == 200, page.text
    return page.text, _csrf(page.text)


def test_the_service_page_shows_operations_and_swagger(client: TestClient, auth: Auth) -> None:
    service = onboard_provider(client, auth)
    page = client.get(f"/interop/services/{service['id']}", headers=HTML)
    assert page.status_code == 200
    assert VAKSIN in page.text
    assert "/riwayat/{nik}" in page.text
    assert "Riwayat vaksin seorang penduduk" in page.text
    assert f'data-openapi-url="/api/v1/interop/services/{service["id"]}/openapi.json"' in page.text
    assert "https://vaksin.kemenkes.go.id" not in page.text  # the back end stays private
    assert 'action="/interop/services' not in page.text  # anonymous: no form
    document = client.get(f"/api/v1/interop/services/{service['id']}/openapi.json")
    assert document.json()["info"]["title"] == OPENAPI["info"]["title"]
    catalogue = client.get("/interop", headers=HTML).text
    assert f'href="/interop/services/{service["id"]}"' in catalogue


def test_request_access_through_the_form_then_approve_in_the_inbox(
    client: TestClient, auth: Auth, db_session: Session
) -> None:
    service = onboard_provider(client, auth)
    onboard_consumer(client, auth)
    page, token = _get(client, f"/interop/services/{service['id']}", auth("op.bandung"))
    assert 'value="ID/PEMDA/KOTA-32.73/MPP"' in page
    form = {"csrf_token": token, "client": "ID/PEMDA/KOTA-32.73/MPP", "endpoints": ["GET /riwayat/*"], "purpose": "MPP"}
    sent = client.post(
        f"/interop/services/{service['id']}/request-access",
        data=form,
        headers=auth("op.bandung"),
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    mine = client.get("/interop/requests?sent=1", headers={**HTML, **auth("op.bandung")}).text
    assert "outgoing-1" in mine or 'data-testid="outgoing-' in mine
    inbox, token = _get(client, "/interop/requests", auth("op.kemenkes"))
    request_id = int(re.search(r'data-testid="incoming-(\d+)"', inbox).group(1))  # type: ignore[union-attr]
    no_reason = client.post(
        f"/interop/requests/{request_id}/reject",
        data={"csrf_token": token, "reason": ""},
        headers={**HTML, **auth("op.kemenkes")},
    )
    assert no_reason.status_code == 422
    assert f'href="#reason-{request_id}"' in no_reason.text
    approved = client.post(
        f"/interop/requests/{request_id}/approve",
        data={"csrf_token": token},
        headers=auth("op.kemenkes"),
        follow_redirects=False,
    )
    assert approved.status_code == 303
    snapshot = build_snapshot(read_document(db_session))
    entry = snapshot.services[ServiceId(ClientId("ID", "GOV", "KEMENKES", "SATUSEHAT"), "vaksin")]
    assert entry.allowed(snapshot.clients[ClientId("ID", "PEMDA", "KOTA-32.73", "MPP")], "GET", "/riwayat/1")
    status_page = client.get("/interop/requests", headers={**HTML, **auth("op.bandung")}).text
    assert "Disetujui" in status_page or "Approved" in status_page


def test_forms_without_the_csrf_token_are_refused(client: TestClient, auth: Auth, db_session: Session) -> None:
    onboard_consumer(client, auth)
    _get(client, "/interop/my", auth("op.bandung"))  # sets the cookie
    forged = client.post(
        "/interop/my/subsystems", data={"code": "X", "name": "x", "csrf_token": "wrong"}, headers=auth("op.bandung")
    )
    assert forged.status_code == 403
    missing = client.post("/interop/my/subsystems", data={"code": "X", "name": "x"}, headers=auth("op.bandung"))
    assert missing.status_code == 403
    assert [s.code for s in repository.all_subsystems(db_session)] == ["MPP"]


def test_register_subsystem_and_service_with_an_upload(client: TestClient, auth: Auth, db_session: Session) -> None:
    page, token = _get(client, "/interop/my", auth("op.kemenkes"))
    created = client.post(
        "/interop/my/subsystems",
        data={"csrf_token": token, "code": "SATUSEHAT", "name": "SATUSEHAT"},
        headers=auth("op.kemenkes"),
        follow_redirects=False,
    )
    assert created.status_code == 303
    page, token = _get(client, "/interop/my?done=subsystem", auth("op.kemenkes"))
    subsystem_id = int(re.search(r'action="/interop/my/subsystems/(\d+)/services"', page).group(1))  # type: ignore[union-attr]
    fields = {
        "csrf_token": token,
        "code": "vaksin",
        "base_url": "https://vaksin.kemenkes.go.id/api",
        "timeout_ms": "5000",
    }
    uploaded = client.post(
        f"/interop/my/subsystems/{subsystem_id}/services",
        data=fields,
        files={"openapi_file": ("vaksin.yaml", OPENAPI_YAML.encode(), "application/yaml")},
        headers=auth("op.kemenkes"),
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    page, token = _get(client, "/interop/my?done=service", auth("op.kemenkes"))
    assert VAKSIN in page
    assert "https://vaksin.kemenkes.go.id/api" in page
    service_id = int(re.search(r'action="/interop/my/services/(\d+)/publish"', page).group(1))  # type: ignore[union-attr]
    published = client.post(
        f"/interop/my/services/{service_id}/publish",
        data={"csrf_token": token},
        headers=auth("op.kemenkes"),
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert VAKSIN in client.get("/interop", headers=HTML).text
    issued = client.post(
        f"/interop/my/subsystems/{subsystem_id}/credentials",
        data={"csrf_token": token, "kind": "api_key"},
        headers=auth("op.kemenkes"),
    )
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    secret = re.search(r'data-testid="secret">(splp_[^<]+)<', issued.text).group(1)  # type: ignore[union-attr]
    assert secret not in client.get("/interop/my", headers={**HTML, **auth("op.kemenkes")}).text


def test_a_bad_upload_shows_the_problem_and_writes_nothing(client: TestClient, auth: Auth, db_session: Session) -> None:
    onboard_provider(client, auth)
    page, token = _get(client, "/interop/my", auth("op.kemenkes"))
    subsystem_id = int(re.search(r'action="/interop/my/subsystems/(\d+)/services"', page).group(1))  # type: ignore[union-attr]
    bad = json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"gett": {}}}})
    response = client.post(
        f"/interop/my/subsystems/{subsystem_id}/services",
        data={"csrf_token": token, "code": "lain", "base_url": "https://lain.kemenkes.go.id"},
        files={"openapi_file": ("lain.json", bad.encode(), "application/json")},
        headers={**HTML, **auth("op.kemenkes")},
    )
    assert response.status_code == 422
    assert "&#39;paths./a.gett&#39; is not an HTTP method" in response.text
    assert 'href="#openapi"' in response.text
    assert 'value="https://lain.kemenkes.go.id"' in response.text  # the form keeps what was typed
    assert [s.code for s in repository.all_services(db_session)] == ["vaksin"]


def test_a_failed_subsystem_registration_leaves_no_member_behind(
    client: TestClient, auth: Auth, db_session: Session
) -> None:
    _, token = _get(client, "/interop/my", auth("op.bogor"))
    response = client.post(
        "/interop/my/subsystems",
        data={"csrf_token": token, "code": "PPID", "name": "x", "application_code": "AU-PPID"},
        headers={**HTML, **auth("op.bogor")},
    )
    assert response.status_code == 422
    assert "belongs to KOMDIGI" in response.text
    assert repository.member_of_agency(db_session, "KAB-32.01") is None


def test_another_agency_cannot_publish_through_the_page(client: TestClient, auth: Auth, db_session: Session) -> None:
    service = onboard_provider(client, auth)
    client.post(f"/api/v1/interop/services/{service['id']}/unpublish", headers=auth("op.kemenkes"))
    _, token = _get(client, "/interop/my", auth("op.bandung"))
    refused = client.post(
        f"/interop/my/services/{service['id']}/publish",
        data={"csrf_token": token},
        headers={**HTML, **auth("op.bandung")},
    )
    assert refused.status_code == 403
    assert (
        not build_snapshot(read_document(db_session))
        .services[ServiceId(ClientId("ID", "GOV", "KEMENKES", "SATUSEHAT"), "vaksin")]
        .enabled
    )
    assert audit_actions(db_session)[-1] == ("op.bandung", "interop.service.publish", "denied")


def test_pages_need_a_signed_in_caller(client: TestClient) -> None:
    for url in ("/interop/my", "/interop/requests"):
        page = client.get(url, headers=HTML, follow_redirects=False)
        # 401, or (with browser sign-in) a redirect to the sign-in page
        assert page.status_code == 401 or page.headers.get("location", "").startswith("/masuk?next="), url
    for url in ("/api/v1/interop/subsystems", "/api/v1/interop/access-requests"):
        assert client.get(url, follow_redirects=False).status_code == 401


def test_revoke_a_right_and_a_key_from_the_page(client: TestClient, auth: Auth, db_session: Session) -> None:
    service = onboard_provider(client, auth)
    consumer = onboard_consumer(client, auth)
    body = {"service": VAKSIN, "client": consumer["identifier"], "purpose": "MPP"}
    request_id = client.post("/api/v1/interop/access-requests", json=body, headers=auth("op.bandung")).json()["id"]
    client.post(f"/api/v1/interop/access-requests/{request_id}/approve", headers=auth("op.kemenkes"))
    page, token = _get(client, "/interop/my", auth("op.kemenkes"))
    grant_id = int(re.search(r'action="/interop/my/grants/(\d+)/revoke"', page).group(1))  # type: ignore[union-attr]
    revoked = client.post(
        f"/interop/my/grants/{grant_id}/revoke",
        data={"csrf_token": token},
        headers=auth("op.kemenkes"),
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert client.get("/api/v1/interop/grants", headers=auth("op.bandung")).json() == []
    url = f"/api/v1/interop/subsystems/{consumer['id']}/credentials"
    key_id = client.post(url, json={"kind": "api_key"}, headers=auth("op.bandung")).json()["credential_id"]
    page, token = _get(client, "/interop/my", auth("op.bandung"))
    action = f"/interop/my/subsystems/{consumer['id']}/credentials/api_key/{key_id}/revoke"
    assert action in page
    client.post(action, data={"csrf_token": token}, headers=auth("op.bandung"), follow_redirects=False)
    assert client.get(url, headers=auth("op.bandung")).json()[0]["revoked_at"] is not None
    assert service["published"]
