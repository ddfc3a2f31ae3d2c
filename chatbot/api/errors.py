"""Every error as ``{"error": {"code", "message"}}`` with its status.

A 500 carries a request id that is also in the log, never exception text.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from chatbot.api.security import request_id
from chatbot.api.state import state
from chatbot.errors import RequestError

log = logging.getLogger("chatbot.api")

__all__ = []


_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
_STATUS_MESSAGES = {
    404: "There is nothing at this address. The API is described at /api/openapi.json.",
    405: "This address does not accept that method. The API is described at /api/openapi.json.",
    429: "Too many requests from your address. Please wait a little and try again.",
}
#: Errors after which the rest of the request body is unread or its framing lost: the
#: connection is closed after the reply (``Connection: close``), so a keep-alive client
#: sends its next request on a new connection instead of losing it.
_CLOSE_AFTER = frozenset({"body_too_large", "bad_body"})


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if code in _CLOSE_AFTER:
        response.headers["Connection"] = "close"
    return response


def handle_request_error(exc: RequestError) -> Response:
    return error_response(exc.status, exc.code, exc.message)


def handle_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = _STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    if status == 413:
        message = f"the body is larger than {state().settings.max_body_bytes} bytes"
    elif status in _STATUS_MESSAGES:
        message = _STATUS_MESSAGES[status]
    elif status < 500:
        message = exc.description or "the request could not be understood"
    else:
        message = f"Something went wrong on our side. Please try again later (request {request_id()})."
    response = error_response(status, code, message)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def handle_unexpected(exc: Exception) -> Response:
    """The last resort: log with the request id, answer a fixed message."""
    rid = request_id()
    log.exception("unhandled error in request %s", rid)
    return error_response(
        500, "internal_error", f"Something went wrong on our side. Please try again later (request {rid})."
    )


