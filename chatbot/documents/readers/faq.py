"""FAQ collections: ``.jsonl`` or ``.csv`` rows with ``question`` and ``answer``.

Optional fields: ``id`` (the passage id derives from it, so results map back to
rows), ``title`` (the section shown in citations) and ``url`` (the citation's source).
Each row is one block; its offsets are the row's span in the file.

A ``.jsonl`` row with ``_id`` and no ``question`` or ``answer`` is a document of a BEIR
corpus (``corpus.jsonl``: ``_id``, ``title``, ``text``, other fields such as ``metadata``
ignored): its text is the passage, its title the section (indexed with it, as BEIR's
baselines index title and text), its ``_id`` the row id that run files name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from chatbot.documents.model import Block, Document
from chatbot.documents.readers.markdown import humanise
from chatbot.documents.readers.structure import iter_lines
from chatbot.documents.readers.textfile import read_text_file
from chatbot.errors import CorpusError

FAQ_FIELDS = ("id", "question", "answer", "title", "url")
#: The fields read from a BEIR corpus row.
BEIR_FIELDS = ("_id", "title", "text")


def _text_fields(path: Path, row: dict[str, Any], line: int, names: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in names:
        value = row.get(key)
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key in ("id", "_id"):
            value = str(value)
        if not isinstance(value, str):
            raise CorpusError(path, f"field {key!r} must be text, got {type(value).__name__}", line=line)
        values[key] = value.strip()
    return values


def _beir_block(path: Path, row: dict[str, Any], line: int, start: int, end: int, title: str) -> Block:
    values = _text_fields(path, row, line, BEIR_FIELDS)
    if not values.get("_id"):
        raise CorpusError(path, "row has an empty '_id'; every BEIR corpus row needs its id", line=line)
    text, section = values.get("text"), values.get("title", "")
    if not text:  # a document with a title only is searched by its title
        text, section = section, ""
    if not text:
        raise CorpusError(path, "row has no 'text' and no 'title'; a BEIR corpus row needs one", line=line)
    return Block(
        kind="faq",
        text=text,
        start=start,
        end=end,
        section_path=(title, section) if section else (title,),
        row_id=values["_id"],
    )


def _row_block(path: Path, row: dict[str, Any], line: int, start: int, end: int, title: str) -> Block:
    if "_id" in row and "question" not in row and "answer" not in row:
        return _beir_block(path, row, line, start, end, title)
    values = _text_fields(path, row, line, FAQ_FIELDS)
    for key in ("question", "answer"):
        if not values.get(key):
            raise CorpusError(path, f"row has no {key!r}; every FAQ row needs a question and an answer", line=line)
    row_id = values.get("id") or "q-" + hashlib.sha1(values["question"].encode("utf-8")).hexdigest()[:10]
    section = values.get("title") or values["question"]
    return Block(
        kind="faq",
        text=values["answer"],
        start=start,
        end=end,
        section_path=(title, section),
        row_id=row_id,
        question=values["question"],
        url=values.get("url") or None,
    )


def _check_unique(path: Path, blocks: list[Block], lines: list[int]) -> None:
    seen: dict[str, int] = {}
    for block, line in zip(blocks, lines, strict=True):
        assert block.row_id is not None  # set by _row_block for every FAQ row
        if block.row_id in seen:
            raise CorpusError(
                path, f"duplicate id {block.row_id!r} (first used on line {seen[block.row_id]})", line=line
            )
        seen[block.row_id] = line


def read_jsonl(path: Path, document_id: str) -> Document:
    text = read_text_file(path)
    title = humanise(path.stem)
    blocks: list[Block] = []
    line_numbers: list[int] = []
    for number, (raw, start, end) in enumerate(iter_lines(text), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise CorpusError(path, f"not a JSON object: {reason}", line=number) from None
        if not isinstance(row, dict):
            raise CorpusError(path, "each line must be a JSON object with question and answer", line=number)
        blocks.append(_row_block(path, row, number, start, end, title))
        line_numbers.append(number)
    _check_unique(path, blocks, line_numbers)
    return Document(
        id=document_id, title=title, source=path.name, path=path, format="faq", text=text, blocks=tuple(blocks)
    )


def read_csv(path: Path, document_id: str) -> Document:
    text = read_text_file(path)
    title = humanise(path.stem)
    all_lines = list(iter_lines(text))
    line_starts = [start for _raw, start, _end in all_lines]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in ("question", "answer") if name not in header]
    if missing:
        raise CorpusError(path, f"the header row has no {', '.join(missing)} column", line=1)
    reader.fieldnames = header
    blocks: list[Block] = []
    line_numbers: list[int] = []
    previous_end_line = 1
    try:
        for row in reader:
            first_line = previous_end_line + 1
            last_line = reader.line_num
            previous_end_line = last_line
            while first_line < last_line and not all_lines[first_line - 1][0].strip():
                first_line += 1  # blank lines between rows belong to no row
            if None in row:
                raise CorpusError(path, "row has more fields than the header", line=first_line)
            if not any((value or "").strip() for value in row.values()):
                continue
            start = line_starts[first_line - 1] if first_line - 1 < len(line_starts) else len(text)
            end_index = min(last_line, len(line_starts)) - 1
            end = line_starts[end_index] + len(text[line_starts[end_index] :].split("\n", 1)[0])
            blocks.append(_row_block(path, dict(row), first_line, start, end, title))
            line_numbers.append(first_line)
    except csv.Error as exc:
        raise CorpusError(path, f"broken CSV: {exc}", line=reader.line_num) from None
    _check_unique(path, blocks, line_numbers)
    return Document(
        id=document_id, title=title, source=path.name, path=path, format="faq", text=text, blocks=tuple(blocks)
    )
