"""A small built-in stand-in for Dukcapil's population service (layanan data kependudukan), so the demo
shows agencies exchanging data through the gateway. Raw ASGI, served under ``/_demo/dukcapil`` when
``SPBE_INTEROP_DEMO_BACKEND`` is on (never in production). All data is invented.
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "/_demo/dukcapil"

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Layanan Data Kependudukan (demo)", "version": "1.0.0"},
    "paths": {
        "/penduduk/{nik}": {"get": {"summary": "Data penduduk by NIK", "responses": {"200": {"description": "OK"}}}},
        "/verifikasi": {
            "post": {"summary": "Verify name and birth date against a NIK", "responses": {"200": {"description": "OK"}}}
        },
    },
}


def _resident(nik: str) -> dict[str, Any]:
    female = nik[6:8].isdigit() and int(nik[6:8]) > 40
    return {
        "nik": nik,
        "nama": "WARGA CONTOH",
        "jenis_kelamin": "PEREMPUAN" if female else "LAKI-LAKI",
        "kode_wilayah": f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}",
        "status": "AKTIF",
        "sumber": "demo",
    }


def _answer(method: str, path: str) -> tuple[int, Any]:
    if method == "GET" and path.startswith("/penduduk/"):
        nik = path.rsplit("/", 1)[-1]
        return (200, _resident(nik)) if len(nik) == 16 and nik.isdigit() else (400, {"error": "NIK invalid"})
    if method == "POST" and path == "/verifikasi":
        return 200, {"cocok": True, "sumber": "demo"}
    if path == "/openapi.json":
        return 200, OPENAPI
    return 404, {"error": "not found"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    status, body = _answer(scope["method"], scope["path"][len(PREFIX) :])
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
