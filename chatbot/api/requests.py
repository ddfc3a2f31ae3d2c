"""Request bodies: parsed here (size, then nesting depth, then JSON), never by ``request.get_json``,
so a deeply nested document is a 400 and never a ``RecursionError``; the chat request's fields checked.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from typing import Any

from flask import g, request
from werkzeug.exceptions import HTTPException

from chatbot.api.security import request_id
from chatbot.api.state import state
from chatbot.config import Settings, setting_range
from chatbot.errors import RequestError
from chatbot.triage.redflags import Assessment

log = logging.getLogger("chatbot.api")

__all__ = ["MAX_JSON_DEPTH", "parse_json"]


#: Deepest JSON nesting accepted in a request body; a chat request needs 1.
MAX_JSON_DEPTH = 8
CHAT_FIELDS = frozenset({"message", "context", "top_k"})
#: The largest top_k a request may ask for: the ``top_k`` setting's maximum.
MAX_TOP_K: int = setting_range("top_k")[1]
_JSON_TOKENS = re.compile(r'[\[\]{}"\\]')

def json_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in ``text`` (strings skipped); linear time."""
    if text.count("[") + text.count("{") <= 1:
        return 1 if ("[" in text or "{" in text) else 0
    depth = deepest = 0
    in_string = escaped = False
    for match in _JSON_TOKENS.finditer(text):
        char = match.group(0)
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                # An escape swallows the next character, which may be a quote.
                escaped = match.end() < len(text) and text[match.end()] in '"\\'
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _reject_constant(name: str) -> Any:
    raise RequestError("invalid_json", f"the body is not valid JSON ({name} is not allowed)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RequestError("duplicate_field", f"the field {key!r} appears more than once")
        result[key] = value
    return result


def parse_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A request body as JSON: UTF-8, at most ``max_depth`` deep, no NaN, no duplicate keys."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("invalid_json", "the body is not UTF-8 text") from None
    if not text.strip():
        raise RequestError("invalid_json", 'the body is empty; send a JSON object such as {"message": "..."}')
    if json_depth(text) > max_depth:
        raise RequestError("too_deep", f"the JSON is nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise RequestError("too_deep", f"the JSON is nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise RequestError("invalid_json", f"the body is not valid JSON ({exc.args[0].split(':')[0]})") from None


def read_json_body() -> Any:
    """The request's JSON body, after the media type and size checks."""
    mimetype = request.environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if mimetype != "application/json" and not (mimetype.startswith("application/") and mimetype.endswith("+json")):
        raise RequestError(
            "unsupported_media_type",
            "send the request as JSON with the header Content-Type: application/json",
            status=415,
        )
    limit = state().settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise RequestError("body_too_large", f"the body is larger than {limit} bytes", status=413)
    return parse_json(_raw_body(limit))


_RAW_BODY = "chatbot.raw_body"  # the body as read once, kept in the WSGI environ for a second reader


def _raw_body(limit: int) -> bytes:
    """The body, read once per request (the rate limiter's urgent check reads it before the route)."""
    kept: bytes | None = request.environ.get(_RAW_BODY)
    if kept is not None:
        return kept
    # Without a Content-Length (chunked), read up to the limit and one byte more: the
    # stream stops at the limit, or raises werkzeug's 413 when the body goes beyond it.
    try:
        raw = request.stream.read(limit)
        too_large = len(raw) >= limit and bool(request.stream.read(1))
    except HTTPException:
        raise
    except Exception as exc:  # noqa: BLE001 - the server's framing errors (gunicorn's InvalidChunkSize ...)
        # One line, the error's class only: its text may hold the bytes the client sent.
        log.warning("unreadable request body in request %s (%s)", request_id(), type(exc).__name__)
        raise RequestError(
            "bad_body", "the request body could not be read (malformed chunked encoding)", status=400
        ) from None
    if too_large:
        raise RequestError("body_too_large", f"the body is larger than {limit} bytes", status=413)
    request.environ[_RAW_BODY] = raw
    return raw


def is_urgent_chat() -> bool:
    """True when this chat request's message describes an emergency or urgent sign.

    Such a request is exempt from the rate limit: the urgent reply is cheap and is always
    given. Any problem with the body says False; the route then reports it as usual.
    """
    if request.content_length is None or request.content_length > state().settings.max_body_bytes:
        return False  # a chunked or oversized body is left to the route's own checks
    try:
        body = read_json_body()
    except RequestError:
        return False
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str):
        return False
    bot = state().bot
    assessed = bot.triager.assess(message[: state().settings.max_message_chars])
    g.chatbot_triage = (bot, message, assessed)  # the route's Bot.ask uses it instead of triaging again
    return assessed.found is not None


def triaged(bot: object, message: str) -> Assessment | None:
    """The triage :func:`is_urgent_chat` already made of this request's message, else None."""
    found = g.get("chatbot_triage")
    if found is not None and found[0] is bot and found[1] == message:
        assessed: Assessment = found[2]
        return assessed
    return None


def chat_request(body: Any, settings: Settings) -> tuple[str, str | None, int | None]:
    """Validate a chat request body -> (message, context, top_k)."""
    if not isinstance(body, dict):
        raise RequestError("not_an_object", 'the body must be a JSON object such as {"message": "..."}')
    unknown = sorted(set(body) - CHAT_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(CHAT_FIELDS))
        raise RequestError("unknown_field", f"unknown field {unknown[0]!r}; the allowed fields are {allowed}")
    if "message" not in body:
        raise RequestError("missing_field", "the field 'message' is required")
    message = body["message"]
    if not isinstance(message, str):
        raise RequestError("wrong_type", "the field 'message' must be a string")
    if not message.strip():
        raise RequestError("empty_message", "the message is empty; type a question")
    if len(message) > settings.max_message_chars:
        raise RequestError(
            "message_too_long",
            f"the message is {len(message)} characters long; the limit is {settings.max_message_chars} characters",
        )
    if not message.isascii():
        # Unicode normalisation (NFKC, as the analysis does) can expand a character 18-fold
        # (U+FDFA): the limit holds for the text the bot will work on, too.
        normalised = len(unicodedata.normalize("NFKC", message))
        if normalised > settings.max_message_chars:
            raise RequestError(
                "message_too_long",
                f"the message is {normalised} characters long once its Unicode characters are written out; "
                f"the limit is {settings.max_message_chars} characters",
            )
    context = body.get("context")
    if context is not None and not isinstance(context, str):
        raise RequestError(
            "bad_context", "the field 'context' must be the string returned by the previous reply, or null"
        )
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K):
        raise RequestError("wrong_type", f"the field 'top_k' must be a whole number from 1 to {MAX_TOP_K}")
    return message, context, top_k


