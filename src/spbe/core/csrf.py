"""CSRF protection for every module's HTML forms: a double-submit cookie token.

A GET of a form page sets a random token in the cookie ``spbe_csrf`` (SameSite=Strict, HttpOnly, path
``/``) and puts the same token in a hidden ``csrf_token`` field; a POST is accepted only when both are
present and equal (constant-time compare). Another site can make a browser send the cookie but cannot
read it to fill the field.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from spbe.core.errors import Forbidden

COOKIE = "spbe_csrf"
FIELD = "csrf_token"


def token_for(request: Request) -> str:
    """The token already in the browser's cookie, or a fresh one (set it with ``set_cookie``)."""
    existing = request.cookies.get(COOKIE, "")
    return existing if len(existing) >= 32 else secrets.token_urlsafe(32)


def set_cookie(response: Response, token: str, request: Request) -> Response:
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    return response


def verify(request: Request, submitted: object) -> None:
    """Refuse (403) a POST whose form token is missing or differs from the cookie's."""
    cookie = request.cookies.get(COOKIE, "")
    if not cookie or not isinstance(submitted, str) or not hmac.compare_digest(cookie, submitted):
        raise Forbidden("The form's security token is missing or does not match; reload the page and try again.")
