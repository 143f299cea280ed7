"""Who may call a route. Every route declares a rule; a test fails when one does not.

A route is either on ``PUBLIC`` (declared with the ``public`` dependency, e.g. health checks, region
codes) or requires a ``Principal`` through ``Authenticated``/``require_roles``. Bearer tokens are
JWTs checked here in ``core`` against the platform's published keys, so any module can authenticate
callers without importing ``identity`` (which issues them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from spbe.core.errors import Forbidden, Unauthorized

AUTH_RULE_ATTRIBUTE = "__spbe_auth_rule__"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a resident, an agency's staff member or a machine client."""

    subject: str
    kind: str  # "resident" | "staff" | "machine" | "system"
    agency_code: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_role(self, role: str) -> bool:
        return role in self.roles


TokenVerifier = Callable[[str], Principal]
"""Turns a bearer token into a ``Principal`` or raises ``Unauthorized``; set on ``app.state``."""

SYSTEM = Principal(subject="system", kind="system", roles=frozenset({"system"}))


F = TypeVar("F", bound=Callable[..., object])


def _mark(rule: str) -> Callable[[F], F]:
    """Tag a dependency with the auth rule it enforces (read by the route-auth architecture test)."""

    def decorate(function: F) -> F:
        setattr(function, AUTH_RULE_ATTRIBUTE, rule)
        return function

    return decorate


@_mark("public")
def _public() -> None:
    """Marks a route as deliberately open to anyone."""


SESSION_COOKIE = "spbe_session"
"""The browser session's access token (set by ``core.websignin`` after an IKD sign-in)."""
UNSAFE_SITES = frozenset({"cross-site", "same-site"})


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _check_same_origin(request: Request) -> None:
    """A cookie-authenticated change must come from our own pages (SameSite=Lax already stops most)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if (origin and origin != own) or request.headers.get("sec-fetch-site") in UNSAFE_SITES:
        raise Forbidden("A signed-in browser may only change data from this platform's own pages.")


@_mark("authenticated")
def _authenticated(request: Request) -> Principal:
    """The caller named by a valid ``Authorization: Bearer`` token or browser session cookie, or 401."""
    token = _bearer(request)
    from_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE, "").strip() or None
    if token is None:
        raise Unauthorized("This needs a bearer token (Authorization: Bearer …) or signing in at /masuk.")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise Unauthorized("No token issuer is configured on this node.")
    principal = verifier(token)
    if from_cookie:
        _check_same_origin(request)
    return principal


def optional_principal(request: Request) -> Principal | None:
    """The caller when a valid bearer token or session came with the request, else ``None``.

    For public pages that show more (e.g. links to forms) to a signed-in caller.
    """
    try:
        return _authenticated(request)
    except (Unauthorized, Forbidden):  # no, a bad, or a cross-site session: an anonymous visitor
        return None


public = Depends(_public)
Authenticated = Annotated[Principal, Depends(_authenticated)]
