"""One JSON error shape for every API failure: {"error": {"code", "message"}}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from common import wire

Responses = dict[int | str, dict[str, Any]]  # a route's documented error replies, for OpenAPI
T = TypeVar("T")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, next_free: list | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.next_free = next_free


def refused(kinds: type[Exception] | tuple[type[Exception], ...], action: Callable[[], T]) -> T:
    """`action()`; a refusal of `kinds` (errors carrying code, message and status, such
    as QueueError or SiteError) is answered as the ApiError it describes."""
    try:
        return action()
    except kinds as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None  # type: ignore[attr-defined]


def error_json(code: str, message: str, next_free: list | None = None) -> bytes:
    """The error body, for the endpoints that answer without FastAPI too."""
    body = wire.ErrorBody(code=code, message=message, next_free=next_free)
    return wire.ErrorReply(error=body).model_dump_json(exclude_none=True).encode()


def _reply(status: int, code: str, message: str, next_free: list | None = None) -> Response:
    return Response(error_json(code, message, next_free), status_code=status, media_type="application/json")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError):
        return _reply(exc.status, exc.code, exc.message, exc.next_free)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _reply(422, "invalid_request", f"{where}: {first.get('msg', 'invalid')}".strip(": "))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException):
        code = {
            404: "not_found",
            405: "method_not_allowed",
            408: "request_timeout",
            413: "request_too_large",
        }.get(exc.status_code, "http_error")
        return _reply(exc.status_code, code, str(exc.detail))
