"""Browser sign-in: the platform signs staff in with its own IKD provider over real OpenID Connect
(PAR, private_key_jwt, PKCE), keeps the access token in an HttpOnly cookie that every module's
``Authenticated`` accepts, renews it with the sealed refresh token, and refuses what a careful RP must."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.websignin import cookies
from spbe.identity import accounts

PASSWORD = "staff-password-123"
NEXT = "/evaluation/agencies/KOTA-32.73"


class ViaTestClient(httpx.BaseTransport):
    """The platform's outgoing OIDC calls, delivered to the app under test (its own cookie jar, like a server)."""

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


def local(url: str) -> str:
    """The browser keeps cookies per host; the issuer is 127.0.0.1:8000 while the test client is testserver."""
    return httpx.URL(url).raw_path.decode()


@pytest.fixture
def browser(client: TestClient, db_session: Session) -> TestClient:
    accounts.create_staff(
        db_session,
        "uji.bandung",
        "Uji Bandung",
        "uji@example.go.id",
        "KOTA-32.73",
        ["evaluation:self-assess"],
        PASSWORD,
    )
    db_session.flush()
    client.app.state.web_signin_transport = ViaTestClient(TestClient(client.app))  # type: ignore[attr-defined]
    return client


def provider_answer(browser: TestClient, next_path: str = "/", username: str = "uji.bandung") -> httpx.URL:
    """Start at ``/masuk``, sign in at IKD, and return where the provider sends the browser back (not followed)."""
    start = browser.get(f"/masuk?next={next_path}", follow_redirects=False)
    assert start.status_code == 303, start.text
    authorize = browser.get(local(start.headers["location"]), follow_redirects=False)
    auth = dict(httpx.URL(authorize.headers["location"]).params)["auth"]
    back = browser.post(
        "/ikd/login", data={"identifier": username, "password": PASSWORD, "auth": auth}, follow_redirects=False
    )
    assert back.status_code in (302, 303), back.text
    return httpx.URL(back.headers["location"])


def sign_in(browser: TestClient, next_path: str = NEXT, username: str = "uji.bandung") -> Any:
    return browser.get(local(str(provider_answer(browser, next_path, username))), follow_redirects=False)


def test_staff_signs_in_and_lands_where_they_were_going(browser: TestClient) -> None:
    landed = sign_in(browser)
    assert landed.status_code == 303, landed.text
    assert landed.headers["location"] == NEXT
    assert browser.cookies.get(cookies.SESSION)
    page = browser.get(NEXT, headers={"accept": "text/html"})
    assert "Uji Bandung" in page.text  # the header names who is signed in
    assert 'data-testid="sign-out"' in page.text
    api = browser.get("/api/v1/evaluation/assessments/KOTA-32.73/2024")
    assert api.status_code != 401, api.text  # the session cookie is accepted like a bearer token


def test_a_page_that_needs_sign_in_sends_the_browser_to_ikd(client: TestClient) -> None:
    page = client.get(
        "/evaluation/agencies/KOTA-32.73/2024/self-assessment", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert page.status_code == 303
    assert page.headers["location"] == "/masuk?next=/evaluation/agencies/KOTA-32.73/2024/self-assessment"
    api = client.get("/api/v1/evaluation/assessments/KOTA-32.73/2024")
    assert api.status_code == 401  # an API caller gets the problem document, not a redirect


def test_callback_with_another_state_opens_no_session(browser: TestClient) -> None:
    forged = provider_answer(browser).copy_set_param("state", "forged")
    answer = browser.get(local(str(forged)), follow_redirects=False)
    assert answer.status_code == 400
    assert "state mismatch" in answer.text
    assert not browser.cookies.get(cookies.SESSION)


def test_callback_naming_another_issuer_is_refused(browser: TestClient) -> None:
    mixed_up = provider_answer(browser).copy_set_param("iss", "https://evil.example")
    answer = browser.get(local(str(mixed_up)), follow_redirects=False)
    assert answer.status_code == 400
    assert "iss mismatch" in answer.text
    assert not browser.cookies.get(cookies.SESSION)


def test_callback_without_a_sign_in_in_progress_is_refused(client: TestClient) -> None:
    answer = client.get("/masuk/callback?code=x&state=y&iss=http://127.0.0.1:8000", follow_redirects=False)
    assert answer.status_code == 400
    assert not client.cookies.get(cookies.SESSION)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_sign_in_never_sends_the_browser_off_site(browser: TestClient, target: str) -> None:
    start = browser.get("/masuk", params={"next": target}, follow_redirects=False)
    pending = cookies.pending_of_value(start.cookies[cookies.PENDING])
    assert pending is not None
    assert pending.next == "/"


def test_expired_access_token_is_renewed_with_the_refresh_token(browser: TestClient) -> None:
    sign_in(browser)
    first = browser.cookies[cookies.SESSION]
    browser.cookies.delete(cookies.SESSION)  # as after the five-minute access token expired
    api = browser.get("/api/v1/evaluation/assessments/KOTA-32.73/2024")
    assert api.status_code != 401, api.text
    renewed = api.cookies.get(cookies.SESSION)
    assert renewed
    assert renewed != first


def test_tampered_refresh_cookie_ends_the_session(browser: TestClient) -> None:
    sign_in(browser)
    sealed = browser.cookies[cookies.REFRESH]
    browser.cookies.clear()
    browser.cookies.set(cookies.REFRESH, sealed[:-4] + "AAAA")
    page = browser.get(
        "/evaluation/agencies/KOTA-32.73/2024/self-assessment", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert page.status_code == 303
    assert page.headers["location"].startswith("/masuk?next=")


def test_a_cross_site_change_with_the_session_cookie_is_refused(browser: TestClient) -> None:
    sign_in(browser)
    answer = browser.put(
        "/api/v1/evaluation/assessments/KOTA-32.73/2024/levels",
        json={"levels": []},
        headers={"origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert "own pages" in answer.json()["detail"]


def test_sign_out_forgets_the_session_and_ends_it_at_the_provider(browser: TestClient) -> None:
    sign_in(browser)
    out = browser.get("/keluar", follow_redirects=False)
    assert out.status_code == 303
    assert "/oidc/logout" in out.headers["location"]
    assert "client_id=spbe-web" in out.headers["location"]
    assert "id_token_hint=" in out.headers["location"]
    assert not browser.cookies.get(cookies.SESSION)
    ended = browser.get(local(out.headers["location"]), follow_redirects=False)
    assert ended.status_code == 303  # the provider signs out at once (no confirmation page) and comes home
    assert ended.headers["location"] == "http://127.0.0.1:8000/"
    api = browser.get("/api/v1/evaluation/assessments/KOTA-32.73/2024")
    assert api.status_code == 401


def test_an_unreachable_provider_gets_a_clear_page_not_a_stack_trace(client: TestClient) -> None:
    class Unreachable(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

    client.app.state.web_signin_transport = Unreachable()  # type: ignore[attr-defined]
    client.app.state.web_signin._metadata = None  # type: ignore[attr-defined]
    page = client.get("/masuk?next=/", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 503
    assert "Traceback" not in page.text
    problem = client.get("/masuk?next=/", headers={"accept": "application/json"}, follow_redirects=False)
    assert "SPBE_PUBLIC_URL" in problem.json()["detail"]
    out = client.get("/keluar", follow_redirects=False)  # signing out still works without the provider
    assert out.status_code == 303
    assert out.headers["location"] == "/"
