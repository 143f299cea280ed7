"""Helpers for evaluation tests: act as a given principal without issuing tokens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from spbe.core.security import Principal, _authenticated

STAFF_A = Principal("staff-a", "staff", "KEMENDAGRI", frozenset({"evaluation:self-assess"}))
STAFF_B = Principal("staff-b", "staff", "KEMENKEU", frozenset({"evaluation:self-assess"}))
ASSESSOR = Principal("assessor-1", "staff", "KEMENPANRB", frozenset({"evaluation:assess"}))
COORDINATOR = Principal("coordinator", "staff", "KEMENPANRB", frozenset({"evaluation:admin"}))


@pytest.fixture
def act_as(app: FastAPI) -> Callable[[Principal], None]:
    def switch(principal: Principal) -> None:
        app.dependency_overrides[_authenticated] = lambda: principal

    return switch


@pytest.fixture(autouse=True)
def open_cycle_2025(request: pytest.FixtureRequest) -> None:
    """Tests that use the database find the 2025 evaluation cycle open (as the demo data leaves it)."""
    if "db_session" not in request.fixturenames:
        return
    from spbe.evaluation.service import periods

    session = request.getfixturevalue("db_session")
    periods.ensure_open(session, 2025, "test")
    session.commit()  # a savepoint here: a refused request's rollback must not undo it
