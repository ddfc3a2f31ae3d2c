"""Every bad request gets the one JSON error shape with the right status and code."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import assert_error

from chatbot.api.app import create_app
from chatbot.bot import Bot
from chatbot.config import Settings

JSON = "application/json"

# (id, method, path, body, content type, status, code)
BAD_REQUESTS: list[tuple[str, str, str, Any, str | None, int, str]] = [
    ("not-json", "POST", "/api/chat", "message=hello", JSON, 400, "invalid_json"),
    ("empty-body", "POST", "/api/chat", "", JSON, 400, "invalid_json"),
    ("truncated-json", "POST", "/api/chat", '{"message": "hi"', JSON, 400, "invalid_json"),
    ("not-utf8", "POST", "/api/chat", b'{"message": "\xff\xfe"}', JSON, 400, "invalid_json"),
    ("nan", "POST", "/api/chat", '{"message": "hi", "top_k": NaN}', JSON, 400, "invalid_json"),
    ("array", "POST", "/api/chat", '["what is mvd"]', JSON, 400, "not_an_object"),
    ("string", "POST", "/api/chat", '"what is mvd"', JSON, 400, "not_an_object"),
    ("null", "POST", "/api/chat", "null", JSON, 400, "not_an_object"),
    ("missing-message", "POST", "/api/chat", {"context": None}, JSON, 400, "missing_field"),
    ("empty-message", "POST", "/api/chat", {"message": ""}, JSON, 400, "empty_message"),
    ("blank-message", "POST", "/api/chat", {"message": " \n\t "}, JSON, 400, "empty_message"),
    ("message-number", "POST", "/api/chat", {"message": 42}, JSON, 400, "wrong_type"),
    ("message-list", "POST", "/api/chat", {"message": ["what is mvd"]}, JSON, 400, "wrong_type"),
    ("message-null", "POST", "/api/chat", {"message": None}, JSON, 400, "wrong_type"),
    ("message-too-long", "POST", "/api/chat", {"message": "a" * 1001}, JSON, 400, "message_too_long"),
    ("unknown-field", "POST", "/api/chat", {"message": "hi", "user": "x"}, JSON, 400, "unknown_field"),
    ("duplicate-field", "POST", "/api/chat", '{"message": "hi", "message": "ho"}', JSON, 400, "duplicate_field"),
    ("top-k-zero", "POST", "/api/chat", {"message": "what is mvd", "top_k": 0}, JSON, 400, "wrong_type"),
    ("top-k-string", "POST", "/api/chat", {"message": "what is mvd", "top_k": "3"}, JSON, 400, "wrong_type"),
    ("top-k-bool", "POST", "/api/chat", {"message": "what is mvd", "top_k": True}, JSON, 400, "wrong_type"),
    ("context-number", "POST", "/api/chat", {"message": "and the risks", "context": 7}, JSON, 400, "bad_context"),
    (
        "context-object",
        "POST",
        "/api/chat",
        {"message": "risks", "context": {"topic": ["x"]}},
        JSON,
        400,
        "bad_context",
    ),
    # A string that is not a valid token (forged, garbage, huge) is no error: the conversation
    # restarts (tests/dialogue/test_contextkey.py), so nothing stands between an urgent message and its reply.
    ("deep-array", "POST", "/api/chat", "[" * 5000 + "]" * 5000, JSON, 400, "too_deep"),
    ("deep-object", "POST", "/api/chat", '{"a":' * 2000 + "1" + "}" * 2000, JSON, 400, "too_deep"),
    (
        "deep-in-field",
        "POST",
        "/api/chat",
        '{"message": "hi", "context": ' + "[" * 50 + "]" * 50 + "}",
        JSON,
        400,
        "too_deep",
    ),
    ("unclosed-deep", "POST", "/api/chat", "[" * 5000, JSON, 400, "too_deep"),
    ("body-too-large", "POST", "/api/chat", {"message": "a" * 20_000}, JSON, 413, "body_too_large"),
    (
        "form-encoded",
        "POST",
        "/api/chat",
        "message=hello",
        "application/x-www-form-urlencoded",
        415,
        "unsupported_media_type",
    ),
    ("text-plain", "POST", "/api/chat", '{"message": "hi"}', "text/plain", 415, "unsupported_media_type"),
    ("no-content-type", "POST", "/api/chat", '{"message": "hi"}', None, 415, "unsupported_media_type"),
    ("get-chat", "GET", "/api/chat", None, None, 405, "method_not_allowed"),
    ("put-chat", "PUT", "/api/chat", {"message": "hi"}, JSON, 405, "method_not_allowed"),
    ("post-health", "POST", "/api/health", {}, JSON, 405, "method_not_allowed"),
    ("delete-document", "DELETE", "/api/documents/hfs-treatment-options", None, None, 405, "method_not_allowed"),
    ("unknown-path", "GET", "/api/nothing-here", None, None, 404, "not_found"),
    ("unknown-document", "GET", "/api/documents/no-such-document", None, None, 404, "not_found"),
    ("hostile-document-id", "GET", "/api/documents/%3Cscript%3E", None, None, 404, "not_found"),
]


def send(client: FlaskClient, method: str, path: str, body: Any, content_type: str | None) -> Any:
    data: Any = body
    if isinstance(body, (dict, list)):
        data = json.dumps(body)
    headers = {"Content-Type": content_type} if content_type else {}
    return client.open(path, method=method, data=data, headers=headers)


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "code"),
    [row[1:] for row in BAD_REQUESTS],
    ids=[row[0] for row in BAD_REQUESTS],
)
def test_bad_request(
    client: FlaskClient, method: str, path: str, body: Any, content_type: str | None, status: int, code: str
) -> None:
    assert_error(send(client, method, path, body, content_type), status, code)


def test_message_limit_is_counted_in_characters(client: FlaskClient) -> None:
    # 1,000 characters of 4-byte UTF-8 are 4,000 bytes: accepted.
    ok = client.post("/api/chat", json={"message": "\U0001f600" * 1000})
    assert ok.status_code == 200
    error = assert_error(client.post("/api/chat", json={"message": "é" * 1001}), 400, "message_too_long")
    assert "1000 characters" in error["message"]


def test_body_limit_is_configurable(bot: Bot) -> None:
    client = create_app(Settings(rate_limit="off", max_body_bytes=512), bot=bot).test_client()
    assert client.post("/api/chat", json={"message": "what is mvd"}).status_code == 200
    assert_error(client.post("/api/chat", json={"message": "x" * 600}), 413, "body_too_large")


def test_chunked_body_over_the_limit_is_413(client: FlaskClient) -> None:
    """No Content-Length: the body is read up to the limit and refused."""
    body = json.dumps({"message": "a" * 30_000}).encode()
    response = client.post(
        "/api/chat",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": JSON, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn sets for chunked bodies
    )
    assert_error(response, 413, "body_too_large")


def test_rate_limit_is_429(bot: Bot) -> None:
    client = create_app(Settings(rate_limit="2/minute"), bot=bot).test_client()
    for _ in range(2):
        counted = client.post("/api/chat", json={"message": "what is mvd"})
        assert counted.status_code == 200
        assert "Retry-After" not in counted.headers, "only a refused request says when to retry"
        assert counted.headers["X-RateLimit-Remaining"]
    response = client.post("/api/chat", json={"message": "what is mvd"})
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/api/health").status_code == 200  # health is never limited


def test_server_error_hides_the_exception(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    app: Flask = create_app(Settings(rate_limit="off"), bot=bot)

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("secret internal detail /etc/passwd")

    monkeypatch.setattr(app.extensions["chatbot"].bot, "ask", explode)
    response = app.test_client().post("/api/chat", json={"message": "what is mvd"})
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in error["message"] and "passwd" not in error["message"]
    assert response.headers["X-Request-Id"] in error["message"]


def test_errors_carry_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/api/nothing")
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "message",
    ["I want to kill myself", "my husband is clutching his chest and sweating, the pain goes down his left arm"],
)
def test_an_urgent_message_is_answered_over_the_rate_limit(bot: Bot, message: str) -> None:
    client = create_app(Settings(rate_limit="1/minute"), bot=bot).test_client()
    assert client.post("/api/chat", json={"message": "what is mvd"}).status_code == 200
    assert_error(client.post("/api/chat", json={"message": "what is mvd"}), 429, "rate_limited")
    urgent = client.post("/api/chat", json={"message": message})
    assert urgent.status_code == 200
    assert urgent.get_json()["type"] == "urgent"


@pytest.mark.parametrize("context", ["c1.not-a-token", "c1." + "A" * 40, "garbage"])
def test_an_invalid_context_never_stops_an_urgent_reply(bot: Bot, context: str) -> None:
    client = create_app(Settings(rate_limit="off"), bot=bot).test_client()
    body = {"message": "my face is drooping and I cant lift my arm", "context": context}
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200
    data = response.get_json()
    assert data["type"] == "urgent" and data["tier"] == "emergency"
    assert "conversation" in data["reply"]  # says the conversation was restarted


def test_with_rate_limiting_a_message_is_triaged_once(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    # The rate-limit exemption reads the message first; Bot.ask reuses that reading.
    from chatbot.triage.redflags import Triager

    calls: list[str] = []
    original = Triager.assess

    def counting(self: Triager, message: str) -> Any:
        calls.append(message)
        return original(self, message)

    monkeypatch.setattr(Triager, "assess", counting)
    client = create_app(Settings(rate_limit="100/minute"), bot=bot).test_client()
    for message in ("what is mvd", "my face is drooping and I cant lift my arm"):
        calls.clear()
        response = client.post("/api/chat", json={"message": message})
        assert response.status_code == 200
        assert calls == [message]
