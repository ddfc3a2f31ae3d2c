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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from chatbot.errors import CorpusError

if TYPE_CHECKING:
    from chatbot.documents.model import Document

__all__ = [
    "PROFILE_FILE",
    "ClinicProfile",
    "bundled_clinic",
    "bundled_corpus_dir",
    "clinic_for",
    "corpus_questions",
    "corpus_subject",
    "corpus_topics",
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


def _heading(text: str) -> str:
    """A heading as a reply shows it: one space between words, none before the question mark."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([?:.,;!])", r"\1", text)
    return re.sub(r"\?(?:\s*\?)+", "?", text).strip()


def _is_question(text: str) -> bool:
    return text.endswith("?")


def _interleave(groups: Iterable[list[str]]) -> list[str]:
    """The first item of each group, then the second of each, ...: every document is offered early."""
    lists = [group for group in groups if group]
    out: dict[str, None] = {}
    for n in range(max((len(group) for group in lists), default=0)):
        for group in lists:
            if n < len(group):
                out.setdefault(group[n], None)
    return list(out)


def corpus_questions(documents: Iterable[Document], *, headings: bool = True) -> list[str]:
    """Questions the corpus itself asks, one document after another in turn.

    Its FAQ questions and question headings ("What causes X?"); a corpus with none offers its
    section headings under their document's title ("Heart Attack: Symptoms"), which search
    as well as a question does (unless ``headings`` is false).
    """
    documents = list(documents)
    asked: list[list[str]] = []
    for document in documents:
        questions = [_heading(block.question) for block in document.blocks if block.question]
        questions += [_heading(h.path[-1]) for h in document.headings if len(h.path) >= 2]
        asked.append(list(dict.fromkeys(q for q in questions if _is_question(q))))
    found = _interleave(asked)
    if found or not headings:
        return found
    sections: list[list[str]] = []
    for document in documents:
        title = _heading(document.title.split(":")[0])
        names = [_heading(h.path[1]) for h in document.headings if len(h.path) == 2]
        sections.append(
            list(dict.fromkeys(name if title.lower() in name.lower() else f"{title}: {name}" for name in names))
        )
    return _interleave(sections)


def corpus_topics(documents: Iterable[Document]) -> list[str]:
    """What the documents cover, as the not-found reply lists it.

    The documents' titles (without a subtitle after a colon), then their section headings
    that are not questions and do not repeat a title ("About heart attack").
    """
    documents = list(documents)
    titles = list(dict.fromkeys(_heading(d.title.split(":")[0]) for d in documents if d.title.strip()))
    lowered = [title.lower() for title in titles]
    seen = {title.lower(): None for title in titles}
    topics = list(titles)
    for document in documents:
        for heading in document.headings:
            if len(heading.path) != 2:
                continue
            name = _heading(heading.path[1].split(":")[0])
            key = name.lower()
            if not name or _is_question(name) or key in seen or any(title in key for title in lowered):
                continue
            seen[key] = None
            topics.append(name)
    return topics


def corpus_subject(documents: Iterable[Document], limit: int = 4) -> str:
    """The documents' subject as small talk names it: their titles ("A, B and C")."""
    titles = list(dict.fromkeys(_heading(d.title.split(":")[0]) for d in documents if d.title.strip()))[:limit]
    if not titles:
        return "the clinic's documents"
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"
