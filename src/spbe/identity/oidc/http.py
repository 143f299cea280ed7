"""Authlib's request and response, over Starlette: the protocol endpoints' HTTP shape."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from starlette.responses import JSONResponse, RedirectResponse, Response

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_RAW_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
_JSON = (b"content-type", b"application/json")


class Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class ProtocolRequest(OAuth2Request):  # type: ignore[misc]
    """A request as Authlib's grants read it. Transport security is the deployment's job (TLS at the
    proxy; ``SPBE_PUBLIC_URL`` is https in production), so Authlib's http check is not repeated here."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: Iterable[tuple[str, str]] = (),
        form: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.method, self.uri, self.headers = method, uri, dict(headers)
        self._body = None
        self._args = dict(query)
        self._form = dict(form)
        self.payload = Payload([*self._args.items(), *self._form.items()])
        self.client = self.auth_method = self.user = None
        self.authorization_code = self.refresh_token = self.credential = None
        self._scope = None

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class ProtocolResponse:
    """What Authlib's ``handle_response`` returns; ``location`` is what RFC 9207's hook amends."""

    def __init__(self, status: int, body: Any, headers: list[tuple[str, str]]) -> None:
        self.status, self.body, self.headers = status, body, dict(headers)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @location.setter
    def location(self, value: str) -> None:
        self.headers["Location"] = value

    def to_asgi(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body for a raw ASGI reply (the token fast path); JSON bodies only."""
        if self.location:
            raise ValueError("a redirect is sent with to_starlette()")
        body = self.body if isinstance(self.body, dict | list) else json.loads(self.body or "{}")
        encoded = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        headers = [_JSON, (b"content-length", str(len(encoded)).encode()), *_RAW_NO_STORE]
        headers += [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in self.headers.items()
            if name.lower() not in {"content-type", "content-length", "cache-control", "pragma"}
        ]
        return self.status, headers, encoded

    def to_starlette(self) -> Response:
        if self.location:
            return RedirectResponse(self.location, status_code=302, headers=NO_STORE)
        headers = {**self.headers, **NO_STORE}
        headers.pop("Content-Type", None)
        body = self.body if isinstance(self.body, dict | list) else json.loads(self.body or "{}")
        return JSONResponse(body, status_code=self.status, headers=headers)


def protocol_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """An OAuth 2.0 error body (RFC 6749 §5.2), never a problem document."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=NO_STORE)
