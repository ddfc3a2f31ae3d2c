"""Regular expressions never backtrack catastrophically: a worst-case guard.

Every compiled pattern at module level in the text-handling modules (the analyzer,
the sentence splitter, the corpus readers, the safety patterns, the context decoder)
is run against a family of crafted 1,000-character inputs: runs of one character,
alternations of two, a long run closed by a character that makes the match fail, and
the pattern's own words repeated or with their last letter stretched. The public
functions that use them get the same inputs. Each call must finish within
``BOUND_MS`` (50 ms, generous: typical times are microseconds, and a catastrophic
pattern takes seconds, see the commit that fixed the breadcrumb pattern: 6 s on 103
characters). A call over the bound is timed twice more and the best of three counts,
so a scheduler hiccup on a busy CI machine does not fail the test; real backtracking does.

This is a guard, not a benchmark: it proves "no worst case", not a speed.
"""

from __future__ import annotations

import importlib
import multiprocessing
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import product
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BOUND_MS = 50.0
LENGTH = 1000
CHARS = [" ", "\t", "a", "A", "1", ".", "-", "#", ">", "/", "'", "é"]
MODULES = [
    "chatbot.text.normalise",
    "chatbot.text.stem",
    "chatbot.text.lexicon",
    "chatbot.text.spelling",
    "chatbot.text.analyzer",
    "chatbot.documents.passages",
    "chatbot.documents.model",
    "chatbot.documents.load",
    "chatbot.documents.readers.markdown",
    "chatbot.documents.readers.text",
    "chatbot.documents.readers.structure",
    "chatbot.documents.readers.faq",
    "chatbot.documents.readers.html",
    "chatbot.documents.readers.outline",
    "chatbot.documents.readers.pdf",
    "chatbot.documents.readers.docx",
    "chatbot.triage.patterns",
    "chatbot.triage.urgent",
    "chatbot.triage.smalltalk",
    "chatbot.triage.personal",
    "chatbot.dialogue.context",
    "chatbot.dialogue.reply",
    "chatbot.dialogue.plan",
    "chatbot.dialogue.clinic_info",
    "chatbot.triage.text",
    "chatbot.bot",
]


def _modules() -> Iterator[ModuleType]:
    for name in MODULES:
        try:
            yield importlib.import_module(name)
        except ImportError:  # a reader or module not present in this checkout
            continue


def _patterns_in(value: Any, depth: int = 0) -> Iterator[re.Pattern[str]]:
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        yield value
    elif isinstance(value, (tuple, list)) and depth < 3:
        for item in value:
            yield from _patterns_in(item, depth + 1)
    elif isinstance(value, dict) and depth < 3:
        for item in value.values():
            yield from _patterns_in(item, depth + 1)


def module_patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: dict[int, tuple[str, re.Pattern[str]]] = {}
    for module in _modules():
        for attr, value in vars(module).items():
            for n, pattern in enumerate(_patterns_in(value)):
                found.setdefault(id(pattern), (f"{module.__name__}.{attr}[{n}]", pattern))
    return sorted(found.values(), key=lambda item: item[0])


