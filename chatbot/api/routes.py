"""The ``api`` blueprint: chat, health, documents and the OpenAPI description."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from chatbot import __version__
from chatbot.api.requests import chat_request, read_json_body, triaged
from chatbot.api.security import request_id
from chatbot.api.state import state
from chatbot.errors import RequestError

log = logging.getLogger("chatbot.api")

__all__ = ["api"]


api = Blueprint("api", __name__, url_prefix="/api")


@api.post("/chat")
def chat() -> Response:
    current = state()
    bot = current.bot  # one read: a reload swapping the bot does not affect this request
    message, context, top_k = chat_request(read_json_body(), current.settings)
    started = time.perf_counter()
    key = current.cache.key(message, context, top_k)
    cached = current.cache.get(bot, key)
    if cached is None:
        reply = bot.ask(message, context=context, top_k=top_k, assessed=triaged(bot, message))
        body = reply.to_json_bytes()
        kind, passages = reply.type.value, len(reply.passages)
        current.cache.put(bot, key, body, kind, passages)
    else:
        body, kind, passages = cached
    # One line per reply at DEBUG (gunicorn's access log already has one per request);
    # at INFO when the clinic has turned on log_messages, since then the text is wanted.
    level = logging.INFO if current.settings.log_messages else logging.DEBUG
    if log.isEnabledFor(level):
        elapsed = (time.perf_counter() - started) * 1000
        shown = f" message={message!r}" if current.settings.log_messages else f" chars={len(message)}"
        log.log(
            level,
            "chat %s type=%s passages=%d cached=%s ms=%.2f%s",
            request_id(),
            kind,
            passages,
            cached is not None,
            elapsed,
            shown,
        )
    return Response(body, status=200, mimetype="application/json", headers={"Cache-Control": "no-store"})


@api.get("/health")
def health() -> Response:
    bot = state().bot
    body: dict[str, Any] = {
        "status": "ok",
        "ready": True,
        "version": __version__,
        "documents": len(bot.corpus.documents),
        "passages": len(bot.passages),
        "corpus_errors": len(bot.corpus.errors),
    }
    reloader = current_app.extensions.get("chatbot.reloader")  # set by chatbot.serve.reloader.BotHolder.attach
    if reloader is not None:
        body["reload"] = reloader.status().to_dict()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"  # a health check must reach the server
    return response


def _sections(document: Any) -> list[dict[str, Any]]:
    return [
        {"path": list(heading.path[1:]), "level": heading.level, "start": heading.start, "end": heading.end}
        for heading in document.headings
        if len(heading.path) > 1
    ]


def _revalidate(body: dict[str, Any]) -> Response:
    """A JSON response caches may keep but must check again each time (the corpus reloads)."""
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-cache"
    return response


@api.get("/documents")
def documents() -> Response:
    bot = state().bot
    counts: dict[str, int] = {}
    for passage in bot.passages:
        counts[passage.document_id] = counts.get(passage.document_id, 0) + 1
    return _revalidate(
        {
            "documents": [
                {
                    "id": document.id,
                    "title": document.title,
                    "source": document.source,
                    "format": document.format,
                    "passages": counts.get(document.id, 0),
                    "sections": _sections(document),
                }
                for document in bot.corpus.documents
            ]
        }
    )


@api.get("/documents/<document_id>")
def document(document_id: str) -> Response:
    bot = state().bot
    found = bot.corpus.document(document_id)
    if found is None:
        raise RequestError("not_found", f"there is no document with the id {document_id[:80]!r}", status=404)
    return _revalidate(
        {
            "id": found.id,
            "title": found.title,
            "source": found.source,
            "format": found.format,
            "text": found.text,
            "sections": _sections(found),
            "passages": [
                {
                    "id": passage.id,
                    "section": passage.section,
                    "section_path": list(passage.section_path[1:]),
                    "start": passage.start,
                    "end": passage.end,
                    "page": passage.page,
                }
                for passage in bot.passages
                if passage.document_id == found.id
            ],
        }
    )


@api.get("/openapi.json")
def openapi() -> Response:
    from chatbot.api.openapi import openapi_document

    return jsonify(openapi_document(state().settings))


