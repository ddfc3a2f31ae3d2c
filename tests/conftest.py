"""Shared fixtures, named for what they return."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from chatbot.bot import Bot
from chatbot.clinic import bundled_corpus_dir
from chatbot.config import Settings

SMALL_DOC = """---
title: Small test document
---

## Botox

Botulinum toxin injections relax the twitching muscles. The effect lasts about three months.

## Surgery

Microvascular decompression moves the artery away from the facial nerve. Most patients go home after two days.
"""


@pytest.fixture(autouse=True)
def _clear_chatbot_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees CHATBOT_* variables from the developer's shell."""
    import os

    for name in list(os.environ):
        if name.startswith("CHATBOT_"):
            monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A small corpus folder with one Markdown document."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "small.md").write_text(SMALL_DOC, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def bundled_corpus() -> Path:
    return bundled_corpus_dir()


ORIGINALS = Path(__file__).resolve().parents[2] / "shared" / "documents"


@pytest.fixture
def original_documents(tmp_path: Path) -> Path:
    """The two documents as received (plain text), copied into a corpus folder.

    They live beside the repository, not in it; without them the test is skipped.
    """
    originals = sorted(ORIGINALS.glob("*.txt")) if ORIGINALS.is_dir() else []
    if not originals:
        pytest.skip("original .txt documents not available (expected in ../shared/documents beside the repo)")
    folder = tmp_path / "originals"
    folder.mkdir()
    for path in originals:
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


@pytest.fixture
def settings() -> Settings:
    """Default settings on the bundled corpus."""
    return Settings()


@pytest.fixture(scope="session")
def bot() -> Bot:
    """A bot on the bundled corpus with default settings (built once per session)."""
    return Bot.from_settings(Settings())


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def app(bot: Bot) -> Flask:
    """The Flask app on the bundled corpus, rate limiting off (tests that need it build their own)."""
    from chatbot.api.app import create_app

    application = create_app(Settings(rate_limit="off"), bot=bot)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
