"""The word lists and synonyms, loaded as data: packaged stopwords and general words, a corpus's synonyms file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from chatbot.clinic import bundled_corpus_dir
from chatbot.documents.load import SYNONYMS_FILE_NAMES
from chatbot.errors import CorpusError
from chatbot.text.normalise import _FILLERS, _TOKEN, normalise
from chatbot.text.stem import stem

__all__ = ["Synonyms", "load_general_words", "load_stopwords", "load_synonyms", "resolve_synonyms"]


def _word_list(name: str, path: Path | None) -> frozenset[str]:
    if path is None:
        text = resources.files("chatbot").joinpath(f"data/{name}").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(word for word in words if word)


def load_stopwords(path: Path | None = None) -> frozenset[str]:
    """The packaged stopword list (or another file in the same format)."""
    return _word_list("stopwords.txt", path)


def load_general_words(path: Path | None = None) -> frozenset[str]:
    """Stems of the packaged list of general English words (see ``data/general_words.txt``)."""
    return frozenset(stem(word) for word in _word_list("general_words.txt", path))


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Concept -> phrases, compiled to stem sequences for matching."""

    concepts: Mapping[str, tuple[str, ...]]
    phrases: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]]  # first stem -> ((stems, concept), ...)
    source: str = ""
    #: Concepts that name an aspect of a subject ("risk", "recovery"), not a subject, as the
    #: file's ``aspects:`` list declares them; None when the file has no such list.
    aspects: frozenset[str] | None = None

    @classmethod
    def from_mapping(
        cls, concepts: Mapping[str, Iterable[str]], *, source: str = "", aspects: Iterable[str] | None = None
    ) -> Synonyms:
        table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        clean: dict[str, tuple[str, ...]] = {}
        for concept, variants in concepts.items():
            clean[concept] = tuple(variants)
            for variant in (concept, *variants):
                stems = tuple(stem(token) for token in _TOKEN.findall(normalise(variant)))
                if len(stems) > 1 and any(s not in _FILLERS for s in stems):
                    stems = tuple(s for s in stems if s not in _FILLERS)
                if stems:
                    table.setdefault(stems[0], []).append((stems, concept))
        phrases = {
            first: tuple(sorted(set(entries), key=lambda entry: (-len(entry[0]), entry)))
            for first, entries in table.items()
        }
        return cls(
            concepts=clean, phrases=phrases, source=source, aspects=None if aspects is None else frozenset(aspects)
        )

    @classmethod
    def empty(cls) -> Synonyms:
        return cls(concepts={}, phrases={})


def load_synonyms(path: Path) -> Synonyms:
    """Read a synonyms YAML file; errors name file and line.

    ``concepts: {name: [phrase, ...]}``, and optionally ``aspects: [name, ...]``: the concepts
    that ask about an attribute of the current subject (a follow-up such as "what are the
    risks?" keeps the subject of the question before).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(path, f"cannot read the synonyms file: {exc}") from None
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CorpusError(
            path, f"broken synonyms file: {getattr(exc, 'problem', None) or exc}", line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
        raise CorpusError(path, "the synonyms file must have a 'concepts:' mapping of name: [phrases]", line=1)
    concepts: dict[str, list[str]] = {}
    for name, variants in data["concepts"].items():
        line = next((i + 1 for i, row in enumerate(text.splitlines()) if row.strip().startswith(f"{name}:")), None)
        if not isinstance(variants, list) or not all(isinstance(v, (str, int)) for v in variants):
            raise CorpusError(path, f"concept {name!r} must be a list of words or phrases", line=line)
        concepts[str(name)] = [str(v) for v in variants]
    aspects = data.get("aspects")
    if aspects is not None:
        line = next((i + 1 for i, row in enumerate(text.splitlines()) if row.startswith("aspects:")), None)
        if not isinstance(aspects, list) or not all(isinstance(a, str) for a in aspects):
            raise CorpusError(path, "'aspects:' must be a list of concept names", line=line)
        unknown = [a for a in aspects if a not in concepts]
        if unknown:
            names = ", ".join(unknown)
            raise CorpusError(path, f"'aspects:' names concepts the file does not define: {names}", line=line)
    return Synonyms.from_mapping(concepts, source=str(path), aspects=aspects)


def resolve_synonyms(configured: Path | None, corpus_root: Path) -> Synonyms:
    """The synonyms file: ``configured``, else the corpus folder's, else the bundled corpus's."""
    candidates = [configured] if configured else []
    folder = corpus_root if corpus_root.is_dir() else corpus_root.parent
    candidates += [folder / name for name in SYNONYMS_FILE_NAMES]
    candidates.append(bundled_corpus_dir() / SYNONYMS_FILE_NAMES[0])
    for path in candidates:
        if path is not None and (path.is_file() or path == configured):
            return load_synonyms(path)
    return Synonyms.empty()
