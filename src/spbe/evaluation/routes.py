"""HTTP routes of the `evaluation` module: the JSON API and the HTML pages."""

from __future__ import annotations

from fastapi import APIRouter

from spbe.evaluation import api, cycle_pages, forms, pages

router = APIRouter()
router.include_router(api.router)
router.include_router(pages.router)
router.include_router(forms.router)
router.include_router(cycle_pages.router)
