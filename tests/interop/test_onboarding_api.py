"""Self-service onboarding API: subsystems, services with OpenAPI, publishing, credentials, listing —
each write audited, each refused write audited and changing nothing."""

from __future__ import annotations

import json

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

API = "/api/v1/interop"
VAKSIN = ServiceId(ClientId("ID", "GOV", "KEMENKES", "SATUSEHAT"), "vaksin")


def test_an_agency_onboards_a_service_end_to_end(client: TestClient, auth: Auth, db_session: Session) -> None:
    service = onboard_provider(client, auth)
    assert service["identifier"] == str(VAKSIN)
    assert service["published"] is True
    assert service["title"] == "Riwayat vaksinasi"  # from info.title when none given
    assert {(e["method"], e["path"]) for e in service["endpoints"]} == {("GET", "/riwayat/*"), ("POST", "/sertifikat")}
    snapshot = build_snapshot(read_document(db_session))
    assert snapshot.services[VAKSIN].enabled
    assert snapshot.services[VAKSIN].upstream.host == "vaksin.kemenkes.go.id"
    actions = [a for _, a, _ in audit_actions(db_session)]
    assert actions == ["interop.subsystem.register", "interop.service.register", "interop.service.publish"]
    listed = client.get(f"{API}/services", headers=auth("op.kemenkes")).json()
    assert [s["identifier"] for s in listed] == [str(VAKSIN)]
    assert client.get(f"{API}/services", headers=auth("op.bandung")).json() == []


def test_a_regional_government_becomes_a_pemda_member(client: TestClient, auth: Auth) -> None:
    subsystem = onboard_consumer(client, auth)
    assert subsystem["identifier"] == "ID/PEMDA/KOTA-32.73/MPP"
    assert subsystem["agency_code"] == "KOTA-32.73"


def test_a_new_service_is_unpublished_and_not_callable(client: TestClient, auth: Auth, db_session: Session) -> None:
    subsystem = client.post(f"{API}/subsystems", json={"code": "SATUSEHAT", "name": "S"}, headers=auth("op.kemenkes"))
    body = {"code": "vaksin", "base_url": "https://x.kemenkes.go.id", "openapi": OPENAPI_YAML}
    created = client.post(f"{API}/subsystems/{subsystem.json()['id']}/services", json=body, headers=auth("op.kemenkes"))
    assert created.status_code == 201, created.text
    assert created.json()["published"] is False
    assert created.json()["endpoints"] == [{"method": "GET", "path": "/riwayat/*"}]  # YAML accepted
    assert not build_snapshot(read_document(db_session)).services[VAKSIN].enabled
    assert "vaksin" not in client.get("/interop", headers={"Accept": "text/html"}).text
    stored = json.loads(
        client.get(f"{API}/services/{created.json()['id']}/openapi.json", headers=auth("op.kemenkes")).text
    )
    assert stored["openapi"] == "3.1.0"  # stored as JSON
    assert client.get(f"{API}/services/{created.json()['id']}/openapi.json").status_code == 404  # not public yet


def test_staff_of_another_agency_are_refused_and_audited(client: TestClient, auth: Auth, db_session: Session) -> None:
    service = onboard_provider(client, auth)
    version = repository.config_version(db_session)
    refused = client.post(f"{API}/services/{service['id']}/unpublish", headers=auth("op.bandung"))
    assert refused.status_code == 403
    assert "KOTA-32.73 may not act for KEMENKES" in refused.json()["detail"]
    patch = client.patch(
        f"{API}/services/{service['id']}", json={"base_url": "https://evil.example"}, headers=auth("op.bandung")
    )
    assert patch.status_code == 403
    assert repository.config_version(db_session) == version
    assert build_snapshot(read_document(db_session)).services[VAKSIN].enabled
    denied = [(actor, action) for actor, action, outcome in audit_actions(db_session) if outcome == "denied"]
    assert denied == [("op.bandung", "interop.service.unpublish"), ("op.bandung", "interop.service.update")]


