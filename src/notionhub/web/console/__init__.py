"""The operations console, served at ``/`` by ``notionhub serve`` (docs/console.md).

Server-rendered Jinja2 pages with htmx (a file served by the hub, no CDN, no build step):
``overview`` (``/`` and its server-sent events), ``events`` (list, event, replay), ``workflows``,
``agents``, ``workspace``, ``providers``; ``access``, ``session`` and ``sign_in`` decide who gets
in.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from notionhub.web.console import (
    agents,
    events,
    overview,
    providers,
    sign_in,
    workflows,
    workspace,
)
from notionhub.web.console.access import NotForThisRole, SignInRequired
from notionhub.web.console.session import SessionSigner
from notionhub.web.console.state import ConsoleState
from notionhub.web.readiness import Readiness
from notionhub.web.state import HubState

STATIC_PATH = "/console/static"


def add_console(app: FastAPI, hub: HubState) -> None:
    """Serve the console from ``app`` (whose ``app.state.hub`` is ``hub``)."""
    app.state.console = ConsoleState(
        signer=SessionSigner.for_key(hub.settings.internal_api_key), readiness=Readiness(hub)
    )
    static = StaticFiles(directory=str(files("notionhub.web.console") / "static"))
    app.mount(STATIC_PATH, static, name="console-static")
    app.add_exception_handler(SignInRequired, sign_in.sign_in_required)
    app.add_exception_handler(NotForThisRole, sign_in.not_for_this_role)
    for module in (sign_in, overview, events, workflows, agents, workspace, providers):
        app.include_router(module.router)
