"""HTTP routes of the registry: the REST API under ``/api/v1/registry`` and the pages under ``/registry``.

The duplicate finder's routes (``spbe.registry.duplicates.routes``) are mounted here too. The catalogue
router's ``/{kind}`` paths come last so that ``/applications``, ``/duplicates``, ``/import``, ``/export``
and ``/archimate`` are matched first.
"""

from fastapi import APIRouter

from spbe.registry.duplicates import routes as duplicates
from spbe.registry.routes import agencies, applications, catalogue, exchange, pages

router = APIRouter()
for part in (agencies, applications, exchange, pages, duplicates, catalogue):
    router.include_router(part.router)

__all__ = ["router"]
