"""The interactive API documentation at ``/docs`` (Swagger UI), served from this server.

FastAPI's default page loads Swagger UI from a CDN, which a commune PC may not reach. The
files come from the ``swagger-ui-bundle-v2`` package (Swagger UI 5, which reads OpenAPI 3.1)
and are mounted at ``/docs-assets``. ReDoc has no local copy and is not offered.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs-assets"


def install_docs(app: FastAPI) -> None:
    """Mount the Swagger UI files and the ``/docs`` page (the app is made with
    ``docs_url=None, redoc_url=None``)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    def docs_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon-32x32.png",
        )

    app.add_api_route(
        DOCS_PATH, docs_page, methods=["GET"], response_class=HTMLResponse, include_in_schema=False
    )
