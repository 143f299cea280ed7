"""The application factory: one FastAPI app mounting every module (or only one, for a split deployment)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from spbe import __version__
from spbe.core import health
from spbe.core.config import Environment, Settings, get_settings
from spbe.core.db import create_db_engine, make_session_factory
from spbe.core.keys import routes as keys_routes
from spbe.core.keys import service as keys_service
from spbe.core.logging import RequestLogMiddleware
from spbe.core.nik import routes as nik_routes
from spbe.core.problems import install_error_handlers
from spbe.core.tokens import make_token_verifier, platform_issuer
from spbe.core.web import install_web
from spbe.core.websignin.install import install_web_signin
from spbe.core.wilayah import routes as wilayah_routes
from spbe.evaluation import routes as evaluation_routes
from spbe.identity import routes as identity_routes
from spbe.identity.oidc.fastpath import TokenEndpoint
from spbe.interop import routes as interop_routes
from spbe.interop.node import GatewayMiddleware
from spbe.portal import routes as portal_routes
from spbe.registry import routes as registry_routes
from spbe.registry.duplicates import service as duplicates_service

MODULE_ROUTERS: dict[str, APIRouter] = {
    "registry": registry_routes.router,
    "identity": identity_routes.router,
    "interop": interop_routes.router,
    "evaluation": evaluation_routes.router,
    "portal": portal_routes.router,
}
MODULES = tuple(MODULE_ROUTERS)


def create_app(settings: Settings | None = None, *, only: str | None = None) -> FastAPI:
    """Build the platform. ``only`` mounts the core and one module, for ``spbe serve --only``."""
    settings = settings or get_settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.env is not Environment.test and only in (None, "registry"):  # tests analyse in their transaction
            duplicates_service.warm_up(app.state.session_factory)  # a background thread: readiness is not held up
        yield
        engine.dispose()

    app = FastAPI(
        title="SPBE Platform",
        version=__version__,
        summary="Registry, SPLP interoperability, IKD identity, MPP Digital and SPBE evaluation",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.token_verifier = make_token_verifier(app.state.session_factory, platform_issuer(settings))
    keys_service.use_secret(settings.resolved_secret_key)
    install_error_handlers(app)
    install_web(app)
    install_web_signin(app, settings)
    if only in (None, "identity"):
        # POST /oidc/token as raw ASGI before FastAPI's routing, see spbe.identity.oidc.fastpath
        app.add_middleware(TokenEndpoint)
    app.add_middleware(RequestLogMiddleware)
    if only in (None, "interop"):
        # SPLP data plane (/r1/…, /listClients, /metrics): raw ASGI in front of FastAPI, see spbe.interop.gateway
        app.add_middleware(GatewayMiddleware, core=settings, session_factory=app.state.session_factory)
    _mount_routers(app, only)
    return app


def _mount_routers(app: FastAPI, only: str | None) -> None:
    app.include_router(health.router)
    app.include_router(wilayah_routes.router)
    app.include_router(nik_routes.router)
    app.include_router(keys_routes.router)
    for name, router in MODULE_ROUTERS.items():
        if only is None or only == name:
            app.include_router(router)
