"""The clinic a corpus belongs to: what it answers about and the questions it suggests.

A corpus folder may hold ``clinic.yaml``, every field optional::

    topic: <what the documents are about>        # "I answer questions about <topic> ..."
    examples: such as <a treatment> and <another>
    suggestions: [<a question>, ...]               # offered when the `suggestions` setting is empty
    topics: [<a topic>, ...]                       # "Our documents cover topics such as: ..."

What a folder's file leaves out comes from the corpus itself (:func:`corpus_topics`,
:func:`corpus_questions`): its document titles and section headings, its question headings.
Nothing falls back to another corpus's file. This is data, not settings: contacts, the
clinic's name and the disclaimer are settings (:mod:`chatbot.config`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from chatbot.errors import CorpusError

__all__ = [
    "PROFILE_FILE",
    "ClinicProfile",
    "bundled_clinic",
    "bundled_corpus_dir",
    "clinic_for",
    "load_clinic",
]

#: The clinic file in a corpus folder.
PROFILE_FILE = "clinic.yaml"


@dataclass(frozen=True, slots=True)
class ClinicProfile:
    """What the clinic's documents are about, and the questions offered to start with (each may be empty)."""

    topic: str = ""
    examples: str = ""
    suggestions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    def scope(self, fallback: str) -> str:
        """The subject of the documents as replies name it: the topic (else ``fallback``), with its examples."""
        topic = self.topic or fallback
        return f"{topic} ({self.examples})" if self.examples else topic


def bundled_corpus_dir() -> Path:
    """The corpus shipped with the package (in a wheel) or beside it (in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "corpus", here.parent / "corpus"):
        if candidate.is_dir():
            return candidate
    return here.parent / "corpus"


def load_clinic(path: Path) -> ClinicProfile:
    """Read a ``clinic.yaml``; errors name the file and the field."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorpusError(path, f"cannot read the clinic file: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CorpusError(path, "the clinic file must be a mapping (topic:, examples:, suggestions:, topics:)", line=1)
    for key in ("topic", "examples"):
        if not isinstance(data.get(key, ""), str):
            raise CorpusError(path, f"'{key}:' must be text")
    lists = {}
    for key, what in (("suggestions", "questions"), ("topics", "topics")):
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise CorpusError(path, f"'{key}:' must be a list of {what}")
        lists[key] = tuple(item.strip() for item in value if item.strip())
    return ClinicProfile(topic=data.get("topic", "").strip(), examples=data.get("examples", "").strip(), **lists)


@cache
def bundled_clinic() -> ClinicProfile:
    """The bundled corpus's clinic file (read once)."""
    return load_clinic(bundled_corpus_dir() / PROFILE_FILE)


def clinic_for(corpus_root: Path) -> ClinicProfile:
    """The clinic file of the corpus folder (or of the folder holding a one-file corpus).

    A folder without one gets an empty profile: what it would say comes from that corpus's
    own documents, never from another corpus's file.
    """
    folder = corpus_root if corpus_root.is_dir() else corpus_root.parent
    path = folder / PROFILE_FILE
    if not path.is_file():
        return ClinicProfile()
    if path.resolve() == (bundled_corpus_dir() / PROFILE_FILE).resolve():
        return bundled_clinic()
    return load_clinic(path)
