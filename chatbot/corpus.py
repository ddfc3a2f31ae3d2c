"""Corpus files -> :class:`Document`: the document model and the folder loader.

A reader turns one file into a :class:`Document`: its text (for text formats the
file itself, so offsets point into the file), its title and its blocks (paragraphs,
lists and FAQ rows), each with the heading path it sits under and its character
offsets. Readers are registered by file suffix in :data:`READERS`; one bad file
becomes a :class:`CorpusError` in :attr:`Corpus.errors` and the rest still loads.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import CorpusError, EmptyCorpusError

__all__ = [
    "READERS",
    "Block",
    "Corpus",
    "Document",
    "Heading",
    "bundled_corpus_dir",
    "load_corpus",
    "read_document",
    "slugify",
]

BlockKind = Literal["paragraph", "list", "faq"]

#: File names in a corpus folder that are data for the chatbot, not documents.
RESERVED_NAMES = frozenset({"synonyms.yaml", "synonyms.yml", "readme.md", "readme.txt"})


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


Reader = Callable[[Path, str], Document]

#: suffix -> reader(path, document_id). Other modules register more formats.
READERS: dict[str, Reader] = {}


def register_reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Decorator: use the function as the reader for files with these suffixes."""

    def wrap(reader: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix.lower()] = reader
        return reader

    return wrap


def slugify(text: str, *, max_length: int = 60) -> str:
    """Lowercase ASCII words joined by '-' (for ids and anchors)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:max_length].strip("-") or "x"


def bundled_corpus_dir() -> Path:
    """The corpus shipped with the package (in a wheel) or beside it (in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "corpus", here.parent / "corpus"):
        if candidate.is_dir():
            return candidate
    return here.parent / "corpus"


def read_text_file(path: Path) -> str:
    """A file's text as UTF-8 (a BOM is dropped, line ends normalised to \\n)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(
            path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line=line
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CorpusError(path, "contains NUL bytes; this looks like a binary file, not text", line=line)
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: Formats whose libraries are slow to import (trafilatura, pypdf, python-docx): the
#: module registering the reader is imported only when a file of that kind is read, so
#: a corpus of Markdown, text or FAQ files starts without them.
LAZY_READERS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}


def _load_builtin_readers() -> None:
    # Imported for their registration side effect; kept here so `READERS` is
    # complete whenever the loader runs, and importing chatbot stays cheap.
    from .readers import faq, markdown, text  # noqa: F401


def _reader_for(suffix: str) -> Reader | None:
    _load_builtin_readers()
    if suffix not in READERS and suffix in LAZY_READERS:
        with contextlib.suppress(ImportError):  # optional formats, when their libraries are installed
            importlib.import_module(f".readers.{LAZY_READERS[suffix]}", __package__)
    return READERS.get(suffix)


def supported_suffixes() -> list[str]:
    """Every file suffix the corpus loader reads."""
    _load_builtin_readers()
    return sorted(set(READERS) | set(LAZY_READERS))


def _document_ids(paths: list[Path]) -> dict[Path, str]:
    ids: dict[Path, str] = {}
    taken: set[str] = set()
    for path in paths:
        base = slugify(path.stem)
        candidate = base if base not in taken else slugify(path.name)
        n = 2
        while candidate in taken:
            candidate = f"{base}-{n}"
            n += 1
        taken.add(candidate)
        ids[path] = candidate
    return ids


def read_document(path: Path, document_id: str | None = None) -> Document:
    """Read one file with the reader registered for its suffix."""
    reader = _reader_for(path.suffix.lower())
    if reader is None:
        supported = ", ".join(supported_suffixes())
        raise CorpusError(path, f"unsupported file type {path.suffix!r}; supported: {supported}")
    return reader(path, document_id or slugify(path.stem))


def corpus_files(root: Path) -> tuple[list[Path], list[str]]:
    """The document files under ``root`` (sorted) and warnings for skipped files."""
    supported = supported_suffixes()
    if root.is_file():
        return [root], []
    files: list[Path] = []
    warnings: list[str] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.name.lower() in RESERVED_NAMES:
            continue
        if path.suffix.lower() not in supported:
            warnings.append(f"{rel}: skipped, unsupported file type (supported: {', '.join(supported)})")
            continue
        files.append(path)
    return files, warnings


def load_corpus(root: Path | str) -> Corpus:
    """Read every supported file under ``root`` (a folder, or one file).

    Files that fail are collected in :attr:`Corpus.errors`; a missing folder or one
    with no document that loads raises :class:`EmptyCorpusError`.
    """
    root = Path(root)
    if not root.exists():
        raise EmptyCorpusError(root, "the corpus folder does not exist; pass --corpus DIR with your documents")
    files, warnings = corpus_files(root)
    if not files:
        raise EmptyCorpusError(
            root, f"no documents found; add Markdown, text or FAQ files ({', '.join(supported_suffixes())})"
        )
    ids = _document_ids(files)
    documents: list[Document] = []
    errors: list[CorpusError] = []
    for path in files:
        try:
            document = read_document(path, ids[path])
        except CorpusError as exc:
            errors.append(exc)
            continue
        if not document.blocks:
            errors.append(CorpusError(path, "no text found in this document"))
            continue
        documents.append(document)
    if not documents:
        detail = "; ".join(str(err) for err in errors[:3])
        raise EmptyCorpusError(root, f"no document could be loaded ({detail})")
    return Corpus(
        root=root,
        documents=tuple(documents),
        errors=tuple(errors),
        warnings=tuple(warnings),
        files=tuple(files),
    )
