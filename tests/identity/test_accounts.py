"""Activation (real SMTP to a local aiosmtpd sink), recovery that keeps the assurance level, staff
sign-in through an RP, key rotation, mock mode and NIK hygiene in logs."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.config import Environment
from spbe.core.errors import Forbidden, Unauthorized
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.core.tokens import make_token_verifier
from spbe.identity import accounts, repository, secrets
from spbe.identity.settings import IdentitySettings, identity_settings

from .conftest import ISSUER, ActiveResident, TestRp, exchange, make_resident, pkce, push, query_of


class Sink:
    """An SMTP server on loopback that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = identity_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    monkeypatch.setattr("spbe.identity.notify.identity_settings", lambda: settings)
    try:
        yield sink
    finally:
        controller.stop()


def _mailed_code(sink: Sink) -> str:
    body = message_from_bytes(sink.messages[-1]).get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(rb"\b(\d{6})\b", body)
    assert found is not None
    return found.group(1).decode()


def test_activation_through_the_pages_with_a_mailed_code(
    client: TestClient, db_session: Session, smtp: Sink, oidc_keys: None
) -> None:
    resident = make_resident(db_session, serial=7)
    started = client.post(
        "/ikd/activate", data={"nik": resident.nik, "email": "warga@example.id"}, follow_redirects=False
    )
    assert started.status_code == 303
    account = query_of(started.headers["location"])["account"]
    code = _mailed_code(smtp)
    assert resident.nik not in smtp.messages[-1].decode()
    page = client.post("/ikd/activate/code", data={"account": account, "code": code, "password": "a-good-password"})
    assert page.status_code == 200
    seed = re.search(r'data-testid="totp-seed">([A-Z2-7]+)<', page.text)
    assert seed is not None
    done = client.post(
        "/ikd/activate/authenticator", data={"code": secrets.totp_code(seed.group(1))}, follow_redirects=False
    )
    assert done.headers["location"] == "/ikd/account"
    row = repository.account_by_public_id(db_session, account)
    assert row is not None
    assert (row.status, row.identity_level) == ("active", "register_matched")


def test_unknown_nik_cannot_be_claimed(client: TestClient, oidc_keys: None) -> None:
    response = client.post("/ikd/activate", data={"nik": "3273051234560001", "email": "x@example.id"})
    assert response.status_code == 404


def test_wrong_activation_codes_run_out(db_session: Session, codes: list[str], oidc_keys: None) -> None:
    resident = make_resident(db_session, serial=8)
    public_id = accounts.start_activation(db_session, resident.nik, "a@example.id", None)
    for _ in range(5):
        with pytest.raises(accounts.BadRequest):
            accounts.check_code(db_session, public_id, "000000" if codes[-1] != "000000" else "111111")
    with pytest.raises(accounts.BadRequest, match="expired or was tried too often"):
        accounts.check_code(db_session, public_id, codes[-1])


def test_recovery_needs_the_totp_and_keeps_the_level(
    db_session: Session, resident: ActiveResident, codes: list[str]
) -> None:
    accounts.create_staff(
        db_session, "petugas", "Petugas", "p@example.go.id", "KOTA-32.73", ["identity:officer"], "x" * 12
    )
    accounts.verify_in_person(db_session, resident.nik, "petugas")
    public_id = accounts.start_recovery(db_session, resident.nik, "siti@example.id")
    with pytest.raises(accounts.LoginFailed):
        accounts.finish_recovery(db_session, public_id, codes[-1], "000000", "new-password-1")
    public_id = accounts.start_recovery(db_session, resident.nik, "siti@example.id")
    accounts.finish_recovery(db_session, public_id, codes[-1], resident.totp(), "new-password-1")
    account = repository.account_by_public_id(db_session, public_id)
    assert account is not None
    assert account.identity_level == "in_person_verified"
    assert accounts.password_login(db_session, resident.nik, "new-password-1").needs_otp


