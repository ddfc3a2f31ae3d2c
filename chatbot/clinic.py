"""The clinic a corpus belongs to: what it answers about and the questions it suggests.

A corpus folder may hold ``clinic.yaml``::

    topic: hemifacial spasm and its treatments        # "I answer questions about <topic> ..."
    examples: such as Botox and microvascular decompression
    suggestions: [What is hemifacial spasm?, ...]      # the default of the `suggestions` setting

A folder without one uses the bundled corpus's. This is data, not settings: contacts,
the clinic's name and the disclaimer are settings (:mod:`chatbot.config`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from chatbot.errors import CorpusError

__all__ = ["PROFILE_FILE", "ClinicProfile", "bundled_clinic", "bundled_corpus_dir", "clinic_for", "load_clinic"]

#: The clinic file in a corpus folder.
PROFILE_FILE = "clinic.yaml"


@dataclass(frozen=True, slots=True)
class ClinicProfile:
    """What the clinic's documents are about, and the questions offered to start with."""

    topic: str
    examples: str = ""
    suggestions: tuple[str, ...] = ()

    @property
    def scope(self) -> str:
        """The subject of the documents as replies name it: the topic, with its examples."""
        return f"{self.topic} ({self.examples})" if self.examples else self.topic


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
    if not isinstance(data, dict) or not isinstance(data.get("topic"), str) or not data["topic"].strip():
        raise CorpusError(path, "the clinic file must have a 'topic:' (what the documents are about)", line=1)
    examples = data.get("examples", "")
    suggestions = data.get("suggestions", [])
    if not isinstance(examples, str):
        raise CorpusError(path, "'examples:' must be text")
    if not isinstance(suggestions, list) or not all(isinstance(s, str) for s in suggestions):
        raise CorpusError(path, "'suggestions:' must be a list of questions")
    return ClinicProfile(topic=data["topic"].strip(), examples=examples.strip(), suggestions=tuple(suggestions))


@cache
def bundled_clinic() -> ClinicProfile:
    """The bundled corpus's clinic file (read once)."""
    return load_clinic(bundled_corpus_dir() / PROFILE_FILE)


def clinic_for(corpus_root: Path) -> ClinicProfile:
    """The clinic file of the corpus folder (or of the folder holding a one-file corpus), else the bundled one."""
    folder = corpus_root if corpus_root.is_dir() else corpus_root.parent
    path = folder / PROFILE_FILE
    if path.is_file() and path.resolve() != (bundled_corpus_dir() / PROFILE_FILE).resolve():
        return load_clinic(path)
    return bundled_clinic()
