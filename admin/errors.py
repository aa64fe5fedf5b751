"""Domain refusals as HTTP answers, and the error responses the OpenAPI document lists."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from admin.schemas.common import ErrorPublic
from handlers.actions.errors import (
    ActionError,
    ConflictError,
    InvalidError,
    NotFoundError,
    RestrictedError,
)

STATUS_FOR: dict[type[ActionError], int] = {
    NotFoundError: status.HTTP_404_NOT_FOUND,
    RestrictedError: status.HTTP_403_FORBIDDEN,
    ConflictError: status.HTTP_409_CONFLICT,
    InvalidError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def error_response(description: str) -> dict[str, Any]:
    return {"model": ErrorPublic, "description": description}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error_response("No token, or a token that is unknown, revoked or expired."),
    403: error_response("The token's role does not allow this."),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error_response("No such object.")}
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: error_response("The body could not be read: it is not UTF-8 text.")
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: error_response("The change clashes with the object's current state.")
}


def add_error_handlers(app: FastAPI) -> None:
    """Answer every domain refusal with its status and `{"detail": ...}`."""

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ActionError)
        if isinstance(exc, InvalidError):
            # Shaped like FastAPI's own 422s, so clients parse one kind of validation error.
            problem = {"type": "value_error", "loc": list(exc.loc), "msg": exc.detail}
            return JSONResponse({"detail": [problem]}, status_code=422)
        code = STATUS_FOR.get(type(exc), status.HTTP_400_BAD_REQUEST)
        return JSONResponse({"detail": exc.detail}, status_code=code)

    app.add_exception_handler(ActionError, refused)
