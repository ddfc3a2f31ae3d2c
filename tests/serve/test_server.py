"""`chatbot serve` as users run it: a real gunicorn process on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import assert_error
from serving import Server, call, free_port, serve, stop

from chatbot.config import Settings
from chatbot.serve.server import gunicorn_options

SECRET = "my neighbour Jane Doe twitches"


def get(url: str) -> Any:
    return call(url, timeout=10)[1]


def post(url: str, body: dict[str, Any]) -> Any:
    return call(url, body, timeout=10)[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with serve(tmp_path, env={"CHATBOT_RATE_LIMIT": "off"}, workers=1, threads=2) as running:
        yield running


def test_serve_answers_a_conversation_and_stops_cleanly(server: Server) -> None:
    health = get(server.url + "/api/health")
    assert health["documents"] == 2 and health["passages"] > 0

    botox = post(server.url + "/api/chat", {"message": "how long does botox last"})
    assert botox["type"] == "answer" and botox["disclaimer"]
    assert {p["citation"]["document_id"] for p in botox["passages"]} == {
        "hfs-microvascular-decompression",
        "hfs-treatment-options",
    }
    first = post(server.url + "/api/chat", {"message": "What is microvascular decompression?"})
    second = post(server.url + "/api/chat", {"message": "What are the risks?", "context": first["context"]})
    assert any("Hearing loss" in p["text"] or "hearing changes" in p["text"] for p in second["passages"])
    urgent = post(server.url + "/api/chat", {"message": SECRET + " and my face is drooping and i cant lift my arm"})
    assert urgent["type"] == "urgent"

    with pytest.raises(urllib.error.HTTPError) as caught:
        post(server.url + "/api/chat", {"message": ""})
    assert_error(caught.value, 400, "empty_message")

    with urllib.request.urlopen(server.url + "/", timeout=10) as page:
        assert page.status == 200
        assert "Content-Security-Policy" in page.headers

    assert stop(server.process) == 0  # SIGTERM: gunicorn's graceful shutdown, exit status 0
    log = server.log.read_text()
    assert "Starting gunicorn" in log and "Handling signal: term" in log
    assert '"POST /api/chat HTTP/1.1" 200' in log  # the access log has the request line ...
    assert "Jane" not in log and "botox last" not in log  # ... and never what the visitor typed


def test_the_serve_process_is_the_gunicorn_master(server: Server) -> None:
    """Signals sent to `chatbot serve` reach gunicorn: TTIN adds a worker, TERM stops all."""
    server.process.send_signal(signal.SIGTTIN)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.log.read_text().count("Booting worker") < 2:
        time.sleep(0.2)
    assert server.log.read_text().count("Booting worker") >= 2
    assert get(server.url + "/api/health")["ready"]
    server.process.send_signal(signal.SIGHUP)  # fresh workers; the master stays
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "Handling signal: hup" not in server.log.read_text():
        time.sleep(0.2)
    assert "Handling signal: hup" in server.log.read_text()
    assert post(server.url + "/api/chat", {"message": "what is mvd"})["type"] == "answer"
    assert server.process.poll() is None


def test_bad_settings_stop_start_up(tmp_path: Path) -> None:
    profile = tmp_path / "clinic.toml"
    profile.write_text('rate_limit = "lots"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "chatbot", "serve", "--config", str(profile), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")},
    )
    assert result.returncode == 2
    assert "rate_limit" in result.stderr and "30/minute" in result.stderr


def test_gunicorn_options_follow_the_settings() -> None:
    options = gunicorn_options(Settings(host="0.0.0.0", port=8080, workers=3, threads=2))
    assert options["bind"] == "0.0.0.0:8080"
    assert options["workers"] == 3 and options["threads"] == 2 and options["worker_class"] == "gthread"
    assert "%(r)s" in options["access_log_format"] and "body" not in options["access_log_format"]
