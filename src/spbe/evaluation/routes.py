"""HTTP routes of the `evaluation` module."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
