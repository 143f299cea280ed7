"""HTTP routes of the `identity` module."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
