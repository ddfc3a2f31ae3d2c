"""Response headers a public website needs (issue 16, finding 5), on the Flask app itself:
how each answer may be cached, Vary: Origin with CORS, HSTS, and no redirect built from Host."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from chatbot.api.app import create_app
from chatbot.bot import Bot
from chatbot.config import Settings


def _client(bot: Bot, **settings: Any) -> FlaskClient:
    return create_app(Settings(**{"rate_limit": "off", **settings}), bot=bot).test_client()


def test_errors_health_and_documents_say_how_they_may_be_cached(bot: Bot) -> None:
    client = _client(bot)
    assert client.get("/api/health").headers["Cache-Control"] == "no-store"
    listing = client.get("/api/documents")
    assert listing.headers["Cache-Control"] == "no-cache"
    first = listing.get_json()["documents"][0]["id"]
    assert client.get(f"/api/documents/{first}").headers["Cache-Control"] == "no-cache"
    errors = [
        client.post("/api/chat", data="x", content_type="application/json"),  # 400
        client.post("/api/chat", data="x" * 20_000, content_type="application/json"),  # 413
        client.post("/api/chat", data="x", content_type="text/plain"),  # 415
        client.get("/api/nothing"),  # 404
    ]
    limited = _client(bot, rate_limit="1/minute")
    errors += [limited.post("/api/chat", json={"message": "hi"}) for _ in range(2)]
    assert [r.status_code for r in errors] == [400, 413, 415, 404, 200, 429]
    for response in errors:
        expected = "no-store"  # replies too: each is for one visitor
        assert response.headers["Cache-Control"] == expected, response.status_code


def test_cors_answers_vary_on_origin(bot: Bot) -> None:
    client = _client(bot, allowed_origins=("https://clinic.example",))
    allowed = client.get("/api/health", headers={"Origin": "https://clinic.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://clinic.example"
    assert "Origin" in [v.strip() for v in allowed.headers["Vary"].split(",")]
    other = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers and "Origin" in other.headers["Vary"]
    assert len(allowed.headers.getlist("Vary")) == 1


def test_hsts_is_a_setting(bot: Bot) -> None:
    assert "Strict-Transport-Security" not in _client(bot).get("/api/health").headers
    on = _client(bot, hsts_max_age=31_536_000).get("/api/health")
    assert on.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("path", ["/assets//chat.css", "/api//health", "//api/health", "/api/health/"])
def test_no_redirect_from_the_host_header_in_the_app(bot: Bot, path: str) -> None:
    response = _client(bot).get(path, headers={"Host": "evil.example"})
    assert response.status_code not in (301, 302, 307, 308) and "Location" not in response.headers
