"""Wire the browser sign-in into an app: the client, the renewal middleware and the routes."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from spbe.core.config import Settings
from spbe.core.websignin.client import SigninClient
from spbe.core.websignin.middleware import SessionRefreshMiddleware
from spbe.core.websignin.routes import router


def install_web_signin(app: FastAPI, settings: Settings) -> None:
    def transport() -> httpx.BaseTransport | None:
        # tests deliver the client's HTTP to the app under test; production sends it over the network
        found: httpx.BaseTransport | None = getattr(app.state, "web_signin_transport", None)
        return found

    app.state.web_signin = SigninClient(settings, app.state.session_factory, transport)
    app.add_middleware(SessionRefreshMiddleware, client=lambda: app.state.web_signin)
    app.include_router(router)
