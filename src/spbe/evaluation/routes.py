"""HTTP routes of the `evaluation` module: the JSON API and the HTML pages."""

from __future__ import annotations

from fastapi import APIRouter

from spbe.evaluation import api, forms, pages

router = APIRouter()
router.include_router(api.router)
router.include_router(pages.router)
router.include_router(forms.router)
