"""HTML pages: one Jinja2 environment for every module, on govuk-frontend, in the request's language.

A template's name starts with the module that owns it: ``core/base.html`` is
``src/spbe/core/templates/core/base.html``, ``portal/apply.html`` is
``src/spbe/portal/templates/portal/apply.html``. govuk-frontend-jinja's macros and page template are
under ``govuk_frontend_jinja/…``. Pages extend ``core/base.html`` and are returned with ``render``.

Static files live in ``src/spbe/core/static/`` and are served at ``/static``: our own small files in
``spbe/``, the built govuk-frontend assets in ``vendor/`` (``make assets``). When those are missing,
pages still render, unstyled, and a warning is logged once.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    TemplateNotFound,
    pass_context,
)
from jinja2.runtime import Context

from spbe.core import i18n
from spbe.core.security import optional_principal
from spbe.core.websignin.cookies import display_name

logger = logging.getLogger("spbe.templating")

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_MOUNT = "/static"
MODULES = ("core", "registry", "identity", "interop", "evaluation", "portal")
VENDOR_ASSETS = ("vendor/spbe.css", "vendor/govuk-frontend.min.js")

_warned_missing_assets: list[bool] = []


class ModuleTemplateLoader(BaseLoader):
    """Finds ``<module>/<name>`` in ``src/spbe/<module>/templates/<module>/<name>``.

    The module name stays in the path on disk (as in Django apps), so a template's name alone says
    which module owns it and two modules can both have an ``index.html``.
    """

    def __init__(self, modules: tuple[str, ...] = MODULES, package_dir: Path = PACKAGE_DIR) -> None:
        self.loaders = {name: FileSystemLoader(package_dir / name / "templates") for name in modules}

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Any]:
        module = template.split("/", 1)[0]
        loader = self.loaders.get(module)
        if loader is None:
            raise TemplateNotFound(template)
        return loader.get_source(environment, template)

    def list_templates(self) -> list[str]:
        names = (name for loader in self.loaders.values() for name in loader.list_templates())
        return sorted(name for name in names if not name.endswith(".gitkeep"))


def _loader() -> ChoiceLoader:
    govuk = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    return ChoiceLoader([ModuleTemplateLoader(), govuk])


@cache
def get_environment() -> Environment:
    """The process-wide environment; modules may add filters and globals to it at import time."""
    environment = Environment(loader=_loader(), autoescape=True, extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
    )
    environment.globals.update(static_url=static_url, language_names=i18n.LANGUAGE_NAMES)
    return environment


@pass_context
def static_url(context: Context, path: str) -> str:
    """The URL of a file under ``static/``, honouring a proxy's path prefix (ASGI ``root_path``)."""
    request: Request | None = context.get("request")
    root = request.scope.get("root_path", "") if request is not None else ""
    return f"{root}{STATIC_MOUNT}/{path.lstrip('/')}"


def vendor_assets_ready() -> bool:
    """Whether ``make assets`` has built govuk-frontend's CSS and JS (warns once when not)."""
    ready = all((STATIC_DIR / asset).is_file() for asset in VENDOR_ASSETS)
    if not ready and not _warned_missing_assets:
        _warned_missing_assets.append(True)
        logger.warning("web assets are not built (run `make assets`); pages are served without styles")
    return ready


def request_locale(request: Request) -> str:
    """The locale chosen by ``LocaleMiddleware``, or negotiated now (e.g. outside the middleware)."""
    default = getattr(getattr(request.app.state, "settings", None), "default_locale", i18n.DEFAULT_LOCALE)
    return i18n.locale_of_scope(request.scope, default)


def lang_switch_url(request: Request, locale: str) -> str:
    """This page in the other language: same path and query, with ``lang`` replaced."""
    url = request.url.include_query_params(**{i18n.QUERY_PARAMETER: i18n.other_locale(locale)})
    path = "/" + url.path.lstrip("/\\")  # a path "//host" or "/\host" would leave the site
    return f"{path}?{url.query}"


def base_context(request: Request, locale: str) -> dict[str, Any]:
    """What every page can use, whichever route renders it.

    ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext`` are environment globals (Jinja's
    newstyle gettext: autoescaped, ``%(name)s`` placeholders filled from keyword arguments), so
    imported macros can translate too. Never pass untrusted text to ``_``: a translation is markup.
    """
    return {
        "request": request,
        "locale": locale,
        "other_locale": i18n.other_locale(locale),
        "lang_switch_url": lang_switch_url(request, locale),
        "assets_ready": vendor_assets_ready(),
        "viewer": _viewer(request),
    }


def _viewer(request: Request) -> dict[str, str] | None:
    """Who is signed in on this browser, for the header's sign-in / sign-out link."""
    principal = optional_principal(request)
    if principal is None:
        return None
    name = display_name(request) or principal.subject.removeprefix("staff:")
    return {"name": name, "kind": principal.kind}


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template_name`` in the request's language as an HTML response."""
    locale = request_locale(request)
    with i18n.use_locale(locale):
        page = get_environment().get_template(template_name)
        html = page.render({**base_context(request, locale), **(context or {})})
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers["content-language"] = locale
    response.headers["vary"] = "Accept-Language, Cookie"
    return response


def mount_static(app: FastAPI) -> None:
    """Serve ``src/spbe/core/static/`` at ``/static`` (our files and the built vendor assets)."""
    app.mount(STATIC_MOUNT, StaticFiles(directory=STATIC_DIR), name="static")
    vendor_assets_ready()
