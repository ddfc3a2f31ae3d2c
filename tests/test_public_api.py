"""The public surface: a sorted ``__all__`` in which every name is importable."""

from __future__ import annotations

import importlib
import re

import pytest

import chatbot

MODULES = [
    "chatbot",
    "chatbot.errors",
    "chatbot.config",
    "chatbot.documents.model",
    "chatbot.documents.load",
    "chatbot.documents.passages",
    "chatbot.text.normalise",
    "chatbot.text.stem",
    "chatbot.text.lexicon",
    "chatbot.text.spelling",
    "chatbot.text.analyzer",
    "chatbot.retrieval.bm25",
    "chatbot.retrieval.index",
    "chatbot.triage.urgent",
    "chatbot.triage.smalltalk",
    "chatbot.triage.personal",
    "chatbot.dialogue.reply",
    "chatbot.bot",
    "chatbot.evaluation.corpus_report",
]


def test_all_is_sorted_and_unique() -> None:
    names = list(chatbot.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", chatbot.__all__)
def test_every_public_name_is_importable(name: str) -> None:
    assert getattr(chatbot, name) is not None
    namespace: dict[str, object] = {}
    exec(f"from chatbot import {name}", namespace)
    assert namespace[name] is getattr(chatbot, name)


def test_the_core_names_are_public() -> None:
    assert {"Bot", "Settings", "Reply", "ReplyType", "Citation", "ChatbotError", "ConfigError", "CorpusError",
            "load_settings", "__version__"} <= set(chatbot.__all__)


def test_version_is_a_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:[a-z]+\d+)?", chatbot.__version__)


@pytest.mark.parametrize("module", MODULES)
def test_every_module_declares_an_importable_all(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__, module
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


def test_every_error_is_a_chatbot_error() -> None:
    from chatbot import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.ChatbotError)
