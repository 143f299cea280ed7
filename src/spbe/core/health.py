"""Health checks for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from spbe.core.migrate import is_at_head
from spbe.core.security import public

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[public], summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", dependencies=[public], summary="The database is reachable and migrated")
def readyz(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    url = request.app.state.settings.resolved_database_url
    checks = {"database": "ok", "migrations": "ok"}
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready", never a stack trace
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    else:
        if not is_at_head(engine, url):
            checks["migrations"] = "pending"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)
