"""``spbe serve``: run the platform (or one module of it) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from spbe.app import MODULES, create_app
from spbe.cli.runtime import console, friendly_errors, runtime
from spbe.core.errors import ConfigurationError
from spbe.core.logging import configure_logging
from spbe.interop import noderun


@friendly_errors
def serve(
    only: Annotated[str | None, typer.Option(help=f"Serve only one module: {', '.join(MODULES)}.")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default SPBE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default SPBE_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the platform over HTTP."""
    if only is not None and only not in MODULES:
        raise ConfigurationError(f"--only must be one of {', '.join(MODULES)}; got {only!r}")
    settings = runtime.settings
    configure_logging(settings.log_level, settings.log_format)
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"SPBE Platform on [bold]http://{bind_host}:{bind_port}[/bold] ({only or 'all modules'})")
    if only == "interop":
        # A gateway node: the SPLP data plane on its own HTTP server, FastAPI behind it for everything else.
        noderun.serve(bind_host, bind_port, workers, fallback_factory=interop_node_app)
        return
    if workers > 1:
        uvicorn.run(
            "spbe.cli.serve:factory_for_workers",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            log_config=None,
            proxy_headers=True,
            server_header=False,
            access_log=False,  # RequestLogMiddleware writes one line per request already
            timeout_worker_healthcheck=60,  # importing the whole platform takes a few seconds per worker
        )
        return
    uvicorn.run(
        create_app(settings, only=only),
        host=bind_host,
        port=bind_port,
        log_config=None,
        server_header=False,
        access_log=False,  # RequestLogMiddleware writes one line per request already
    )


def interop_node_app():  # type: ignore[no-untyped-def]
    """The FastAPI side of a gateway node (module-level so worker processes can import it)."""
    return create_app(only="interop")


def factory_for_workers():  # type: ignore[no-untyped-def]
    """Each worker process builds its own app (and engine)."""
    return create_app()
