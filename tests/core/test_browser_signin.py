"""A staff member signs in with IKD in real Chromium and saves a draft self-assessment.

The whole platform runs under uvicorn on a free loopback port with its own freshly migrated database
(the sign-in commits: staff account, login session, tokens, audit records). The browser goes to a
back-office page, is sent to ``/masuk`` → the IKD login page, signs in with username and password, and
comes back to the form; the platform reached its own OpenID provider over real HTTP in between.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from spbe.app import create_app
from spbe.core.config import Settings, load_settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.evaluation.service import periods
from spbe.identity import accounts
from spbe.seeding import SEED_STEPS
from tests.core.fresh_database import fresh_database
from tests.core.test_browser_home import CHROMIUM, CHROMIUM_ARGS, _free_port

pytestmark = pytest.mark.browser

PASSWORD = "staff-password-123"
FORM = "/evaluation/agencies/KOTA-32.73/2025/self-assessment"


@pytest.fixture
def live(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _free_port()
    with fresh_database(tmp_path) as url:
        own = load_settings(
            env="test",
            data_dir=settings.data_dir,
            database_url=url,
            public_url=f"http://127.0.0.1:{port}",
            log_format="console",
        )
        monkeypatch.setattr("spbe.identity.platform_client.get_settings", lambda: own)
        engine = create_db_engine(url)
        factory = make_session_factory(engine)
        for step in SEED_STEPS:
            if step.reference:
                with session_scope(factory) as session:
                    step.run(session)
        with session_scope(factory) as session:
            accounts.create_staff(
                session, "uji.bandung", "Uji Bandung", "uji@example.go.id", "KOTA-32.73",
                ["evaluation:self-assess"], PASSWORD,
            )  # fmt: skip
            periods.ensure_open(session, 2025, "test")  # self-assessment needs the year's cycle open
        engine.dispose()
        server = uvicorn.Server(uvicorn.Config(create_app(own), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed (apt-get install chromium)"
)
def test_staff_signs_in_with_ikd_and_saves_a_draft(live: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB")
            page.goto(f"{live}{FORM}?lang=en")
            page.wait_for_url("**/ikd/login**")
            page.fill("#identifier", "uji.bandung")
            page.fill("#password", PASSWORD)
            page.get_by_role("button", name="Continue").click()
            page.wait_for_url(f"**{FORM}**")
            assert page.get_by_test_id("signed-in-as").inner_text() == "Uji Bandung"
            page.select_option("#level-1", "3")
            page.fill("#justification-1", "SK Tim SPBE Kota Bandung 2025")
            page.get_by_role("button", name="Save draft").click()
            page.get_by_test_id("saved").wait_for()
            assert page.locator("#level-1").input_value() == "3"
            page.get_by_test_id("sign-out").click()
            page.wait_for_load_state("networkidle")
            assert page.get_by_test_id("sign-in").count() == 1
        finally:
            browser.close()
