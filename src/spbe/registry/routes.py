"""HTTP routes of the `registry` module."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
