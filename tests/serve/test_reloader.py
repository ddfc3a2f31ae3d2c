"""Reloading without downtime: the holder, the folder watch, SIGHUP, and a real server under load."""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import Server, call, serve

from chatbot.api.app import create_app
from chatbot.config import Settings
from chatbot.serve.reloader import BotHolder

PARKING = """---
title: Parking at the clinic
---

## Parking

Visitors park free of charge in the underground garage on Willow Lane for up to four hours.
"""
PARKING_QUESTION = "Where can I park my car at the clinic?"
IN_SERVICE_SECONDS = 10  # the bound: a change is answered from within 10 s
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def corpus_copy(tmp_path: Path, bundled_corpus: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(bundled_corpus, folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def answers_parking(reply: dict[str, Any]) -> bool:
    return any("Willow Lane" in passage["text"] for passage in reply["passages"])


# --- the holder, in process -------------------------------------------------------------------


def test_reload_swaps_only_when_something_changed(corpus_copy: Path) -> None:
    holder = BotHolder.start(Settings(corpus=corpus_copy))
    first = holder.bot
    assert holder.reload() is False and holder.bot is first
    (corpus_copy / "parking.md").write_text(PARKING, encoding="utf-8")
    assert holder.reload() is True
    assert holder.bot is not first
    assert answers_parking(holder.bot.ask(PARKING_QUESTION).to_dict())
    assert not answers_parking(first.ask(PARKING_QUESTION).to_dict())  # a request holding the old bot
    status = holder.status()
    assert status.reloads == 1 and status.last_error is None


def test_a_broken_file_keeps_the_old_index_and_health_says_why(corpus_copy: Path) -> None:
    settings = Settings(corpus=corpus_copy, rate_limit="off")
    holder = BotHolder.start(settings)
    app = create_app(settings, bot=holder.bot)
    holder.attach(app)
    client = app.test_client()
    before = holder.bot
    (corpus_copy / "leaflet.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")  # truncated
    (corpus_copy / "parking.md").write_text(PARKING, encoding="utf-8")
    assert holder.reload() is False
    assert holder.bot is before
    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["documents"] == 2
    assert "leaflet.pdf" in health["reload"]["last_error"]
    assert health["reload"]["last_error_at"]
    reply = client.post("/api/chat", json={"message": PARKING_QUESTION}).get_json()
    assert not answers_parking(reply)  # still the old index
    (corpus_copy / "leaflet.pdf").unlink()
    assert holder.reload() is True
    health = client.get("/api/health").get_json()
    assert health["documents"] == 3 and health["reload"]["last_error"] is None
    assert answers_parking(client.post("/api/chat", json={"message": PARKING_QUESTION}).get_json())


def test_an_emptied_folder_keeps_the_old_index(corpus_copy: Path) -> None:
    holder = BotHolder.start(Settings(corpus=corpus_copy))
    for path in corpus_copy.glob("*.md"):
        path.unlink()
    assert holder.reload() is False
    assert len(holder.bot.corpus.documents) == 2
    assert "no documents" in (holder.status().last_error or "")


def test_the_watch_puts_a_new_document_in_service(corpus_copy: Path) -> None:
    holder = BotHolder.start(Settings(corpus=corpus_copy, watch_interval=0.2))
    holder.start_watching()
    try:
        assert holder.status().watching
        (corpus_copy / "parking.md").write_text(PARKING, encoding="utf-8")
        deadline = time.monotonic() + IN_SERVICE_SECONDS
        while time.monotonic() < deadline and len(holder.bot.corpus.documents) < 3:
            time.sleep(0.05)
        assert len(holder.bot.corpus.documents) == 3
    finally:
        holder.stop_watching()


# --- a real server under continuous requests -------------------------------------------------


class Load:
    """Client threads sending chat and health requests until stopped (bounded by count and time)."""

    def __init__(self, base: str, *, threads: int = 3, max_requests: int = 20_000, max_seconds: float = 120) -> None:
        self.base = base
        self.outcomes: Counter[str] = Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._max = max_requests
        self._deadline = time.monotonic() + max_seconds
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    def _run(self, n: int) -> None:
        questions = ["How long does Botox last?", "What are the risks of MVD?", PARKING_QUESTION]
        i = 0
        while not self._stop.is_set() and self.total < self._max and time.monotonic() < self._deadline:
            i += 1
            try:
                if i % 5 == 0:
                    status, body = call(self.base + "/api/health")
                    ok = status == 200 and body["ready"] is True
                else:
                    status, body = call(self.base + "/api/chat", {"message": questions[(i + n) % 3]})
                    ok = status == 200 and body["type"] in {"answer", "not_found"} and bool(body["disclaimer"])
                outcome = "ok" if ok else f"bad {status}"
            except (OSError, urllib.error.URLError, ValueError) as exc:
                outcome = f"error {type(exc).__name__}"
                with self._lock:
                    self.failures.append(f"{exc}")
            with self._lock:
                self.outcomes[outcome] += 1


@pytest.fixture
def server(tmp_path: Path, corpus_copy: Path) -> Iterator[Server]:
    env = {"CHATBOT_RATE_LIMIT": "off", "CHATBOT_WATCH": "true", "CHATBOT_WATCH_INTERVAL": "0.5"}
    with serve(tmp_path, corpus=corpus_copy, env=env, workers=2) as running:
        yield running


def wait_until(predicate: Any, seconds: float) -> float:
    """Seconds until ``predicate()`` held; fails after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"not reached within {seconds} s")


def workers_booted(log: Path) -> int:
    return log.read_text(errors="replace").count("Booting worker")


@pytest.mark.slow
def test_no_request_fails_while_the_corpus_changes_and_on_sighup(server: Server, corpus_copy: Path) -> None:
    process, base, log = server.process, server.url, server.log
    figures: dict[str, Any] = {}
    with Load(base) as load:
        time.sleep(1.0)
        # 1. A new document is answered from within 10 s (the watch, in every worker).
        (corpus_copy / "parking.md").write_text(PARKING, encoding="utf-8")
        figures["watch_seconds"] = wait_until(
            lambda: all(answers_parking(call(base + "/api/chat", {"message": PARKING_QUESTION})[1]) for _ in range(4)),
            IN_SERVICE_SECONDS,
        )
        # 2. SIGHUP to the master: new workers replace the old ones gracefully.
        booted = workers_booted(log)
        process.send_signal(signal.SIGHUP)
        figures["hup_seconds"] = wait_until(lambda: workers_booted(log) >= booted + 2, 30)
        time.sleep(1.5)
        assert answers_parking(call(base + "/api/chat", {"message": PARKING_QUESTION})[1])
        # 3. A broken file: the old index stays in service, /api/health names the file.
        (corpus_copy / "zz-broken.docx").write_bytes(b"PK\x03\x04 this is not a Word file")
        figures["error_seconds"] = wait_until(
            lambda: "zz-broken.docx" in (call(base + "/api/health")[1]["reload"]["last_error"] or ""),
            IN_SERVICE_SECONDS,
        )
        # 4. SIGHUP with the broken file still there: new workers keep serving the last good index.
        booted = workers_booted(log)
        process.send_signal(signal.SIGHUP)
        wait_until(lambda: workers_booted(log) >= booted + 2, 30)
        time.sleep(1.5)
        health = call(base + "/api/health")[1]
        assert health["documents"] == 3 and "zz-broken.docx" in health["reload"]["last_error"]
        assert answers_parking(call(base + "/api/chat", {"message": PARKING_QUESTION})[1])
        time.sleep(1.0)
    figures["requests"] = load.total
    figures["outcomes"] = dict(load.outcomes)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "reload-under-load.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"\nreload under load: {json.dumps(figures)}")
    assert load.total > 200, figures  # the clients really ran throughout
    assert load.outcomes == Counter({"ok": load.total}), (figures, load.failures[:5])
    assert "reloaded (SIGHUP)" in log.read_text(errors="replace")
