"""HTTP routes of the interop module (the data plane itself is raw ASGI in ``spbe.interop.gateway``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from spbe.core.deps import AppSettings, DbSession
from spbe.core.security import public
from spbe.core.templating import render
from spbe.interop import catalogue, management_routes, portal_pages
from spbe.interop import trust_credentials as _trust_credentials  # noqa: F401 (registers certificate and oauth_client kinds)

router = APIRouter()


@router.get("/interop", dependencies=[public], include_in_schema=False)
def catalogue_page(request: Request, session: DbSession, settings: AppSettings) -> HTMLResponse:
    """The service catalogue: what agencies publish on SPLP, and how to call it."""
    entries = catalogue.catalogue(session)
    return render(request, "interop/catalogue.html", {"entries": entries, "public_url": settings.public_url})


router.include_router(management_routes.router)
router.include_router(portal_pages.router)
