"""The workspace: the databases provisioned for the enabled packs, their drift as found at
start, and a browser of each one's rows (read from Notion through the gateway, 25 a page)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from notionhub.errors import NotionhubError
from notionhub.notion.page_text import page_row, title_first
from notionhub.notion.provision import DatabaseReport
from notionhub.web.console.access import Access, console_viewer
from notionhub.web.console.rendering import page
from notionhub.web.state import HubState

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Access, Depends(console_viewer("workspace:read"))]
ROWS_PER_PAGE = 25
MAX_COLUMNS = 8


def databases(hub: HubState) -> list[DatabaseReport]:
    report = hub.runtime.provision_report
    return list(report.databases) if report is not None else []


@router.get("/console/workspace", response_class=HTMLResponse)
async def workspace_page(request: Request, access: Viewer) -> HTMLResponse:
    hub: HubState = request.app.state.hub
    return page(
        request,
        access,
        "workspace.html",
        section="workspace",
        databases=databases(hub),
        real_notion=hub.settings.notion_token is not None,
    )


@router.get("/console/workspace/{name}", response_class=HTMLResponse)
async def database_page(
    request: Request,
    access: Viewer,
    name: str,
    cursor: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """One database's rows, newest first as Notion orders them, with links to Notion."""
    hub: HubState = request.app.state.hub
    found = [report for report in databases(hub) if report.name == name]
    notion = hub.runtime.notion
    if not found or notion is None:
        return page(
            request,
            access,
            "message.html",
            section="workspace",
            status_code=404,
            title="No such database",
            message=f"No database {name!r} is provisioned.",
        )
    report = found[0]
    gateway = hub.runtime.gateway_of_database(name)

    def read() -> tuple[list[str], list[dict[str, Any]], str | None]:
        schema = gateway.retrieve_data_source(report.data_source_id)
        columns = title_first(schema.get("properties", {}))[:MAX_COLUMNS]
        body: dict[str, Any] = {"page_size": ROWS_PER_PAGE}
        if cursor:
            body["start_cursor"] = cursor
        answer = gateway.query_page(report.data_source_id, body)
        rows = [
            {"id": item["id"], "url": item.get("url"), "values": page_row(item, columns)}
            for item in answer.get("results", [])
        ]
        more = answer.get("next_cursor") if answer.get("has_more") else None
        return columns, rows, more

    try:
        columns, rows, more = await anyio.to_thread.run_sync(read)
    except NotionhubError as error:
        return page(
            request,
            access,
            "message.html",
            section="workspace",
            status_code=502,
            title="Notion did not answer",
            message=f"{type(error).__name__}: {error}",
        )
    following = f"/console/workspace/{quote(name)}?cursor={quote(more)}" if more else None
    return page(
        request,
        access,
        "database.html",
        section="workspace",
        database=report,
        columns=columns,
        rows=rows,
        next_page=following,
        real_notion=hub.settings.notion_token is not None,
    )
