"""The browser session's cookies: the access token, the sealed refresh token, a display name, and the
short-lived state of a sign-in in progress."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from urllib.parse import quote, unquote

from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import HTTPConnection
from starlette.responses import Response

from spbe.core.keys.service import platform_secret

SESSION = "spbe_session"
REFRESH = "spbe_session_refresh"
NAME = "spbe_session_name"
ID_TOKEN = "spbe_session_idt"  # noqa: S105  (a cookie name; holds the ID token only as id_token_hint)
PENDING = "spbe_signin"
PENDING_PATH = "/masuk"
REFRESH_MAX_AGE = 8 * 3600


@dataclass(frozen=True)
class PendingSignin:
    """What the browser carries between ``/masuk`` and the callback (HttpOnly, path ``/masuk``)."""

    state: str
    verifier: str
    nonce: str
    next: str


def _fernet() -> Fernet:
    key = hashlib.sha256(b"spbe-web-session:" + platform_secret().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal(sealed: str) -> str | None:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def is_secure(connection: HTTPConnection) -> bool:
    return connection.url.scheme == "https"


def set_session(
    response: Response, secure: bool, access_token: str, refresh_token: str | None, name: str | None
) -> None:
    """Store a fresh session (SameSite=Lax: the cookie still comes back from the provider's redirect)."""
    options = {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}
    response.set_cookie(SESSION, access_token, **options)  # type: ignore[arg-type]
    if refresh_token:
        response.set_cookie(REFRESH, seal(refresh_token), max_age=REFRESH_MAX_AGE, **options)  # type: ignore[arg-type]
    if name is not None:
        response.set_cookie(NAME, quote(name[:80]), max_age=REFRESH_MAX_AGE, **options)  # type: ignore[arg-type]


def set_id_token(response: Response, secure: bool, id_token: str) -> None:
    response.set_cookie(
        ID_TOKEN, id_token, max_age=REFRESH_MAX_AGE, httponly=True, samesite="lax", secure=secure, path="/keluar"
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(ID_TOKEN, path="/keluar")
    for name in (SESSION, REFRESH, NAME):
        response.delete_cookie(name, path="/")


def display_name(connection: HTTPConnection) -> str | None:
    value = connection.cookies.get(NAME)
    return unquote(value) if value else None


def set_pending(response: Response, secure: bool, pending: PendingSignin) -> None:
    value = base64.urlsafe_b64encode(json.dumps(asdict(pending)).encode()).decode()
    response.set_cookie(PENDING, value, max_age=600, httponly=True, samesite="lax", secure=secure, path=PENDING_PATH)


def pending_of(connection: HTTPConnection) -> PendingSignin | None:
    return pending_of_value(connection.cookies.get(PENDING, ""))


def pending_of_value(raw: str) -> PendingSignin | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        return PendingSignin(**{key: str(data[key]) for key in ("state", "verifier", "nonce", "next")})
    except (ValueError, KeyError, TypeError):
        return None


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site (never ``//host`` or ``/\\host``), else ``default``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 for char in target):
        return default
    return target


def signin_url(next_path: str) -> str:
    """The sign-in link for a page: back to ``next_path`` afterwards."""
    return f"/masuk?next={quote(local_path(next_path), safe='/')}"
