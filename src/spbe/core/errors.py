"""The platform's error tree. Every expected failure is a ``SpbeError`` carrying its HTTP status.

``SpbeError``
├── ``BadRequest`` (400)          malformed input the schema could not catch
│   └── ``ValidationFailed`` (422) input that names fields and reasons (``errors``)
├── ``Unauthorized`` (401)        no or bad credentials
├── ``Forbidden`` (403)           authenticated, not allowed
├── ``NotFound`` (404)
├── ``Conflict`` (409)            duplicate key, stale state
└── ``ConfigurationError`` (500)  a bad setting; raised at start-up, names the variable

Routes never raise ``HTTPException``; the handlers in ``spbe.core.problems`` render these as RFC 9457
problem documents for APIs and as friendly pages for browsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    """One precise problem with one input field (or CSV cell)."""

    field: str
    message: str
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.row is not None:
            data["row"] = self.row
        return data


class SpbeError(Exception):
    """Base of every expected error; ``status_code`` is what the client receives."""

    status_code: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    @property
    def type_slug(self) -> str:
        """A stable, kebab-case name for the problem ``type`` URI."""
        name = type(self).__name__
        return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(SpbeError):
    status_code = 400
    title = "Bad request"


class ValidationFailed(BadRequest):
    status_code = 422
    title = "Invalid input"


class Unauthorized(SpbeError):
    status_code = 401
    title = "Authentication required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="spbe"'}


class Forbidden(SpbeError):
    status_code = 403
    title = "Not allowed"


class NotFound(SpbeError):
    status_code = 404
    title = "Not found"


class Conflict(SpbeError):
    status_code = 409
    title = "Conflict"


class ConfigurationError(SpbeError):
    status_code = 500
    title = "Configuration error"


class ServiceUnavailable(SpbeError):
    """A service this one depends on (e.g. the sign-in provider) is not answering or not set up."""

    status_code = 503
    title = "Service unavailable"