def test_staff_without_the_operator_role_may_read_but_not_write(
    client: TestClient, auth: Auth, db_session: Session
) -> None:
    onboard_provider(client, auth)
    assert len(client.get(f"{API}/subsystems", headers=auth("reader.kemenkes")).json()) == 1
    refused = client.post(f"{API}/subsystems", json={"code": "LAIN", "name": "x"}, headers=auth("reader.kemenkes"))
    assert refused.status_code == 403
    assert "interop:operator" in refused.json()["detail"]
    assert audit_actions(db_session)[-1] == ("reader.kemenkes", "interop.subsystem.register", "denied")


def test_no_token_no_management(client: TestClient) -> None:
    assert client.get(f"{API}/subsystems").status_code == 401
    assert client.post(f"{API}/subsystems", json={"code": "X", "name": "x"}).status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}
    assert client.post(f"{API}/subsystems", json={"code": "X", "name": "x"}, headers=forged).status_code == 401


def test_the_coordinator_acts_for_any_agency(client: TestClient, auth: Auth) -> None:
    created = client.post(
        f"{API}/subsystems",
        json={"code": "SIPD", "name": "SIPD", "agency_code": "PROV-32"},
        headers=auth("koordinator"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["identifier"] == "ID/PEMDA/PROV-32/SIPD"
    # an operator's agency_code is ignored: they register for their own agency
    own = client.post(
        f"{API}/subsystems", json={"code": "X", "name": "x", "agency_code": "PROV-32"}, headers=auth("op.bandung")
    )
    assert own.json()["identifier"] == "ID/PEMDA/KOTA-32.73/X"


def test_subsystem_links_only_its_own_agencys_application(client: TestClient, auth: Auth) -> None:
    linked = client.post(
        f"{API}/subsystems",
        json={"code": "PPID", "name": "e-PPID", "application_code": "AU-PPID"},
        headers=auth("op.komdigi"),
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["application_code"] == "AU-PPID"
    foreign = client.post(
        f"{API}/subsystems",
        json={"code": "PPID", "name": "x", "application_code": "AU-PPID"},
        headers=auth("op.kemenkes"),
    )
    assert foreign.status_code == 422
    assert "belongs to KOMDIGI, not KEMENKES" in foreign.json()["detail"]
    missing = client.post(
        f"{API}/subsystems", json={"code": "Q", "name": "x", "application_code": "NO-SUCH"}, headers=auth("op.kemenkes")
    )
    assert missing.status_code == 404


def test_duplicates_and_bad_codes_are_refused(client: TestClient, auth: Auth) -> None:
    onboard_provider(client, auth)
    again = client.post(f"{API}/subsystems", json={"code": "SATUSEHAT", "name": "x"}, headers=auth("op.kemenkes"))
    assert again.status_code == 409
    bad = client.post(f"{API}/subsystems", json={"code": "SATU SEHAT/x", "name": "x"}, headers=auth("op.kemenkes"))
    assert bad.status_code == 422
    assert "may only use" in bad.json()["detail"]


def _register(client: TestClient, auth: Auth, **body: object) -> tuple[int, str]:
    subsystem = client.post(f"{API}/subsystems", json={"code": "SATUSEHAT", "name": "S"}, headers=auth("op.kemenkes"))
    if subsystem.status_code == 201:
        sid = subsystem.json()["id"]
    else:  # registered by an earlier call of this test (ids differ per database: look it up)
        own = client.get(f"{API}/subsystems", headers=auth("op.kemenkes")).json()
        sid = next(row["id"] for row in own if row["identifier"].endswith("/SATUSEHAT"))
    payload = {"code": "vaksin", "base_url": "https://x.kemenkes.go.id", "openapi": OPENAPI, **body}
    response = client.post(f"{API}/subsystems/{sid}/services", json=payload, headers=auth("op.kemenkes"))
    return response.status_code, response.json().get("detail", "")


def test_openapi_problems_are_named_precisely(client: TestClient, auth: Auth, db_session: Session) -> None:
    cases = {
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}": "Swagger 2.0; convert it to OpenAPI 3",
        json.dumps({"info": {"title": "t", "version": "1"}, "paths": {}}): "field 'openapi' is missing",
        json.dumps({**OPENAPI, "openapi": "2.9"}): "only OpenAPI 3.x",
        json.dumps({**OPENAPI, "paths": {}}): "'paths' has no operation",
        json.dumps({k: v for k, v in OPENAPI.items() if k != "paths"}): "'paths' is missing",
        json.dumps({**OPENAPI, "info": {"version": "1"}}): "'info.title' is missing",
        json.dumps({**OPENAPI, "paths": {"riwayat": {"get": {}}}}): "must start with '/'",
        json.dumps({**OPENAPI, "paths": {"/a": {"gett": {}}}}): "'paths./a.gett' is not an HTTP method",
        json.dumps({**OPENAPI, "paths": {"/a/../b": {"get": {}}}}): "dot segment",
        '{"openapi": "3.0.3", "info": ': "invalid JSON at line 1",
        "openapi: [3.0\n  x: y": "neither JSON nor valid YAML (line",
        "- just\n- a list": "top level must be an object",
        "": "the document is empty",
        "a: &x [1]\nb: *x": "aliases",
    }
    for document, expected in cases.items():
        status, detail = _register(client, auth, openapi=document)
        assert status == 422, (document, detail)
        assert expected in detail, (document, detail)
    assert repository.all_services(db_session) == []  # nothing half-written


def test_backend_url_rules(client: TestClient, auth: Auth, db_session: Session) -> None:
    refused = {
        "ftp://x.go.id/": "http(s)",
        "https://user:pw@x.go.id/": "user name or password",
        "https://x.go.id/api?token=1": "query",
        "https://169.254.169.254/latest/meta-data": "link-local",
        "http://[fe80::1]/": "link-local",
        "http://0.0.0.0:8000/": "not an address",
        "http://metadata.google.internal/": "metadata",
        "https://x.go.id/a/../admin": "dot segments",
        "https://x.go.id:99999/": "Port",
        "": "required",
    }
    for url, expected in refused.items():
        status, detail = _register(client, auth, base_url=url)
        assert status == 422, (url, detail)
        assert expected.lower() in detail.lower(), (url, detail)
    assert repository.all_services(db_session) == []
    # private addresses are where agency back ends live; loopback is allowed outside production
    assert _register(client, auth, base_url="http://10.1.2.3:8080/api")[0] == 201


def test_publish_needs_an_openapi_document(client: TestClient, auth: Auth, db_session: Session) -> None:
    from spbe.interop import service as interop

    onboard_provider(client, auth)
    interop.register_service(
        db_session, ServiceId(VAKSIN.provider, "lama"), interop.ServiceSpec("Lama", "https://x.go.id"), actor="cli"
    )
    row = repository.find_service(db_session, interop.subsystem_of(db_session, VAKSIN.provider).id, "lama")
    assert row is not None
    row.enabled = False
    db_session.commit()
    refused = client.post(f"{API}/services/{row.id}/publish", headers=auth("op.kemenkes"))
    assert refused.status_code == 422
    assert "no OpenAPI document" in refused.json()["detail"]


def test_update_changes_url_and_adds_endpoints(client: TestClient, auth: Auth, db_session: Session) -> None:
    service = onboard_provider(client, auth)
    document = {**OPENAPI, "paths": {**OPENAPI["paths"], "/stok": {"get": {}}}}
    patched = client.patch(
        f"{API}/services/{service['id']}",
        json={"base_url": "https://baru.kemenkes.go.id/v2", "openapi": document},
        headers=auth("op.kemenkes"),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["base_url"] == "https://baru.kemenkes.go.id/v2"
    assert {"method": "GET", "path": "/stok"} in patched.json()["endpoints"]
    assert build_snapshot(read_document(db_session)).services[VAKSIN].upstream.host == "baru.kemenkes.go.id"
    bad = client.patch(f"{API}/services/{service['id']}", json={"openapi": "{}"}, headers=auth("op.kemenkes"))
    assert bad.status_code == 422
    unpublished = client.post(f"{API}/services/{service['id']}/unpublish", headers=auth("op.kemenkes"))
    assert unpublished.json()["published"] is False


def test_credentials_are_shown_once_and_revocable(client: TestClient, auth: Auth, db_session: Session) -> None:
    consumer = onboard_consumer(client, auth)
    url = f"{API}/subsystems/{consumer['id']}/credentials"
    issued = client.post(url, json={"kind": "api_key"}, headers=auth("op.bandung"))
    assert issued.status_code == 201, issued.text
    secret = issued.json()["secret"]
    assert secret.startswith("splp_")
    assert "X-SPLP-Api-Key" in issued.json()["usage"]
    listed = client.get(url, headers=auth("op.bandung")).json()
    assert [c["credential_id"] for c in listed] == [issued.json()["credential_id"]]
    assert secret not in json.dumps(listed)
    snapshot = build_snapshot(read_document(db_session))
    assert snapshot.key_index[issued.json()["credential_id"]] == ClientId("ID", "PEMDA", "KOTA-32.73", "MPP")
    assert client.post(url, json={"kind": "smartcard"}, headers=auth("op.bandung")).status_code == 422
    assert client.post(url, json={"kind": "api_key"}, headers=auth("op.bogor")).status_code == 403
    other = client.delete(f"{url}/api_key/{issued.json()['credential_id']}", headers=auth("op.bogor"))
    assert other.status_code == 403
    revoked = client.delete(f"{url}/api_key/{issued.json()['credential_id']}", headers=auth("op.bandung"))
    assert revoked.status_code == 204
    assert issued.json()["credential_id"] not in build_snapshot(read_document(db_session)).key_index
    again = client.delete(f"{url}/api_key/{issued.json()['credential_id']}", headers=auth("op.bandung"))
    assert again.status_code == 409
    actions = [(a, o) for _, a, o in audit_actions(db_session)]
    assert ("interop.apikey.issue", "success") in actions
    assert ("interop.credential.issue", "denied") in actions
    assert ("interop.apikey.revoke", "success") in actions


def test_another_agencys_subsystem_is_invisible(client: TestClient, auth: Auth) -> None:
    consumer = onboard_consumer(client, auth)
    assert client.get(f"{API}/subsystems/{consumer['id']}", headers=auth("op.kemenkes")).status_code == 404
    assert client.get(f"{API}/subsystems/{consumer['id']}/credentials", headers=auth("op.kemenkes")).status_code == 404
    assert client.get(f"{API}/subsystems/{consumer['id']}", headers=auth("koordinator")).status_code == 200


def test_management_api_is_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/interop/access-requests/{request_id}/approve" in paths
    assert "/api/v1/interop/subsystems/{subsystem_id}/services" in paths


def test_an_agencys_machine_client_with_the_role_onboards_too(client: TestClient, auth: Auth) -> None:
    """Scripted onboarding (CI/CD) uses an IKD machine client of the agency holding interop:operator."""
    created = client.post(
        f"{API}/subsystems", json={"code": "SATUSEHAT", "name": "S"}, headers=auth("machine:kemenkes-ci")
    )
    assert created.status_code == 201, created.text
    assert created.json()["identifier"] == "ID/GOV/KEMENKES/SATUSEHAT"
    refused = client.post(
        f"{API}/subsystems", json={"code": "MPP", "name": "x"}, headers=auth("machine:bandung-reader")
    )
    assert refused.status_code == 403


def test_a_new_document_drops_endpoints_without_rights(client: TestClient, auth: Auth, db_session: Session) -> None:
    from spbe.interop import service as interop

    service = onboard_provider(client, auth)
    consumer = ClientId("ID", "GOV", "KEMENKES", "SATUSEHAT")
    interop.grant(db_session, VAKSIN, interop.Subject(subsystem=consumer), actor="t", endpoint=("POST", "/sertifikat"))
    document = {**OPENAPI, "paths": {"/stok": {"get": {}}}}
    patched = client.patch(f"{API}/services/{service['id']}", json={"openapi": document}, headers=auth("op.kemenkes"))
    endpoints = {(e["method"], e["path"]) for e in patched.json()["endpoints"]}
    assert endpoints == {("GET", "/stok"), ("POST", "/sertifikat")}  # GET /riwayat/* gone; the granted one stays
