"""Every route declares who may call it (GOV.UK Notify's test_route_authentication)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from spbe.core.security import AUTH_RULE_ATTRIBUTE

# Routes FastAPI itself adds; they describe the API and are public on purpose.
FRAMEWORK_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _walk(
    routes: Sequence[BaseRoute], prefix: str = "", inherited: tuple[Any, ...] = ()
) -> Iterator[tuple[str, BaseRoute, tuple[Any, ...]]]:
    """Every route with its full path and the dependencies of the routers that include it.

    FastAPI ≥ 0.160 keeps included routers as nodes instead of copying their routes into the app.
    """
    for route in routes:
        context = getattr(route, "include_context", None)
        if context is not None:
            router = route.original_router  # type: ignore[attr-defined]
            yield from _walk(router.routes, prefix + context.prefix, inherited + tuple(context.dependencies))
        else:
            yield prefix + getattr(route, "path", ""), route, inherited


def _rules_of(route: APIRoute, inherited: tuple[Any, ...]) -> set[str]:
    rules = {getattr(dep.dependency, AUTH_RULE_ATTRIBUTE, None) for dep in inherited} - {None}
    return {str(rule) for rule in rules} | _auth_rules(route.dependant)


def _auth_rules(dependant: Dependant) -> set[str]:
    rules: set[str] = set()
    for dependency in dependant.dependencies:
        rule = getattr(dependency.call, AUTH_RULE_ATTRIBUTE, None)
        if rule is not None:
            rules.add(rule)
        rules |= _auth_rules(dependency)
    return rules


def test_every_route_declares_an_auth_rule(app: FastAPI) -> None:
    api_routes = [(path, route, inh) for path, route, inh in _walk(app.routes) if isinstance(route, APIRoute)]
    assert len(api_routes) >= 2, "the walker found no API routes; FastAPI's routing changed"
    missing = [f"{sorted(route.methods)} {path}" for path, route, inh in api_routes if not _rules_of(route, inh)]
    assert not missing, "routes without an auth rule (add `public` or an auth dependency): " + ", ".join(missing)


def test_a_route_is_either_public_or_authenticated_not_both(app: FastAPI) -> None:
    for path, route, inherited in _walk(app.routes):
        if isinstance(route, APIRoute):
            rules = _rules_of(route, inherited)
            assert not ("public" in rules and len(rules) > 1), f"{path} mixes public with {rules}"


def test_only_framework_routes_lack_a_dependant(app: FastAPI) -> None:
    undeclared = {
        path for path, route, _ in _walk(app.routes) if not isinstance(route, APIRoute) and path not in FRAMEWORK_ROUTES
    }
    assert undeclared <= {"/static"}, f"non-API routes outside the allow-list: {undeclared}"
