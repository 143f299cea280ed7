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

from spbe.core.errors import Unauthorized

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


@_mark("authenticated")
def _authenticated(request: Request) -> Principal:
    """The caller named by a valid ``Authorization: Bearer`` token, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("This endpoint needs a bearer token (Authorization: Bearer …).")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise Unauthorized("No token issuer is configured on this node.")
    return verifier(token.strip())


def optional_principal(request: Request) -> Principal | None:
    """The caller when a valid bearer token came with the request, else ``None``.

    For public pages that show more (e.g. links to forms) to a signed-in caller.
    """
    try:
        return _authenticated(request)
    except Unauthorized:
        return None


public = Depends(_public)
Authenticated = Annotated[Principal, Depends(_authenticated)]
