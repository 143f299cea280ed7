"""Errors reach clients as RFC 9457 problem documents; nothing internal leaks."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Query
from fastapi.testclient import TestClient

from spbe.core.errors import Conflict, FieldError, ValidationFailed
from spbe.core.security import public


def _add_failing_routes(app: FastAPI) -> None:
    router = APIRouter()

    @router.get("/api/v1/_test/conflict", dependencies=[public])
    def conflict() -> None:
        raise Conflict("Agency code KEMENKEU already exists.")

    @router.get("/api/v1/_test/invalid", dependencies=[public])
    def invalid() -> None:
        raise ValidationFailed("Two fields are wrong.", errors=[FieldError("name", "is empty", row=3)])

    @router.get("/api/v1/_test/crash", dependencies=[public])
    def crash() -> None:
        raise RuntimeError("SELECT secret FROM table — internal detail")

    @router.get("/api/v1/_test/typed", dependencies=[public])
    def typed(limit: int = Query(ge=1, le=100)) -> dict[str, int]:
        return {"limit": limit}

    app.include_router(router)


def test_domain_error_is_a_problem_document(app: FastAPI) -> None:
    _add_failing_routes(app)
    response = TestClient(app).get("/api/v1/_test/conflict")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Conflict"
    assert body["detail"] == "Agency code KEMENKEU already exists."
    assert body["type"].endswith("/conflict")
    assert body["instance"] == "/api/v1/_test/conflict"
    assert body["request_id"] == response.headers["x-request-id"]


def test_field_errors_name_field_and_row(app: FastAPI) -> None:
    _add_failing_routes(app)
    body = TestClient(app).get("/api/v1/_test/invalid").json()
    assert body["status"] == 422
    assert body["errors"] == [{"field": "name", "message": "is empty", "row": 3}]


def test_request_validation_names_the_field(app: FastAPI) -> None:
    _add_failing_routes(app)
    response = TestClient(app).get("/api/v1/_test/typed", params={"limit": "500"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "limit"
    assert "limit" in body["detail"]


def test_unexpected_error_hides_internals(app: FastAPI) -> None:
    _add_failing_routes(app)
    response = TestClient(app, raise_server_exceptions=False).get("/api/v1/_test/crash")
    assert response.status_code == 500
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["title"] == "Internal error"


def test_unknown_api_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
