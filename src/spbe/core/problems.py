"""Error responses: RFC 9457 problem documents for APIs, a friendly page for browsers.

No stack trace, SQL or exception text of an unexpected error ever reaches a client; the full error is
logged server-side under the request id, which the client sees so support can find it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from spbe.core.errors import FieldError, SpbeError

logger = logging.getLogger("spbe.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://spbe.go.id/problems/"
API_PREFIXES = ("/api/", "/r1/", "/.well-known/", "/oauth", "/healthz", "/readyz")

HtmlRenderer = Any  # Callable[[Request, int, str, str, list[FieldError]], Response]


def wants_json(request: Request) -> bool:
    """APIs answer JSON; a browser (Accept: text/html) on a page route gets HTML."""
    if request.url.path.startswith(API_PREFIXES):
        return True
    return "text/html" not in request.headers.get("accept", "")


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render one error for the caller: JSON problem or HTML page."""
    request_id = getattr(request.state, "request_id", None)
    renderer = getattr(request.app.state, "html_error_renderer", None)
    if renderer is not None and not wants_json(request):
        response: Response = renderer(request, status, title, detail, errors or [])
        response.headers.update(headers or {})
        return response
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [error.as_dict() for error in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


async def _spbe_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SpbeError)
    if exc.status_code >= 500:
        logger.error("platform error: %s", exc.detail)
    return problem_response(
        request,
        exc.status_code,
        exc.title,
        exc.detail,
        slug=exc.type_slug,
        errors=exc.errors,
        headers=exc.headers(),
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(error) for error in exc.errors()]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "The request is not valid."
    return problem_response(request, 422, "Invalid input", detail, slug="validation-failed", errors=errors)


def _field_error(error: dict[str, Any]) -> FieldError:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return FieldError(field=".".join(location) or "body", message=str(error.get("msg", "invalid")))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required"}
    title = titles.get(exc.status_code, "Request failed")
    detail = exc.detail if isinstance(exc.detail, str) else title
    slug = title.lower().replace(" ", "-")
    return problem_response(request, exc.status_code, title, detail, slug=slug, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    detail = "Something went wrong on our side. Quote the request id if you contact support."
    return problem_response(request, 500, "Internal error", detail, slug="internal-error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SpbeError, _spbe_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
