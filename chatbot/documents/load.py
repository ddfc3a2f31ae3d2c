"""Corpus files -> :class:`Document`: the folder loader and its explicit suffix -> reader table.

Each suffix names the reader module and function in :data:`READERS`; the module is
imported when a file of that kind is first read, so a corpus of Markdown, text or FAQ
files starts without the slow libraries (trafilatura, pypdf, python-docx). One bad file
becomes a :class:`CorpusError` in :attr:`Corpus.errors` and the rest still loads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from chatbot.clinic import PROFILE_FILE
from chatbot.documents.model import Corpus, Document, slugify
from chatbot.errors import CorpusError, EmptyCorpusError

__all__ = [
    "READERS",
    "SYNONYMS_FILE_NAMES",
    "corpus_files",
    "load_corpus",
    "read_document",
    "supported_suffixes",
]

#: The synonyms file a corpus folder may hold, in the order they are looked for.
SYNONYMS_FILE_NAMES = ("synonyms.yaml", "synonyms.yml")
#: File names in a corpus folder that are data for the chatbot, not documents.
RESERVED_NAMES = frozenset({*SYNONYMS_FILE_NAMES, PROFILE_FILE, "readme.md", "readme.txt"})


Reader = Callable[[Path, str], Document]

#: suffix -> (module in :mod:`chatbot.documents.readers`, reader function). The HTML, PDF
#: and Word readers need optional libraries: without them their suffixes are unsupported.
READERS: dict[str, tuple[str, str]] = {
    ".md": ("markdown", "read_markdown"),
    ".markdown": ("markdown", "read_markdown"),
    ".txt": ("text", "read_text"),
    ".text": ("text", "read_text"),
    ".jsonl": ("faq", "read_jsonl"),
    ".csv": ("faq", "read_csv"),
    ".html": ("html", "read_html"),
    ".htm": ("html", "read_html"),
    ".pdf": ("pdf", "read_pdf"),
    ".docx": ("docx", "read_docx"),
}


def reader_for(suffix: str) -> Reader | None:
    """The reader for a file suffix (lower case), or None when unsupported or its library is missing."""
    entry = READERS.get(suffix)
    if entry is None:
        return None
    module_name, function = entry
    try:
        module = importlib.import_module(f"chatbot.documents.readers.{module_name}")
    except ImportError:  # optional formats, when their libraries are installed
        return None
    reader: Reader = getattr(module, function)
    return reader


def supported_suffixes() -> list[str]:
    """Every file suffix the corpus loader reads."""
    return sorted(READERS)


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
    reader = reader_for(path.suffix.lower())
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
