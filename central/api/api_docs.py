"""/docs and /openapi.json: the API's own description is a map for an
attacker, so by default only a hall manager sees it (`[server] api_docs`:
public for development, managers, or off)."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from central.api.counters import staff_session
from central.errors import ApiError


def install(app: FastAPI, mode: str) -> None:
    if mode == "off":
        return

    def reader(request: Request) -> None:
        if mode == "managers":
            session = staff_session(request)
            if session.role not in ("manager", "admin"):
                raise ApiError(403, "managers_only", "the API documentation is for hall managers")

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(reader)])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(reader)])
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} API")
        # Swagger UI comes from a CDN and runs inline scripts: allow them on this page only
        page.headers["Content-Security-Policy"] = (
            "default-src 'self' https://cdn.jsdelivr.net; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
            "frame-ancestors 'none'"
        )
        return page
