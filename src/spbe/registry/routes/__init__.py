"""HTTP routes of the registry: the REST API under ``/api/v1/registry`` and the pages under ``/registry``.

The duplicate finder's routes (``spbe.registry.duplicates.routes``) are mounted here too. The catalogue
router's ``/{kind}`` paths come last so that ``/applications``, ``/duplicates``, ``/import``, ``/export``
and ``/archimate`` are matched first.
"""

import importlib
from types import ModuleType

from fastapi import APIRouter

from spbe.registry.routes import agencies, applications, catalogue, exchange, pages

DUPLICATES_ROUTES = "spbe.registry.duplicates.routes"


def _duplicates() -> list[ModuleType]:
    """The duplicate finder's routes when that subpackage is present."""
    try:
        return [importlib.import_module(DUPLICATES_ROUTES)]
    except ModuleNotFoundError as error:
        if error.name not in (DUPLICATES_ROUTES, "spbe.registry.duplicates"):
            raise
        return []


router = APIRouter()
for part in (agencies, applications, exchange, pages, *_duplicates(), catalogue):
    router.include_router(part.router)

__all__ = ["router"]
