"""The read corpus as plain JSON data and back, for the saved index: documents, blocks, headings,
passages and corpus errors, with paths relative to the corpus folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from chatbot.documents.model import Block, Corpus, Document, Heading
from chatbot.errors import CorpusError, EmptyCorpusError

__all__ = ["corpus_from", "corpus_record", "plain", "record_of", "restore"]


def plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def record_of(obj: Any, *, skip: Sequence[str] = ()) -> dict[str, Any]:
    return {f.name: plain(getattr(obj, f.name)) for f in fields(obj) if f.name not in skip}


def restore(cls: Any, data: Mapping[str, Any], **extra: Any) -> Any:
    """A dataclass from its record; list fields typed as tuples become tuples again."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in extra:
            values[f.name] = extra[f.name]
        elif f.name in data:
            value = data[f.name]
            values[f.name] = tuple(value) if isinstance(value, list) and "tuple" in str(f.type) else value
    return cls(**values)


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def corpus_record(corpus: Corpus, folder: Path) -> dict[str, Any]:
    documents = []
    for document in corpus.documents:
        record = record_of(document, skip=("blocks", "headings", "path"))
        record["path"] = _relative(document.path, folder)
        record["blocks"] = [record_of(block) for block in document.blocks]
        record["headings"] = [record_of(heading) for heading in document.headings]
        documents.append(record)
    return {
        "documents": documents,
        "errors": [
            {
                "path": _relative(error.path, folder),
                "reason": error.reason,
                "line": error.line,
                "empty": isinstance(error, EmptyCorpusError),
            }
            for error in corpus.errors
        ],
        "warnings": list(corpus.warnings),
        "files": [_relative(path, folder) for path in corpus.files],
    }


def corpus_from(record: Mapping[str, Any], root: Path) -> Corpus:
    folder = root if root.is_dir() else root.parent
    documents = []
    for item in record["documents"]:
        blocks = tuple(restore(Block, block) for block in item["blocks"])
        headings = tuple(restore(Heading, heading) for heading in item["headings"])
        documents.append(
            restore(
                Document,
                item,
                path=folder / item["path"],
                blocks=blocks,
                headings=headings,
                metadata=dict(item.get("metadata", {})),
            )
        )
    errors: list[CorpusError] = []
    for error in record["errors"]:
        kind = EmptyCorpusError if error.get("empty") else CorpusError
        errors.append(kind(folder / error["path"], error["reason"], line=error["line"]))
    return Corpus(
        root=root,
        documents=tuple(documents),
        errors=tuple(errors),
        warnings=tuple(record["warnings"]),
        files=tuple(folder / name for name in record["files"]),
    )


