"""Markdown reader: YAML front matter, ATX headings (#), bullet and numbered lists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from chatbot.documents.model import Document
from chatbot.documents.readers.structure import Line, build_blocks, content_span, iter_lines
from chatbot.documents.readers.textfile import read_text_file
from chatbot.errors import CorpusError

# The optional closing hashes ("## Title ##") are stripped in code (heading_name): a lazy
# ".*?" followed by optional "[ \t]+#+" backtracks quadratically on a line of many spaces.
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(\S.*)$")
_ITEM = re.compile(r"^\s{0,8}(?:[-*+•]|\d{1,3}[.)])[ \t]+\S")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")  # thematic break: ---, ***, ___


def split_front_matter(path: Path, text: str) -> tuple[dict[str, str], int]:
    """Parse a leading ``---`` YAML block; returns (metadata, offset where the body starts)."""
    if not text.startswith("---\n"):
        return {}, 0
    end = re.search(r"^---[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        raise CorpusError(path, "front matter starts with '---' but has no closing '---' line", line=1)
    block = text[4 : 4 + end.start()]
    body_start = 4 + end.end() + 1
    try:
        data: Any = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        last_line = block.count("\n") + 1  # the last line of the block (the file's line 1 is '---')
        line = min(mark.line + 2, last_line) if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise CorpusError(path, f"broken front matter: {problem}", line=line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CorpusError(path, "front matter must be 'key: value' lines", line=2)
    meta: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, (dict, list)):
            line = block[: block.find(str(key))].count("\n") + 2 if str(key) in block else 2
            raise CorpusError(path, f"front matter key {key!r} must be a single value", line=line)
        meta[str(key)] = "" if value is None else str(value)
    return meta, min(body_start, len(text))


def heading_name(rest: str) -> str:
    """Heading text without a closing run of '#' (which needs a space before it)."""
    name = rest.rstrip()
    bare = name.rstrip("#")
    if bare != name and bare[-1:] in (" ", "\t"):
        name = bare
    return name.strip()


def humanise(stem: str) -> str:
    words = re.sub(r"[_-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def read_markdown(path: Path, document_id: str) -> Document:
    text = read_text_file(path)
    meta, body_start = split_front_matter(path, text)
    title = meta.get("title", "").strip()
    lines: list[Line] = []
    in_fence = False
    title_heading_seen = False
    for raw, start, _end in iter_lines(text):
        if start < body_start:
            continue
        if _FENCE.match(raw):
            in_fence = not in_fence
        if not raw.strip() or (not in_fence and _RULE.match(raw)):
            lines.append(Line("blank", "", start, start))
            continue
        cstart, cend = content_span(raw, start)
        heading = None if in_fence else _HEADING.match(raw)
        if heading:
            level = len(heading.group(1))
            name = heading_name(heading.group(2))
            if level == 1 and not title_heading_seen and (not title or name == title):
                title = title or name
                title_heading_seen = True
                continue
            lines.append(Line("heading", name, cstart, cend, level=level))
        elif not in_fence and _ITEM.match(raw):
            lines.append(Line("item", raw.strip(), cstart, cend))
        else:
            lines.append(Line("text", raw.strip(), cstart, cend))
    title = title or humanise(path.stem)
    blocks, headings = build_blocks(lines, title=title, text=text)
    return Document(
        id=document_id,
        title=title,
        source=meta.get("source_url") or meta.get("url") or path.name,
        path=path,
        format="markdown",
        text=text,
        blocks=blocks,
        headings=headings,
        metadata=meta,
    )
