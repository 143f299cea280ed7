"""HTTP routes of the portal (MPP Digital). Until its issue is built, one honest page says so."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from spbe.core.security import public
from spbe.core.templating import render

router = APIRouter()


@router.get("/portal", dependencies=[public], include_in_schema=False)
def portal_home(request: Request) -> HTMLResponse:
    return render(request, "portal/index.html", {})
