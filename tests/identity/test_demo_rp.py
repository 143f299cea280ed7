"""The demo relying party signs a resident in over HTTP (PAR + private_key_jwt + PKCE) and shows claims."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.config import Settings
from spbe.identity import seed

from .conftest import ActiveResident, query_of


def local(url: str) -> str:
    """The browser (TestClient) keeps cookies per host: stay on one host as a real browser would."""
    parts = httpx.URL(url)
    return parts.raw_path.decode()


class ViaTestClient(httpx.BaseTransport):
    """The demo RP's outgoing HTTP, delivered to the app under test (its own cookie jar, like a server)."""

    def __init__(self, peer: TestClient) -> None:
        self.peer = peer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.peer.request(
            request.method,
            str(request.url),
            headers=dict(request.headers),
            content=request.read(),
            follow_redirects=False,
        )
        return httpx.Response(answer.status_code, headers=answer.headers.raw, content=answer.content)


def test_demo_rp_end_to_end(
    client: TestClient, db_session: Session, settings: Settings, resident: ActiveResident, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("spbe.core.config.get_settings", lambda: settings)
    seed._demo_clients(db_session)
    client.app.state.demo_rp_transport = ViaTestClient(TestClient(client.app))
    start = client.get("/demo-rp/login", follow_redirects=False)
    assert start.status_code == 303, start.text
    authorize = client.get(local(start.headers["location"]), follow_redirects=False)
    auth = query_of(authorize.headers["location"])["auth"]
    client.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password, "auth": auth})
    client.post("/ikd/login/otp", data={"code": resident.totp(), "auth": auth}, follow_redirects=False)
    back = client.post("/ikd/consent", data={"decision": "allow", "auth": auth}, follow_redirects=False)
    assert back.status_code == 302
    page = client.get(local(back.headers["location"]))
    assert page.status_code == 200, page.text
    assert "Siti Rahmawati" in page.text
    assert resident.nik in page.text
    assert "password-otp" in page.text


def test_seeded_population_has_valid_niks(db_session: Session) -> None:
    from spbe.core.nik.service import check_niks

    residents = seed.demo_residents(db_session, 60)
    assert len(residents) == 60
    assert len({row.nik for row in residents}) == 60
    assert all(result.valid for result in check_niks(db_session, [row.nik for row in residents]))


def test_demo_key_is_kept(tmp_path: Path) -> None:
    assert seed.demo_client_key(tmp_path).kid == seed.demo_client_key(tmp_path).kid
