"""The OpenAPI 3.1 description of the HTTP API, served at ``/api/openapi.json``.

Schemas are JSON Schema 2020-12 (as OpenAPI 3.1 specifies), so a test can validate
real responses against them with any JSON Schema validator; ``tests/api/test_app.py``
does, for every endpoint and reply type. The reply schema is the contract of
``chatbot ask --json`` too (``schema_version`` in every reply).
"""

from __future__ import annotations

from typing import Any

from chatbot import __version__
from chatbot.config import Settings, setting_range
from chatbot.dialogue.context import MAX_TOKEN_CHARS, TOKEN_PREFIX
from chatbot.dialogue.reply import REPLY_SCHEMA_VERSION, ReplyType

__all__ = ["openapi_document"]

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_INT = {"type": "integer", "minimum": 0}


def _object(properties: dict[str, Any], *, required: list[str] | None = None, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def schemas(settings: Settings) -> dict[str, Any]:
    """Component schemas (JSON Schema 2020-12, references as #/components/schemas/NAME)."""
    ref = "#/components/schemas/"
    return {
        "ChatRequest": _object(
            {
                "message": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": settings.max_message_chars,
                    "pattern": r"\S",
                    "description": f"The visitor's message (at most {settings.max_message_chars} characters).",
                },
                "context": {
                    # Any string: one that is not a token this server signed restarts the conversation
                    # (never an error, so nothing stands between an urgent message and its reply).
                    "type": ["string", "null"],
                    "description": "The `context` of the previous reply, unchanged "
                    f"(`{TOKEN_PREFIX}<payload>.<signature>`, under {MAX_TOKEN_CHARS} characters); "
                    'leave out (or null, or "") to start a conversation. '
                    "A string this chatbot did not sign (forged, stale, from another key) restarts the conversation "
                    "and the reply says so; a value that is not a string is a 400 (bad_context).",
                },
                "top_k": {
                    "type": ["integer", "null"],  # null: the configured top_k, as the server accepts it
                    "minimum": setting_range("top_k")[0],
                    "maximum": setting_range("top_k")[1],
                    "description": "How many passages to return.",
                },
            },
            required=["message"],
        ),
        "Citation": _object(
            {
                "label": {**_STRING, "description": "The number shown in the reply text, e.g. [1]."},
                "document_id": _STRING,
                "document": {**_STRING, "description": "The document's title."},
                "section": {**_STRING, "description": "The heading path below the title, joined with ' > '."},
                "source": {**_STRING, "description": "The file (or URL) the document came from."},
                "passage_id": _STRING,
                "page": {"type": ["integer", "null"], "minimum": 1, "description": "1-based page for paged documents."},
            }
        ),
        "Passage": _object(
            {
                "id": {**_STRING, "description": "Stable passage id; GET /api/documents/{id} gives its offsets."},
                "text": _STRING,
                "score": {"type": "number"},
                "citation": {"$ref": ref + "Citation"},
                "matched_terms": {"type": "array", "items": _STRING},
            }
        ),
        "Correction": _object({"from": _STRING, "to": _STRING}),
        "Reply": _object(
            {
                "type": {
                    "enum": [kind.value for kind in ReplyType],
                    "description": "answer: quoted passages; not_found: the documents do not cover it; "
                    "smalltalk: greeting, thanks, help; urgent: call the emergency number now.",
                },
                "reply": {**_STRING, "description": "The reply text, citing passages as [1], [2] ..."},
                "passages": {
                    "type": "array",
                    "items": {"$ref": ref + "Passage"},
                    "description": "Empty for every type but answer.",
                },
                "disclaimer": {**_STRING, "minLength": 1},
                "notice": {
                    **_STRING,
                    "minLength": 1,
                    "description": "Says this is an automated assistant and how to reach a person.",
                },
                "suggestions": {"type": "array", "items": _STRING},
                "context": {
                    **_NULLABLE_STRING,
                    "description": "Opaque; send it back with the next message so follow-ups keep the topic.",
                },
                "corrections": {"type": "array", "items": {"$ref": ref + "Correction"}},
                "personal_advice": {
                    "type": "boolean",
                    "description": "True when the message asked about the visitor's own case; the reply then says "
                    "the chatbot cannot advise on an individual case.",
                },
                "emergency_number": {**_NULLABLE_STRING, "description": "Set on urgent replies."},
                "crisis_line": {**_NULLABLE_STRING, "description": "Set on urgent replies about self-harm."},
                "tier": {
                    "type": ["string", "null"],
                    "enum": ["emergency", "urgent_today", None],
                    "description": "Urgent replies only: emergency (call the emergency number now) or urgent_today "
                    "(see a doctor today: the clinic, or the out-of-hours service); null otherwise.",
                },
                "schema_version": {"const": REPLY_SCHEMA_VERSION},
            }
        ),
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {**_STRING, "description": "Machine-readable, e.g. message_too_long, rate_limited."},
                        "message": {**_STRING, "description": "For people; never exception text."},
                    }
                )
            }
        ),
        "Health": _object(
            {
                "status": {"const": "ok"},
                "ready": {"type": "boolean"},
                "version": _STRING,
                "documents": _INT,
                "passages": _INT,
                "corpus_errors": _INT,
                "reload": {
                    "type": "object",
                    "description": "Under `chatbot serve`: the index in service and the last reload "
                    "(`last_error` names the files when a reload kept the previous index).",
                },
            },
            required=["status", "ready", "version", "documents", "passages", "corpus_errors"],
        ),
        "Section": _object(
            {
                "path": {"type": "array", "items": _STRING, "description": "Headings below the document title."},
                "level": _INT,
                "start": _INT,
                "end": _INT,
            }
        ),
        "DocumentSummary": _object(
            {
                "id": _STRING,
                "title": _STRING,
                "source": _STRING,
                "format": _STRING,
                "passages": _INT,
                "sections": {"type": "array", "items": {"$ref": ref + "Section"}},
            }
        ),
        "DocumentList": _object({"documents": {"type": "array", "items": {"$ref": ref + "DocumentSummary"}}}),
        "PassageLocation": _object(
            {
                "id": _STRING,
                "section": _STRING,
                "section_path": {"type": "array", "items": _STRING},
                "start": {**_INT, "description": "Character offset of the passage in `text`."},
                "end": {**_INT, "description": "text[start:end] is the passage's text."},
                "page": {"type": ["integer", "null"], "minimum": 1},
            }
        ),
        "Document": _object(
            {
                "id": _STRING,
                "title": _STRING,
                "source": _STRING,
                "format": _STRING,
                "text": _STRING,
                "sections": {"type": "array", "items": {"$ref": ref + "Section"}},
                "passages": {"type": "array", "items": {"$ref": ref + "PassageLocation"}},
            }
        ),
    }


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def _errors(*statuses: int) -> dict[str, Any]:
    texts = {
        400: "Invalid request: not JSON, too deep, missing or empty message, wrong types, unknown fields, bad context.",
        404: "No such document.",
        405: "Method not allowed.",
        413: "Body larger than the configured limit.",
        415: "Body is not JSON (Content-Type must be application/json).",
        429: "Rate limit reached for this client address; see the Retry-After header.",
        500: "Server error; the message carries a request id, never exception text.",
    }
    return {str(status): _json("Error", texts[status]) for status in statuses}


def openapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document for these settings (limits appear in the schemas)."""
    settings = settings or Settings()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "chatbot API",
            "version": __version__,
            "description": (
                "Answers patients' questions by quoting the clinic's documents, with citations and a medical "
                "disclaimer. Urgent messages get advice to call the emergency number. Stateless: follow-ups "
                "carry the previous reply's `context`."
            ),
        },
        "paths": {
            "/api/chat": {
                "post": {
                    "operationId": "chat",
                    "summary": "Ask a question (or send a follow-up) and get a reply with cited passages.",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}},
                    },
                    "responses": {
                        "200": _json("Reply", "The reply; `passages` is empty unless type is answer."),
                        **_errors(400, 405, 413, 415, 429, 500),
                    },
                }
            },
            "/api/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness and readiness: the corpus is loaded; document and passage counts; version.",
                    "responses": {"200": _json("Health", "Serving."), **_errors(405, 500)},
                }
            },
            "/api/documents": {
                "get": {
                    "operationId": "listDocuments",
                    "summary": "The documents the chatbot answers from, with their sections.",
                    "responses": {"200": _json("DocumentList", "The documents."), **_errors(405, 429, 500)},
                }
            },
            "/api/documents/{document_id}": {
                "get": {
                    "operationId": "getDocument",
                    "summary": "One document's text with passage ids and character offsets, to show a citation in "
                    "context.",
                    "parameters": [
                        {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": _json("Document", "The document."), **_errors(404, 405, 429, 500)},
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description.",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1 document.", "content": {"application/json": {}}},
                        **_errors(405, 500),
                    },
                }
            },
        },
        "components": {"schemas": schemas(settings)},
    }
