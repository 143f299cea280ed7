"""HTTP routes of the `interop` module."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
