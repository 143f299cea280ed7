"""Translations: Bahasa Indonesia by default, English when asked.

Source code and templates carry English msgids; ``src/spbe/locale/<locale>/LC_MESSAGES/messages.po``
holds the catalogues. They are compiled in memory at first use (``read_po`` → ``write_mo``), so there is
no compile step and no ``*.mo`` file to keep in sync.

Each request's locale is chosen by ``LocaleMiddleware`` and kept in a context variable, so ``gettext``
(here and in Jinja templates) answers in the request's language without passing it around:
``?lang=en|id`` (remembered in the ``lang`` cookie), else the ``lang`` cookie, else ``Accept-Language``
when its first preference is English or Indonesian, else the platform default (``SPBE_DEFAULT_LOCALE``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCALES: tuple[str, ...] = ("id", "en")
DEFAULT_LOCALE = "id"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
COOKIE_NAME = "lang"
QUERY_PARAMETER = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

_current: ContextVar[str | None] = ContextVar("spbe_locale", default=None)
_platform_default = {"locale": DEFAULT_LOCALE}


def catalogue_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> Translations:
    """The compiled catalogue of ``locale`` (read once per process)."""
    with catalogue_path(locale).open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def set_default_locale(locale: str) -> None:
    """The locale used outside a request (CLI, jobs); ``install_web`` sets it from the settings."""
    _platform_default["locale"] = locale if locale in LOCALES else DEFAULT_LOCALE


def current_locale() -> str:
    """The locale of the request being handled (the platform default outside a request)."""
    return _current.get() or _platform_default["locale"]


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Answer in ``locale`` inside the block (tests, CLI, background jobs, error pages)."""
    token = _current.set(locale if locale in LOCALES else None)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` (an English msgid) in the current locale."""
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the current locale."""
    return translations(current_locale()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current locale, disambiguated by ``context``."""
    return str(translations(current_locale()).pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, disambiguated by ``context``."""
    return translations(current_locale()).npgettext(context, singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 (the marker ``pybabel extract`` knows by default)
    """Mark ``message`` for extraction without translating it now (it is translated when shown)."""
    return message


def other_locale(locale: str) -> str:
    """The locale the language switch offers (the platform has exactly two)."""
    return "en" if locale == "id" else "id"


# --- choosing the locale of a request ---------------------------------------------------------------


def _valid(value: str | None) -> str | None:
    candidate = (value or "").strip().lower()
    return candidate if candidate in LOCALES else None


def locale_from_query(query_string: str) -> str | None:
    """The locale asked for with ``?lang=``, if it is one we speak."""
    values = parse_qs(query_string).get(QUERY_PARAMETER, [])
    return _valid(values[-1]) if values else None


def locale_from_cookie(cookie_header: str) -> str | None:
    """The locale remembered in the ``lang`` cookie (a malformed Cookie header is simply ignored)."""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:
        return None
    morsel = cookies.get(COOKIE_NAME)
    return _valid(morsel.value) if morsel else None


def locale_from_accept_language(header: str) -> str | None:
    """Our locale when the client's *first* preference (highest q) is English or Indonesian."""
    preferences: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = _quality(parameters)
        if tag and quality > 0:
            preferences.append((-quality, position, tag.strip()))
    if not preferences:
        return None
    first = min(preferences)[2]
    return _valid(first.split("-")[0])


def _quality(parameters: str) -> float:
    name, _, value = parameters.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        return float(value)
    except ValueError:
        return 0.0


def negotiate_locale(query_string: str, cookie_header: str, accept_language: str, default: str = DEFAULT_LOCALE) -> str:
    """The request's locale: ``?lang=``, else the cookie, else Accept-Language, else ``default``."""
    return (
        locale_from_query(query_string)
        or locale_from_cookie(cookie_header)
        or locale_from_accept_language(accept_language)
        or default
    )


def _header(scope: Scope, name: bytes) -> str:
    values = [value.decode("latin-1") for key, value in scope.get("headers", []) if key == name]
    return "; ".join(values) if name == b"cookie" else (values[0] if values else "")


def locale_of_scope(scope: Scope, default: str = DEFAULT_LOCALE) -> str:
    """Negotiate the locale of an ASGI request (used by the middleware and by error pages)."""
    state = scope.get("state") or {}
    if state.get("locale") in LOCALES:
        return str(state["locale"])
    query = scope.get("query_string", b"").decode("latin-1")
    return negotiate_locale(query, _header(scope, b"cookie"), _header(scope, b"accept-language"), default)


def locale_cookie(locale: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value remembering the visitor's language choice for a year."""
    cookie = f"{COOKIE_NAME}={locale}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax; HttpOnly"
    return cookie + "; Secure" if secure else cookie


class LocaleMiddleware:
    """Chooses each request's locale, exposes it to ``gettext`` and remembers an explicit ``?lang=``.

    Pure ASGI (no ``BaseHTTPMiddleware``), so the context variable is visible to the endpoint and
    its exception handlers, and streaming responses are untouched.
    """

    def __init__(self, app: ASGIApp, default_locale: str = DEFAULT_LOCALE) -> None:
        self.app = app
        self.default_locale = default_locale if default_locale in LOCALES else DEFAULT_LOCALE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = locale_of_scope(scope, self.default_locale)
        scope.setdefault("state", {})["locale"] = locale
        chosen = locale_from_query(scope.get("query_string", b"").decode("latin-1"))
        wrapped = _remembering(send, chosen, secure=scope.get("scheme") == "https") if chosen else send
        with use_locale(locale):
            await self.app(scope, receive, wrapped)


def _remembering(send: Send, locale: str, *, secure: bool) -> Send:
    """Wrap ``send`` so the response sets the ``lang`` cookie to ``locale``."""
    cookie = (b"set-cookie", locale_cookie(locale, secure=secure).encode("latin-1"))

    async def send_with_cookie(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), cookie]
        await send(message)

    return send_with_cookie