def test_staff_sign_in_through_an_rp_gives_agency_and_roles(
    client: TestClient, db_session: Session, rp: TestRp
) -> None:
    accounts.create_staff(
        db_session, "Pegawai.Uji", "Pegawai Uji", "p@example.go.id", "KOMDIGI", ["registry:editor"], "staff-password-1"
    )
    verifier, challenge = pkce()
    pushed = push(client, rp, challenge, scope="openid").json()
    start = client.get(
        "/oidc/authorize",
        params={"client_id": rp.client_id, "request_uri": pushed["request_uri"]},
        follow_redirects=False,
    )
    auth = query_of(start.headers["location"])["auth"]
    back = client.post(
        "/ikd/login",
        data={"identifier": "pegawai.uji", "password": "staff-password-1", "auth": auth},
        follow_redirects=False,
    )
    assert back.status_code == 302  # no second factor enrolled, no personal claims: no consent page
    code = query_of(back.headers["location"])["code"]
    tokens = client.post(
        "/oidc/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": verifier,
            **rp.auth(),
        },
    ).json()
    info = client.get("/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert (info["sub"], info["agency"], info["roles"]) == ("staff:pegawai.uji", "KOMDIGI", ["registry:editor"])
    # a token issued to an ordinary RP names only userinfo as its audience: not a platform API credential
    verify = make_token_verifier(client.app.state.session_factory, ISSUER)  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized, match="aud"):
        verify(tokens["access_token"])


def test_jwks_publishes_the_next_key_before_it_signs(client: TestClient, db_session: Session, oidc_keys: None) -> None:
    active, upcoming = keys.ensure_keys(db_session, Purpose.oidc)
    kids = {key["kid"] for key in client.get("/oidc/jwks.json").json()["keys"]}
    assert {active.kid, upcoming.kid} <= kids
    result = keys.rotate(db_session, Purpose.oidc)
    kids_after = {key["kid"] for key in client.get("/oidc/jwks.json").json()["keys"]}
    assert {active.kid, upcoming.kid, result.next} <= kids_after  # retired still published, new next too


def test_mock_mode_is_impossible_in_production() -> None:
    with pytest.raises(ValueError, match="cannot be enabled"):
        IdentitySettings(env=Environment.production, mock_mode=True)


def test_no_nik_in_logs(
    client: TestClient, rp: TestRp, resident: ActiveResident, caplog: pytest.LogCaptureFixture
) -> None:
    from .conftest import run_flow

    caplog.set_level(logging.DEBUG)
    flow = run_flow(client, rp, resident)
    exchange(client, rp, flow)
    client.post("/ikd/login", data={"identifier": resident.nik, "password": "wrong"})
    text = "\n".join(handler_format(record) for record in caplog.records)
    assert resident.nik not in text


def handler_format(record: logging.LogRecord) -> str:
    from spbe.core.logging import JsonFormatter

    return JsonFormatter().format(record)


def test_login_throttle_counts_time(db_session: Session, resident: ActiveResident) -> None:
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.password_login(db_session, resident.nik, "nope-nope")
    with pytest.raises(accounts.LoginFailed, match="locked"):
        accounts.password_login(db_session, resident.nik, resident.password)
    assert time.time() > 0


def test_in_person_verification_needs_an_active_officer(db_session: Session, resident: ActiveResident) -> None:
    for name in ("nobody",):
        with pytest.raises(Forbidden):
            accounts.verify_in_person(db_session, resident.nik, name)
    accounts.create_staff(
        db_session, "operator.x", "Operator", "o@example.go.id", "KOMDIGI", ["registry:editor"], "x" * 12
    )
    with pytest.raises(Forbidden):
        accounts.verify_in_person(db_session, resident.nik, "operator.x")  # no identity:officer role
    officer = accounts.create_staff(
        db_session, "petugas.x", "Petugas", "q@example.go.id", "KOTA-32.73", ["identity:officer"], "x" * 12
    )
    officer.active = False
    with pytest.raises(Forbidden):
        accounts.verify_in_person(db_session, resident.nik, "petugas.x")
    officer.active = True
    account = accounts.verify_in_person(db_session, resident.nik, "petugas.x")
    assert account.identity_level == "in_person_verified"
    record = audit.history(db_session, "identity_account", account.public_id)[-1]
    assert record.action == "identity.verified_in_person"
    assert record.actor == "staff:petugas.x"
    assert record.data == {"officer": "petugas.x", "agency": "KOTA-32.73"}
