"""HTTP routes of the `portal` module."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
