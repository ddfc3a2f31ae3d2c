"""The HTTP API through Flask's test client: every endpoint and reply type, headers,
CORS, logging, and real responses validated against the OpenAPI description."""

from __future__ import annotations

import json
import logging
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from openapi_spec_validator import validate as validate_spec

from chatbot.api.app import create_app
from chatbot.api.cache import ReplyCache
from chatbot.api.openapi import openapi_document
from chatbot.api.requests import json_depth, parse_json
from chatbot.bot import Bot
from chatbot.cli import main
from chatbot.config import Settings
from chatbot.errors import RequestError


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return openapi_document(Settings())


def check(spec: dict[str, Any], path: str, method: str, response: Any) -> None:
    """Validate a real response against the OpenAPI description of that operation and status."""
    operation = spec["paths"][path][method.lower()]
    described = operation["responses"][str(response.status_code)]
    schema = described["content"]["application/json"].get("schema")
    if schema is None:
        return
    resolver_doc = {**schema, "components": spec["components"]}
    jsonschema.Draft202012Validator(resolver_doc).validate(response.get_json())


def chat(client: FlaskClient, message: str, context: str | None = None, **extra: Any) -> Any:
    body: dict[str, Any] = {"message": message, **extra}
    if context is not None:
        body["context"] = context
    return client.post("/api/chat", json=body)


def test_the_description_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate_spec(spec)  # type: ignore[arg-type]


def test_the_description_is_served(client: FlaskClient, spec: dict[str, Any]) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(spec))


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("how long does botox last", "answer"),
        ("What is the price of a parking ticket at the hospital?", "not_found"),
        ("hello", "smalltalk"),
        ("my face is drooping and i cant lift my arm", "urgent"),
    ],
)
def test_chat_reply_types(client: FlaskClient, spec: dict[str, Any], message: str, kind: str) -> None:
    response = chat(client, message)
    assert response.status_code == 200
    check(spec, "/api/chat", "POST", response)
    body = response.get_json()
    assert body["type"] == kind
    assert body["disclaimer"].strip()
    assert "automated assistant" in body["notice"]
    assert isinstance(body["context"], str)
    if kind == "answer":
        assert body["passages"]
        assert body["passages"][0]["citation"]["label"] == "[1]"
    else:
        assert body["passages"] == []
    if kind == "urgent":
        assert body["emergency_number"] == "911"
    if kind == "smalltalk":
        assert body["suggestions"]
    assert response.headers["Cache-Control"] == "no-store"


def test_botox_answer_cites_both_documents(client: FlaskClient) -> None:
    body = chat(client, "how long does botox last").get_json()
    documents = {passage["citation"]["document_id"] for passage in body["passages"]}
    assert documents == {"hfs-microvascular-decompression", "hfs-treatment-options"}


def test_top_k(client: FlaskClient) -> None:
    body = chat(client, "what are the risks of mvd", top_k=5).get_json()
    assert len(body["passages"]) == 5


def test_personal_advice_over_http(client: FlaskClient, spec: dict[str, Any]) -> None:
    response = chat(client, "Should I stop taking carbamazepine?")
    check(spec, "/api/chat", "POST", response)
    body = response.get_json()
    assert body["personal_advice"] is True and body["passages"]
    assert "cannot advise on your individual case" in body["reply"]


def test_self_harm_gives_the_crisis_line(client: FlaskClient) -> None:
    body = chat(client, "i dont want to live anymore").get_json()
    assert body["type"] == "urgent" and body["crisis_line"] == "988"


def test_conversation_over_http(client: FlaskClient) -> None:
    first = chat(client, "What is microvascular decompression?").get_json()
    second = chat(client, "What are the risks?", first["context"]).get_json()
    assert any("Hearing loss" in p["text"] or "hearing changes" in p["text"] for p in second["passages"])
    third = chat(client, "And how long is the recovery?", second["context"]).get_json()
    assert third["passages"][0]["citation"]["section"] == "Recovery & Follow-Up"
    botox = chat(client, "Tell me about Botox", third["context"]).get_json()
    last = chat(client, "How long does it last?", botox["context"]).get_json()
    assert any("3–6 months" in p["text"] or "every 3–4 months" in p["text"] for p in last["passages"])


def test_any_app_answers_any_turn(bot: Bot) -> None:
    """Stateless: two separately built apps answer alternate turns of one conversation."""
    one = create_app(Settings(rate_limit="off"), bot=bot).test_client()
    two = create_app(Settings(rate_limit="off"), bot=Bot.from_settings(Settings())).test_client()
    first = chat(one, "What is microvascular decompression?").get_json()
    second = chat(two, "What are the risks?", first["context"]).get_json()
    assert any("Hearing loss" in p["text"] or "hearing changes" in p["text"] for p in second["passages"])


@pytest.mark.parametrize(
    "question",
    ["how long does botox last", "hello", "my face is drooping and i cant lift my arm", "Am I a candidate for MVD?"],
)
def test_cli_json_equals_the_api_body(client: FlaskClient, runner: CliRunner, question: str) -> None:
    result = runner.invoke(main, ["ask", "--json", question])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == chat(client, question).get_json()


def test_health(client: FlaskClient, spec: dict[str, Any], bot: Bot) -> None:
    response = client.get("/api/health")
    check(spec, "/api/health", "GET", response)
    body = response.get_json()
    assert body["ready"] is True and body["status"] == "ok"
    assert body["documents"] == len(bot.corpus.documents) == 2
    assert body["passages"] == len(bot.passages)


