"""The per-client-address sliding window on the sign-in and recovery forms: 429 with Retry-After and a
friendly page, audited once per blocked spell without a NIK, other addresses unaffected."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.identity import throttle
from spbe.identity.throttle import SlidingWindow
from tests.identity.conftest import ActiveResident


class Clock:
    """A settable clock for the window (time is an input of the algorithm, not a collaborator)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_counts_per_key_and_slides() -> None:
    clock = Clock()
    window = SlidingWindow(limit=3, window=60, clock=clock)
    for step in range(3):
        clock.now += step
        assert window.hit("a").allowed
    refused = window.hit("a")
    assert not refused.allowed
    assert refused.first_refusal
    assert refused.retry_after == 60 - 3
    assert not window.hit("a").first_refusal  # one audit per blocked spell
    assert window.hit("b").allowed  # another address has its own count
    clock.now = 1000.0 + 60  # the first hit has left the window, the other two have not
    assert window.hit("a").allowed
    assert not window.hit("a").allowed


def test_login_is_throttled_per_address_with_retry_after(
    client: TestClient, app: FastAPI, resident: ActiveResident, db_session: Session
) -> None:
    for attempt in range(throttle.LIMIT):
        response = client.post("/ikd/login", data={"identifier": f"nobody{attempt}", "password": "wrong"})
        assert response.status_code == 401, attempt
    blocked = client.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= throttle.WINDOW_SECONDS
    assert "Terlalu banyak" in blocked.text  # the friendly page, Indonesian by default
    assert "spbe_session" not in blocked.headers.get("set-cookie", "")  # the right password did not get in
    english = client.post("/ikd/login", data={"identifier": "x", "password": "y"}, headers={"Accept-Language": "en"})
    assert english.status_code == 429
    assert "Too many" in english.text
    records = db_session.scalars(select(AuditRecord).where(AuditRecord.action == "identity.login.throttled")).all()
    assert len(records) == 1
    assert resident.nik not in str(records[0].data)
    assert records[0].data["form"] == "login"
    with TestClient(app, client=("203.0.113.9", 40000)) as other:  # another address still gets in
        response = other.post("/ikd/login", data={"identifier": resident.nik, "password": resident.password})
        assert response.status_code in (200, 303)


def test_otp_and_recovery_share_the_window(client: TestClient, app: FastAPI, resident: ActiveResident) -> None:
    app.state.identity_login_throttle = SlidingWindow(limit=3, window=300)
    signed = client.post(
        "/ikd/login", data={"identifier": resident.nik, "password": resident.password}, follow_redirects=False
    )
    assert signed.status_code == 303
    assert client.post("/ikd/login/otp", data={"code": "000000"}).status_code == 401
    assert client.post("/ikd/recover", data={"nik": "3273056006900001", "email": "a@b.id"}).status_code == 200
    for path, data in (
        ("/ikd/login/otp", {"code": resident.totp()}),
        ("/ikd/recover", {"nik": "3273056006900001", "email": "a@b.id"}),
        ("/ikd/recover/code", {"account": "x", "code": "1", "totp": "1", "password": "p"}),
        ("/ikd/login/passkey", {"credential": "{}"}),
    ):
        response = client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 429, path
        assert response.headers["Retry-After"]


def test_limit_zero_switches_the_throttle_off() -> None:
    window = SlidingWindow(limit=0, window=300)
    assert all(window.hit("a").allowed for _ in range(100))
