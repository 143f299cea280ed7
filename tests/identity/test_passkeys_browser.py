"""Passkeys in a real browser: Chromium's virtual WebAuthn authenticator (DevTools protocol) answers the
page's ``navigator.credentials`` calls made by ``/ikd/static/passkeys.js``. A mock persona (mock mode)
registers a passkey on the account page; after a password, the passkey completes the sign-in.

The platform runs with uvicorn on a free loopback port, on a database of its own (it commits), with
``SPBE_PUBLIC_URL`` on ``localhost`` (WebAuthn refuses IP addresses as the relying-party id).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session

from spbe.app import create_app
from spbe.core.config import Settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.identity import mock, repository, secrets
from spbe.identity.settings import identity_settings
from tests.core.fresh_database import fresh_database

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "passkey-browser-123"  # test only


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of the platform in mock mode on a fresh database."""
    monkeypatch.setenv("SPBE_IDENTITY_MOCK_MODE", "true")
    identity_settings.cache_clear()
    port = _free_port()
    with fresh_database(tmp_path) as url:
        app_settings = settings.model_copy(update={"database_url": url, "public_url": f"http://localhost:{port}"})
        server = uvicorn.Server(
            uvicorn.Config(create_app(app_settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://localhost:{port}", url
        server.should_exit = True
        thread.join(timeout=10)
    identity_settings.cache_clear()


def _give_password(database_url: str) -> str:
    """The persona gets a password (mock personas have none) so the passkey can be the second factor."""
    engine = create_db_engine(database_url)
    with session_scope(make_session_factory(engine)) as session:
        nik = _siti(session)
    engine.dispose()
    return nik


def _siti(session: Session) -> str:
    persona = next(item for item in mock.personas() if item.id == "siti-bandung")
    resident = repository.resident_by_nik(session, persona.nik)
    assert resident is not None
    account = repository.account_of_resident(session, resident.id)
    assert account is not None
    account.password_hash = secrets.hash_password(PASSWORD)
    return persona.nik


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed (apt-get install chromium)"
)
def test_register_and_use_a_passkey_in_chromium(served: tuple[str, str]) -> None:
    base, database_url = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1000}, locale="en-GB")
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            devtools = page.context.new_cdp_session(page)
            devtools.send("WebAuthn.enable")
            options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True}
            options |= {"hasUserVerification": True, "isUserVerified": True}
            authenticator = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": options})
            page.goto(f"{base}/ikd/login?lang=en")
            page.click('button[data-persona="siti-bandung"]')
            page.wait_for_url(f"{base}/ikd/account")
            page.fill("#passkey-name", "Chromium")
            page.click("#passkey-register-form button[type=submit]")
            page.wait_for_url(f"{base}/ikd/account")
            page.wait_for_selector("text=Chromium —")
            stored = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]})
            assert len(stored["credentials"]) == 1
            nik = _give_password(database_url)
            page.click("form[action='/ikd/logout'] button")
            page.wait_for_url(f"{base}/ikd/login")
            page.fill("#identifier", nik)
            page.fill("#password", PASSWORD)
            page.click("form[action='/ikd/login'] button[type=submit]")
            page.wait_for_url(f"{base}/ikd/login/otp")
            page.click("a[href^='/ikd/login/passkey']")
            page.click("#passkey-login-form button[type=submit]")
            page.wait_for_url(f"{base}/ikd/account")
            assert page.locator("#passkey-error").is_hidden()
            assert errors == []
        finally:
            browser.close()
