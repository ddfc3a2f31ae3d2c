"""The document model: :class:`Document`, its :class:`Block` and :class:`Heading`, and :class:`Corpus`.

A reader (:mod:`chatbot.documents.readers`) turns one file into a :class:`Document`: its
text (for text formats the file itself, so offsets point into the file), its title and
its blocks (paragraphs, lists and FAQ rows), each with the heading path it sits under
and its character offsets. :mod:`chatbot.documents.load` reads a folder of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from chatbot.errors import CorpusError

__all__ = ["Block", "BlockKind", "Corpus", "Document", "Heading", "slugify"]

BlockKind = Literal["paragraph", "list", "faq"]

@dataclass(frozen=True, slots=True)
class Heading:
    """A heading: its full path (document title first), level and offsets in the text."""

    path: tuple[str, ...]
    level: int
    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, a bullet list or an FAQ row, with where it sits in the document."""

    kind: BlockKind
    text: str
    start: int
    end: int
    section_path: tuple[str, ...]
    page: int | None = None
    row_id: str | None = None
    question: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """One corpus file, read: its id, title, text and blocks."""

    id: str
    title: str
    source: str
    path: Path
    format: str
    text: str
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Corpus:
    """The documents that loaded, the files that did not, and warnings."""

    root: Path
    documents: tuple[Document, ...]
    errors: tuple[CorpusError, ...] = ()
    warnings: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()

    def document(self, document_id: str) -> Document | None:
        for doc in self.documents:
            if doc.id == document_id:
                return doc
        return None


def slugify(text: str, *, max_length: int = 60) -> str:
    """Lowercase ASCII words joined by '-' (for ids and anchors)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:max_length].strip("-") or "x"
