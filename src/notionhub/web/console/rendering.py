"""Console pages: Jinja2 templates (autoescaped) answered with the console's security headers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notionhub.web.console.access import Access
from notionhub.web.console.session import CSRF_FIELD

# No inline script or style anywhere (htmx is configured by a <meta>, charts are SVG with
# classes), so the policy allows only the hub's own files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# Each page with the permission it needs (docs/roles.md): a role sees the pages it may open.
NAVIGATION = (
    ("overview", "/", "Overview", "stats:read"),
    ("events", "/console/events", "Events", "events:read"),
    ("workflows", "/console/workflows", "Workflows", "workflows:read"),
    ("agents", "/console/agents", "Agents", "agents:read"),
    ("workspace", "/console/workspace", "Workspace", "workspace:read"),
    ("providers", "/console/providers", "Providers", "providers:read"),
)


def moment(epoch: float | None) -> str:
    """Unix seconds as ``2026-12-06 14:03:05 UTC``."""
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def event_link(event_id: str) -> str:
    return "/console/events/" + quote(event_id, safe="")


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


TEMPLATES = Environment(
    loader=PackageLoader("notionhub.web.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["moment"] = moment
TEMPLATES.filters["pretty_json"] = pretty_json
TEMPLATES.filters["event_link"] = event_link


def _nothing(_permission: str) -> bool:
    return False


def render(template: str, **context: Any) -> str:
    return TEMPLATES.get_template(template).render(**context)


def page(
    request: Request,
    access: Access | None,
    template: str,
    *,
    section: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A whole console page with the security headers, and the session's cookie when new."""
    html = render(
        template,
        navigation=NAVIGATION,
        section=section,
        csrf_field=CSRF_FIELD,
        csrf=access.session.csrf if access is not None else "",
        signed_in=access is not None and access.session.signed_in,
        may_change=access.may_change if access is not None else _nothing,
        caller=access.caller if access is not None and access.session.signed_in else None,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if access is not None:
        access.keep(request, response, request.app.state.console.signer)
    return response