def test_documents(client: FlaskClient, spec: dict[str, Any]) -> None:
    response = client.get("/api/documents")
    check(spec, "/api/documents", "GET", response)
    documents = response.get_json()["documents"]
    assert {d["id"] for d in documents} == {"hfs-microvascular-decompression", "hfs-treatment-options"}
    mvd = next(d for d in documents if d["id"] == "hfs-microvascular-decompression")
    assert ["Risks & Complications"] in [section["path"] for section in mvd["sections"]]


def test_document_text_locates_every_cited_passage(client: FlaskClient, spec: dict[str, Any]) -> None:
    reply = chat(client, "what are the risks of mvd").get_json()
    for cited in reply["passages"]:
        response = client.get(f"/api/documents/{cited['citation']['document_id']}")
        check(spec, "/api/documents/{document_id}", "GET", response)
        document = response.get_json()
        located = next(p for p in document["passages"] if p["id"] == cited["id"])
        assert document["text"][located["start"] : located["end"]] == cited["text"]


def test_error_responses_match_the_description(client: FlaskClient, spec: dict[str, Any]) -> None:
    check(spec, "/api/chat", "POST", client.post("/api/chat", json={"nope": 1}))
    check(spec, "/api/documents/{document_id}", "GET", client.get("/api/documents/nope"))


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for response in (client.get("/api/health"), chat(client, "hello"), client.get("/api/nothing"), client.get("/")):
        response.close()
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "style-src 'self'" in policy
        assert "frame-ancestors 'self'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Request-Id"]
        for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Request-Id"):
            assert len(headers.getlist(name)) == 1, f"{name} is sent once"


def test_each_request_has_its_own_id(client: FlaskClient) -> None:
    ids = {client.get("/api/health").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


def test_the_cache_tells_apart_requests_that_join_into_the_same_text() -> None:
    key = ReplyCache.key
    assert key("a|1:b", None, None) != key("a", "b", None)
    assert key("a", "1:b", None) != key("a", "b", 1)
    assert key("a", None, None) != key("a", "-", None)
    assert key("a", None, None) == key("a", None, None)


def test_frame_ancestors_from_settings(bot: Bot) -> None:
    client = create_app(Settings(rate_limit="off", frame_ancestors="'none'"), bot=bot).test_client()
    assert "frame-ancestors 'none'" in client.get("/api/health").headers["Content-Security-Policy"]


def test_cors_only_for_configured_origins(bot: Bot) -> None:
    allowed = "https://www.example-clinic.org"
    client = create_app(Settings(rate_limit="off", allowed_origins=(allowed,)), bot=bot).test_client()
    preflight = client.options(
        "/api/chat",
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    ok = client.post("/api/chat", json={"message": "hello"}, headers={"Origin": allowed})
    assert ok.headers["Access-Control-Allow-Origin"] == allowed
    other = client.post("/api/chat", json={"message": "hello"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_no_cors_by_default(client: FlaskClient) -> None:
    response = client.post("/api/chat", json={"message": "hello"}, headers={"Origin": "https://www.example-clinic.org"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_logs_never_hold_the_message(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "my neighbour Jane Doe has twitching"
    with caplog.at_level(logging.DEBUG):
        assert chat(client, secret).status_code == 200
    assert caplog.records, "the request is logged"
    assert all("Jane" not in record.getMessage() for record in caplog.records)


def test_messages_are_logged_only_when_turned_on(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    client = create_app(Settings(rate_limit="off", log_messages=True), bot=bot).test_client()
    with caplog.at_level(logging.INFO, logger="chatbot.api"):
        chat(client, "what is mvd")
    assert any("what is mvd" in record.getMessage() for record in caplog.records)


def test_pages_are_served_when_present(client: FlaskClient) -> None:
    with client.get("/") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("text", "depth"),
    [("{}", 1), ('{"a": [1, {"b": []}]}', 4), ('["[[[[", "\\"[["]', 1), ("[" * 50, 50), ('"{{{{"', 0)],
)
def test_json_depth(text: str, depth: int) -> None:
    assert json_depth(text) == depth


def test_parse_json_never_recurses() -> None:
    with pytest.raises(RequestError) as caught:
        parse_json(b"[" * 1_000_000)
    assert caught.value.code == "too_deep"


def test_repeated_requests_are_served_from_the_cache(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(rate_limit="off"), bot=bot)
    client = app.test_client()
    with caplog.at_level(logging.DEBUG, logger="chatbot.api"):
        first = chat(client, "how long does botox last")
        second = chat(client, "how long does botox last")
    assert first.data == second.data
    assert [
        part for record in caplog.records for part in record.getMessage().split() if part.startswith("cached=")
    ] == ["cached=False", "cached=True"]
    cache = app.extensions["chatbot"].cache
    assert len(cache) == 1
    assert all(isinstance(key, bytes) and len(key) == 32 for key in cache._entries)  # digests, not text
    # A different context or top_k is a different request.
    assert chat(client, "how long does botox last", top_k=2).get_json()["passages"] != first.get_json()["passages"]


def test_the_cache_empties_when_the_bot_is_swapped(bot: Bot) -> None:
    app = create_app(Settings(rate_limit="off"), bot=bot)
    client = app.test_client()
    chat(client, "what is mvd")
    other = Bot.from_settings(Settings(disclaimer="Another disclaimer."))
    app.extensions["chatbot"].bot = other  # what a reload does
    assert chat(client, "what is mvd").get_json()["disclaimer"] == "Another disclaimer."


def test_the_cache_can_be_turned_off(bot: Bot) -> None:
    app = create_app(Settings(rate_limit="off", reply_cache=0), bot=bot)
    client = app.test_client()
    chat(client, "what is mvd")
    assert len(app.extensions["chatbot"].cache) == 0