def _fit(text: str) -> str:
    """Repeat or cut ``text`` to exactly LENGTH characters."""
    if not text:
        return text
    return (text * (LENGTH // len(text) + 1))[:LENGTH]


def generic_attacks() -> list[str]:
    attacks = []
    for char in CHARS:
        attacks += [char * LENGTH, char * (LENGTH - 1) + "!", "a" + char * (LENGTH - 2) + "!"]
    for first, second in product(CHARS, CHARS):
        if first != second:
            attacks += [_fit(first + second), first + second * (LENGTH - 2) + "!"]
    return attacks


def word_attacks(pattern: str) -> list[str]:
    """Inputs made of the pattern's own words: where nested or adjacent quantifiers bite."""
    words = list(dict.fromkeys(re.findall(r"[a-z]{2,}", pattern)))[:60]
    attacks = []
    for word in words:
        attacks += [
            _fit(" " + word),
            (" " + word + word[-1] * LENGTH)[: LENGTH - 1] + "!",
            _fit(" " + word + " x"),
        ]
    if words:
        attacks.append(_fit(" " + " ".join(words)))
    return attacks


def elapsed_ms(func: Callable[[str], object], text: str) -> float:
    """Time of one call; over the bound, the best of three (noise is one-sided)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        func(text)
        best = min(best, (time.perf_counter() - start) * 1000)
        if best < BOUND_MS:
            break
    return best


HANG_SECONDS = 60.0


def _worst_in_child(func: Callable[[str], object], attacks: list[str], queue: Any) -> None:
    queue.put(max(((elapsed_ms(func, text), text) for text in attacks), key=lambda item: item[0]))


def worst(func: Callable[[str], object], attacks: list[str]) -> tuple[float, str]:
    """The slowest attack and its time, measured in a forked child: a catastrophic pattern
    holds the GIL in C and cannot be interrupted, so a hang is cut off from outside."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_worst_in_child, args=(func, attacks, queue), daemon=True)
    child.start()
    try:
        result: tuple[float, str] = queue.get(timeout=HANG_SECONDS)
    except Exception:  # noqa: BLE001 - queue.Empty: the child is stuck in a regex
        child.kill()
        child.join()
        return HANG_SECONDS * 1000, "(no result: the child was still matching after the cut-off)"
    child.join()
    return result


PATTERNS = module_patterns()
GENERIC = generic_attacks()


def test_patterns_were_found() -> None:
    """The collector sees the analyzer's, splitter's and readers' patterns (else this proves nothing)."""
    names = {name.rsplit("[", 1)[0] for name, _ in PATTERNS}
    assert {
        "chatbot.text.normalise._TOKEN",
        "chatbot.documents.passages._SENTENCE_END",
        "chatbot.documents.readers.markdown._HEADING",
    } <= names
    assert any(name.startswith("chatbot.documents.readers.text._CHROME") for name in names)


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_has_no_catastrophic_worst_case(name: str, pattern: re.Pattern[str]) -> None:
    attacks = GENERIC + word_attacks(pattern.pattern)
    took, text = worst(lambda s: (pattern.search(s), pattern.match(s)), attacks)
    assert took < BOUND_MS, f"{name} took {took:.1f} ms on {text[:60]!r}... ({len(text)} chars)"


# --- the public functions, end to end ---------------------------------------------------------


def _analyzer_calls() -> list[tuple[str, Callable[[str], object]]]:
    from chatbot.bot import Bot
    from chatbot.config import Settings
    from chatbot.text.analyzer import Analyzer
    from chatbot.text.normalise import normalise

    bot = Bot.from_settings(Settings())
    analyzer: Analyzer = bot.index.analyzer
    return [
        ("normalise", normalise),
        ("Analyzer.tokens", analyzer.tokens),
        ("Analyzer.terms", analyzer.terms),
        ("PassageIndex.query (with spelling)", bot.index.query),
        ("Bot.ask", bot.ask),
    ]


def _splitter_calls() -> list[tuple[str, Callable[[str], object]]]:
    from chatbot.documents.passages import run_in_heading, split_sentences
    from chatbot.documents.readers.text import is_chrome

    words = frozenset({"tests", "the", "test", "blood", "a", "heart"})
    return [
        ("split_sentences", split_sentences),
        ("is_chrome", is_chrome),
        ("run_in_heading", lambda text: run_in_heading(text, words)),
    ]


def _safety_calls() -> list[tuple[str, Callable[[str], object]]]:
    from chatbot.text.normalise import normalise_message
    from chatbot.triage.personal import detect_personal_advice
    from chatbot.triage.smalltalk import detect_smalltalk
    from chatbot.triage.urgent import detect_urgent

    return [
        ("detect_urgent", detect_urgent),
        ("detect_smalltalk", detect_smalltalk),
        ("detect_personal_advice", detect_personal_advice),
        ("normalise_message", normalise_message),
    ]


def _context_calls() -> list[tuple[str, Callable[[str], object]]]:
    try:
        conversation = importlib.import_module("chatbot.dialogue.context")
    except ImportError:
        return []
    from chatbot.errors import RequestError

    def decode(token: str) -> object:
        try:
            return conversation.decode_context(token)
        except RequestError as exc:
            return exc

    return [("decode_context", decode)]


HOSTILE = [
    "<script>alert(1)</script>" * 40,
    "botox " * 170,
    "a" * LENGTH,
    "Dr. A. B. C. " * 80,
    "1-2-3-4-" * 125,
    "more than per cent " * 55,
    " sudden" + "n" * (LENGTH - 8) + "!",
    " slur" + "r" * (LENGTH - 6) + "!",
    "my face " * 125,
    "after surgery " * 71,
    "\u202e\u200b" * 500,
]
CALLS = _analyzer_calls() + _splitter_calls() + _safety_calls() + _context_calls()


@pytest.mark.parametrize(("name", "func"), CALLS, ids=[name for name, _ in CALLS])
def test_function_answers_worst_cases_fast(name: str, func: Callable[[str], object]) -> None:
    attacks = HOSTILE + GENERIC
    took, text = worst(func, attacks)
    assert took < BOUND_MS, f"{name} took {took:.1f} ms on {text[:60]!r}... ({len(text)} chars)"


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_reader_handles_worst_case_lines(suffix: str) -> None:
    """A document of crafted lines (each 1,000 characters) is read and split in bounded time."""
    from chatbot.documents.load import read_document
    from chatbot.documents.passages import split

    lines = [
        "# a" + " " * 995 + "x",
        ("a" + " " * 15 + "/") * 6 + "!",
        "- " + "a " * 499,
        "## " + "#" * 997,
        "A. " * 333,
        "1. " + "1." * 498,
    ]
    with tempfile.TemporaryDirectory() as folder:
        for n, line in enumerate(lines):
            path = Path(folder) / f"doc{n}{suffix}"
            path.write_text(f"Title\n\n{line}\n\nSome text after it.\n", encoding="utf-8")

            def read_and_split(path: Path = path) -> object:
                return split(read_document(path))

            took = elapsed_ms(lambda _text: read_and_split(), "")
            assert took < BOUND_MS, f"{suffix} line {line[:40]!r}... took {took:.1f} ms"
