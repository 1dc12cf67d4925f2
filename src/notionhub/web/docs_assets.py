"""``/docs`` served whole by the hub: Swagger UI's script, style and icon come from
``/docs-assets`` (the ``swagger-ui-bundle`` package's copy), never from a CDN, so the API's
rendered description works on a machine with no internet. ReDoc would load from a CDN too
and adds nothing Swagger UI lacks: it is off.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs-assets"
OAUTH2_REDIRECT_URL = DOCS_URL + "/oauth2-redirect"


def swagger_ui_folder() -> Path:
    """The folder of Swagger UI's files in the installed ``swagger-ui-bundle``."""
    vendor = files("swagger_ui_bundle") / "vendor"
    (folder,) = [entry for entry in vendor.iterdir() if entry.name.startswith("swagger-ui-")]
    with as_file(folder) as path:  # a plain folder in an installed wheel
        return Path(path)


def add_offline_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (and its OAuth2 redirect) with assets from ``/docs-assets``.

    ``app`` is made with ``docs_url=None, redoc_url=None``.
    """
    app.mount(ASSETS_URL, StaticFiles(directory=swagger_ui_folder()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
