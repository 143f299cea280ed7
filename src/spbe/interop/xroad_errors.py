"""Gateway errors in PR-REST §4.6 form: status 400 (``Client.*``) or 500 (``Server.*``), body
``{"type", "message", "detail"}`` with ``detail`` a UUID, and the ``X-Road-Error: <type>`` header.

Errors from the provider's own service are never wrapped: they are passed back untouched.
"""

from __future__ import annotations

import json
import uuid

JSON_CONTENT_TYPE = b"application/json;charset=utf-8"

# Types used by this gateway (X-Road's own names where X-Road has one).
BAD_REQUEST = "Client.BadRequest"
INVALID_CLIENT = "Client.InvalidClientIdentifier"
INVALID_SERVICE = "Client.InvalidServiceIdentifier"
AUTH_FAILED = "Client.AuthenticationFailed"
MESSAGE_TOO_LARGE = "Client.MessageTooLarge"
QUOTA_EXCEEDED = "Client.QuotaExceeded"
UNKNOWN_MEMBER = "Client.UnknownMember"
UNKNOWN_SERVICE = "Server.ServerProxy.UnknownService"
ACCESS_DENIED = "Server.ServerProxy.AccessDenied"
SERVICE_DISABLED = "Server.ServerProxy.ServiceDisabled"
NETWORK_ERROR = "Server.ServerProxy.NetworkError"
SERVICE_FAILED = "Server.ServerProxy.ServiceFailed"
MESSAGE_LOG_ERROR = "Server.ServerProxy.MessageLogError"
INTERNAL_ERROR = "Server.ClientProxy.InternalError"
OUTDATED_CONF = "Server.ClientProxy.OutdatedGlobalConf"


class GatewayError(Exception):
    """An error the gateway itself answers; the status follows from the type's prefix."""

    def __init__(self, error_type: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.retry_after = retry_after
        self.detail = str(uuid.uuid4())

    @property
    def status(self) -> int:
        return 400 if self.error_type.startswith("Client.") else 500

    def body(self) -> bytes:
        data = {"type": self.error_type, "message": self.message, "detail": self.detail}
        return json.dumps(data).encode()

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-type", JSON_CONTENT_TYPE),
            (b"x-road-error", self.error_type.encode()),
        ]
        if self.retry_after is not None:
            headers.append((b"retry-after", str(self.retry_after).encode()))
        return headers
