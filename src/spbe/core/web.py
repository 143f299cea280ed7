"""The web front of the platform: static files, language choice, friendly error pages, home page.

``install_web(app)`` wires it all into an application; module routers then render their pages with
``spbe.core.templating.render``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spbe.core import i18n
from spbe.core.errors import FieldError
from spbe.core.i18n import N_
from spbe.core.security import public
from spbe.core.templating import STATIC_MOUNT, mount_static, render
from spbe.core.websignin.cookies import signin_url

logger = logging.getLogger("spbe.web")

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class ErrorText:
    """What a person reads on an error page (English msgids, translated when shown)."""

    title: str
    advice: str
    show_detail: bool = False


SERVER_ERROR = ErrorText(
    N_("Something went wrong on our side"),
    N_("Please try again later. If the problem continues, contact support and quote the request id below."),
)
CLIENT_ERROR = ErrorText(
    N_("The request could not be completed"),
    N_("Check the address or the information you sent and try again."),
    show_detail=True,
)
ERROR_TEXTS: dict[int, ErrorText] = {
    400: ErrorText(
        N_("The request could not be understood"),
        N_("Check the address or the information you sent and try again."),
        show_detail=True,
    ),
    401: ErrorText(
        N_("You need to sign in"),
        N_("Sign in with your digital identity (IKD) or your staff account to see this page."),
    ),
    403: ErrorText(
        N_("You do not have permission to see this page"),
        N_("If you think you should have access, contact the administrator of your agency."),
        show_detail=True,
    ),
    404: ErrorText(
        N_("Page not found"),
        N_(
            "If you typed the web address, check it is correct. "
            "If you pasted the web address, check you copied the entire address."
        ),
    ),
    405: ErrorText(
        N_("This action is not available here"),
        N_("This page does not accept this kind of request. Go back and try again."),
    ),
    409: ErrorText(
        N_("The information has changed or already exists"),
        N_("Someone may have changed the same record. Reload the page and try again."),
        show_detail=True,
    ),
    422: ErrorText(
        N_("There is a problem with the information you gave"),
        N_("Correct the following and try again."),
    ),
    429: ErrorText(N_("Too many requests"), N_("Wait a moment and try again.")),
    500: SERVER_ERROR,
    503: ErrorText(N_("The service is unavailable"), N_("Please try again later.")),
}


def error_text(status: int) -> ErrorText:
    """The title and advice for ``status`` (the generic ones for a status without its own)."""
    return ERROR_TEXTS.get(status) or (SERVER_ERROR if status >= 500 else CLIENT_ERROR)


def render_error_page(request: Request, status: int, title: str, detail: str, errors: list[FieldError]) -> Response:
    """``app.state.html_error_renderer``: the friendly page for a browser (see ``core.problems``).

    ``title`` and ``detail`` arrive in English; the page shows a translated title chosen by status,
    and ``detail`` only for statuses where it helps (never for a 5xx, whose detail is generic).
    """
    if status == 401 and request.method == "GET" and not request.url.path.startswith(("/masuk", "/keluar")):
        # a page that needs a signed-in person: sign in (IKD) and come back here
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(signin_url(here), status_code=303)
    context = {
        "status": status,
        "error": error_text(status),
        "english_title": title,
        "detail": detail,
        "errors": errors,
        "request_id": getattr(request.state, "request_id", None),
    }
    try:
        return render(request, "core/error.html", context, status_code=status)
    except Exception:  # the error page itself must never turn a 4xx into an unreadable 500
        logger.exception("could not render the error page")
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)


@router.get("/", dependencies=[public], response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The landing page: what the platform is and its five rooms."""
    return render(request, "core/home.html")


def serve_api_docs_locally(app: FastAPI) -> None:
    """Replace FastAPI's ``/docs`` and ``/redoc``, which load their scripts from a CDN.

    ``/docs`` becomes the same Swagger UI page with its files from ``/static/vendor/swagger-ui/``
    (built by ``make assets``); ReDoc is dropped rather than vendored a second UI.
    """
    docs_url, openapi_url = app.docs_url, app.openapi_url
    replaced = {docs_url, app.redoc_url} - {None}
    app.router.routes[:] = [route for route in app.router.routes if getattr(route, "path", None) not in replaced]
    app.redoc_url = None
    if not docs_url or not openapi_url:
        return

    @app.get(docs_url, include_in_schema=False, dependencies=[public])
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        vendor = f"{root}{STATIC_MOUNT}/vendor/swagger-ui"
        redirect = app.swagger_ui_oauth2_redirect_url
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} – API",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC_MOUNT}/spbe/favicon.svg",
            oauth2_redirect_url=root + redirect if redirect else None,
            init_oauth=app.swagger_ui_init_oauth,
            # no badge from validator.swagger.io: nothing on our pages calls out to a third party
            swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
        )


def install_web(app: FastAPI) -> None:
    """Static files, per-request language, HTML error pages, the home page and local API docs."""
    settings = getattr(app.state, "settings", None)
    default_locale = getattr(settings, "default_locale", i18n.DEFAULT_LOCALE)
    i18n.set_default_locale(default_locale)
    mount_static(app)
    app.add_middleware(i18n.LocaleMiddleware, default_locale=default_locale)
    app.state.html_error_renderer = render_error_page
    app.include_router(router)
    serve_api_docs_locally(app)
