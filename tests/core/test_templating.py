"""Pages: the rebranded layout, the language a visitor asks for, friendly error pages, static assets."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from jinja2 import TemplateNotFound

from spbe.core import templating
from spbe.core.errors import Forbidden
from spbe.core.security import public
from spbe.core.templating import ModuleTemplateLoader, get_environment, lang_switch_url, render

HTML = {"accept": "text/html,application/xhtml+xml"}
ROOMS = ("/registry", "/interop", "/ikd/account", "/portal", "/evaluation")


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "page has no <h1>"
    return match.group(1).strip()


def _add_page_routes(app: FastAPI) -> None:
    router = APIRouter()

    @router.get("/_test/page", dependencies=[public], response_class=HTMLResponse)
    def page(request: Request, year: int = Query(ge=2000)) -> HTMLResponse:
        return render(request, "core/home.html", {"year": year})

    @router.get("/_test/forbidden", dependencies=[public])
    def forbidden() -> None:
        raise Forbidden("Only staff of KEMENKEU may see this.")

    @router.get("/_test/crash", dependencies=[public])
    def crash() -> None:
        raise RuntimeError("SELECT secret FROM table")

    app.include_router(router)


def test_home_is_in_indonesian_by_default(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="id"' in response.text
    assert _h1(response.text) == "Satu platform untuk pemerintahan digital"
    assert response.headers["content-language"] == "id"
    assert "set-cookie" not in response.headers


def test_home_links_the_five_rooms_the_api_docs_and_the_switch(client: TestClient) -> None:
    html = client.get("/").text
    for room in ROOMS:
        assert f'href="{room}"' in html
    assert 'href="/docs"' in html
    assert 'href="/?lang=en"' in html
    assert ">English</a>" in html
    assert "Beta" in html


def test_footer_carries_the_region_code_attribution(client: TestClient) -> None:
    html = client.get("/").text
    assert "Kode wilayah: Kemendagri (Kepmendagri 300.2.2-2138/2025) via idn-area-data, ODbL" in html
    assert "govuk-frontend (lisensi MIT)" in html


def test_lang_query_switches_to_english_and_is_remembered(client: TestClient) -> None:
    response = client.get("/", params={"lang": "en"})
    assert '<html lang="en"' in response.text
    assert _h1(response.text) == "One platform for digital government"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lang=en;")
    assert "SameSite=Lax" in cookie
    assert ">Bahasa Indonesia</a>" in response.text
    assert _h1(client.get("/").text) == "One platform for digital government"
    assert _h1(client.get("/", params={"lang": "id"}).text) == "Satu platform untuk pemerintahan digital"


def test_unknown_lang_value_is_ignored(client: TestClient) -> None:
    response = client.get("/", params={"lang": "fr"})
    assert '<html lang="id"' in response.text
    assert "set-cookie" not in response.headers


def test_accept_language_english_is_honoured(client: TestClient) -> None:
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9,id;q=0.5"})
    assert '<html lang="en"' in response.text
    assert response.headers["content-language"] == "en"
    assert "Accept-Language" in response.headers["vary"]


def test_language_switch_keeps_the_rest_of_the_query(client: TestClient) -> None:
    html = client.get("/", params={"q": "sipd"}).text
    assert 'href="/?q=sipd&amp;lang=en"' in html


def test_unknown_page_gets_the_friendly_404_in_indonesian(client: TestClient) -> None:
    response = client.get("/tidak-ada", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="id"' in response.text
    assert _h1(response.text) == "Halaman tidak ditemukan"


def test_unknown_page_in_english_when_asked(client: TestClient) -> None:
    response = client.get("/missing", headers={**HTML, "accept-language": "en"})
    assert response.status_code == 404
    assert _h1(response.text) == "Page not found"


def test_api_paths_keep_json_problems_for_browsers(client: TestClient) -> None:
    response = client.get("/api/v1/does-not-exist", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_invalid_input_page_lists_the_fields(app: FastAPI) -> None:
    _add_page_routes(app)
    response = TestClient(app).get("/_test/page", params={"year": "1999"}, headers=HTML)
    assert response.status_code == 422
    assert _h1(response.text) == "Ada masalah pada data yang Anda isi"
    assert "<strong>year</strong>" in response.text


def test_forbidden_page_explains_and_shows_the_detail(app: FastAPI) -> None:
    _add_page_routes(app)
    response = TestClient(app).get("/_test/forbidden", headers=HTML)
    assert response.status_code == 403
    assert _h1(response.text) == "Anda tidak memiliki izin untuk membuka halaman ini"
    assert "Only staff of KEMENKEU may see this." in response.text


@pytest.mark.parametrize(
    ("accept_language", "title"),
    [("id", "Terjadi kesalahan di pihak kami"), ("en", "Something went wrong on our side")],
)
def test_server_error_page_is_translated_and_names_the_request_id(
    app: FastAPI, accept_language: str, title: str
) -> None:
    _add_page_routes(app)
    client = TestClient(app, raise_server_exceptions=False)
    headers = {**HTML, "accept-language": accept_language, "x-request-id": "req-12345"}
    response = client.get("/_test/crash", headers=headers)
    assert response.status_code == 500
    assert _h1(response.text) == title
    assert '<code class="govuk-!-font-weight-bold" data-testid="request-id">req-12345</code>' in response.text
    assert "SELECT" not in response.text


def test_pages_carry_no_crown_and_no_gds_transport(client: TestClient) -> None:
    for path in ("/", "/?lang=en", "/missing"):
        html = client.get(path, headers=HTML).text.lower()
        for forbidden in ("crown", "gds transport", "govuk-logo", "gov.uk", "govuk-crest"):
            assert forbidden not in html, f"{forbidden!r} on {path}"


def test_rebranded_stylesheet_is_served_with_noto_sans(client: TestClient) -> None:
    assert templating.vendor_assets_ready(), "web assets are not built: run `make assets`"
    response = client.get("/static/vendor/spbe.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    css = response.text
    assert '"Noto Sans"' in css
    assert "GDS Transport" not in css
    assert "govuk-crest" not in css
    assert "#a4161a" in css.lower()
    for font in re.findall(r'url\("(fonts/[^"]+\.woff2)"\)', css):
        assert client.get(f"/static/vendor/{font}").status_code == 200


def test_layout_links_only_local_assets(client: TestClient) -> None:
    html = client.get("/").text
    assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', html)
    assert "/static/vendor/spbe.css" in assets
    assert "/static/spbe/init.mjs" in assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_pages_render_without_built_assets(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(templating, "VENDOR_ASSETS", ("vendor/not-built.css",))
    monkeypatch.setattr(templating, "_warned_missing_assets", [])
    with caplog.at_level(logging.WARNING, logger="spbe.templating"):
        first = client.get("/")
        client.get("/")
    assert first.status_code == 200
    assert "vendor/spbe.css" not in first.text
    assert len([r for r in caplog.records if "make assets" in r.getMessage()]) == 1


def test_module_templates_are_found_by_prefix() -> None:
    loader = ModuleTemplateLoader()
    assert "core/base.html" in loader.list_templates()
    environment = get_environment()
    assert environment.get_template("core/error.html").name == "core/error.html"
    assert environment.get_template("govuk_frontend_jinja/components/button/macro.html")
    with pytest.raises(TemplateNotFound):
        environment.get_template("unknown/page.html")
    with pytest.raises(TemplateNotFound):
        environment.get_template("portal/missing.html")


def test_templates_are_autoescaped() -> None:
    template = get_environment().from_string("{{ value }}")
    assert template.render(value="<script>") == "&lt;script&gt;"


def test_api_docs_load_swagger_ui_from_our_own_static_files(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "cdn." not in response.text
    assert '"validatorUrl": null' in response.text
    for asset in re.findall(r'(?:href|src)="([^"]+)"', response.text):
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 404


def test_language_switch_never_links_off_site() -> None:
    scope = {"type": "http", "path": "//evil.example/x", "query_string": b"", "headers": [], "server": None}
    url = lang_switch_url(Request(scope), "id")
    assert url.startswith("/")
    assert not url.startswith(("//", "/\\"))
    assert url.endswith("evil.example/x?lang=en")


def test_every_room_in_the_navigation_opens(client: TestClient) -> None:
    for room in ROOMS:
        response = client.get(room, headers={"Accept": "text/html"}, follow_redirects=True)
        assert response.status_code == 200, f"{room} answers {response.status_code}"
        assert "govuk-header" in response.text or "govuk-template" in response.text
