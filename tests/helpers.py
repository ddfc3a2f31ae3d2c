"""Assertions and expectations shared by the API, CLI and reply tests."""

from __future__ import annotations

from typing import Any

# The documented reply structure (README "API"): the keys of Reply.to_dict(), of the API's and of
# `chatbot ask --json`'s replies.
REPLY_KEYS = {
    "type",
    "reply",
    "passages",
    "disclaimer",
    "notice",
    "suggestions",
    "context",
    "corrections",
    "personal_advice",
    "emergency_number",
    "crisis_line",
    "tier",
    "schema_version",
}
PASSAGE_KEYS = {"id", "text", "score", "citation", "matched_terms"}
CITATION_KEYS = {"label", "document_id", "document", "section", "source", "passage_id", "page"}


def assert_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape: JSON {"error": {"code", "message"}} with this status and code.

    Works for Flask test-client responses and for ``urllib``/``requests``-style ones
    (``status_code`` or ``status``; ``get_json()``/``json()`` or the raw body).
    """
    got_status = getattr(resp, "status_code", None) or getattr(resp, "status", None)
    if hasattr(resp, "get_json"):
        body = resp.get_json(silent=True)
        content_type = resp.headers.get("Content-Type", "")
    else:
        import json

        body = json.loads(resp.read() if hasattr(resp, "read") else resp.text)
        content_type = resp.headers.get("Content-Type", "")
    assert got_status == status, (got_status, body)
    assert content_type.startswith("application/json"), content_type
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    for leak in ("Traceback", 'File "', "Exception", "Error:"):
        assert leak not in error["message"], error["message"]
    return dict(error)
