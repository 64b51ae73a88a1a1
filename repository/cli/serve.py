"""Serving the API and pages."""

from __future__ import annotations

import gc
from typing import Annotated

import typer

from repository.cli.app import app


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8000,
) -> None:
    """Chạy API kho dữ liệu / serve the repository API (OpenAPI at /openapi.json)."""
    import uvicorn

    from repository.api import create_app
    from repository.api.middleware import access_log_config
    from repository.catalog.db import migrate
    from repository.intake.uploads import resume_interrupted
    from repository.settings import load_settings

    migrate()
    app = create_app()
    resume_interrupted()  # uploads acknowledged before a crash or kill run again, not stay "running"
    # What was loaded at startup lives as long as the server: keep it out of the collector's full
    # passes (each took ~40 ms here, landing on whichever request was running). A request allocates
    # thousands of short-lived objects that reference counting frees anyway; at the default youngest
    # threshold (700) the cycle collector ran several times per request (~1 ms of an officer's read
    # at 1M documents). Cycles are still collected, every 20,000 allocations.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    trusted = load_settings().trusted_proxies
    # X-Forwarded-For is believed only from the proxies named in SOHOA_TRUSTED_PROXIES: from anyone
    # else it would let a client pick its own address (and dodge the login limiter).
    uvicorn.run(app, host=host, port=port, proxy_headers=bool(trusted),
                forwarded_allow_ips=",".join(trusted) or None, log_config=access_log_config())  # fmt: skip
