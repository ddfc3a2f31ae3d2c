"""Plain-text reader: recognises headings, bullet lists and web-page chrome in .txt files.

A heading is a short line on its own (blank lines around it) that does not end like a
sentence; "1. Something" on its own is a sub-heading of the heading above it. Lines
starting with a bullet (•, -, *, –) or a number in a run are list items. Breadcrumbs,
comment counters and "login is required" lines are dropped and listed in the metadata.
"""

from __future__ import annotations

import re
from pathlib import Path

from chatbot.documents.model import Document
from chatbot.documents.readers.markdown import humanise
from chatbot.documents.readers.structure import Line, build_blocks, content_span, iter_lines
from chatbot.documents.readers.textfile import read_text_file

_BULLET = re.compile(r"^\s*(?:[•·▪◦‣*\-–—]|\d{1,3}[.)])\s+\S")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+\S")
_CHROME = (
    # breadcrumbs: More>Health>Recovery. Spaces before a separator belong to the word class only:
    # "[\w ]{0,30}\s*" split them two ways per step, exponential backtracking (seconds on 100 chars).
    re.compile(r"^\w[\w \t]{0,30}(?:(?:>|»|/)\s*\w[\w \t]{0,30}){1,6}$"),
    re.compile(r"^comments?\s*\(\d+\)$", re.IGNORECASE),
    re.compile(r"^(?:log ?in|sign ?in|registration)\b.{0,40}\b(?:required|to comment)\b.{0,40}$", re.IGNORECASE),
    re.compile(r"^\S{1,40}\s?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$"),  # author + timestamp
    re.compile(r"^(?:share|print|tweet|like|reply)(?:\s*\|\s*\w+)*$", re.IGNORECASE),
)
_MAX_HEADING_CHARS = 90
_MAX_HEADING_WORDS = 14


def is_chrome(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(stripped) < 120 and any(p.match(stripped) for p in _CHROME)


def _looks_like_heading(stripped: str) -> bool:
    if not stripped or len(stripped) > _MAX_HEADING_CHARS or len(stripped.split()) > _MAX_HEADING_WORDS:
        return False
    if stripped[-1] in ".,;:!":  # a line ending in ':' introduces what follows (often a list)
        return False
    first = stripped[0]
    return first.isupper() or first.isdigit()


def read_text(path: Path, document_id: str) -> Document:
    text = read_text_file(path)
    raw_lines = list(iter_lines(text))
    dropped: list[str] = []
    kept: list[tuple[str, int, int]] = []
    for raw, start, end in raw_lines:
        if is_chrome(raw):
            dropped.append(raw.strip())
            kept.append(("", start, start))
        else:
            kept.append((raw, start, end))

    def blank(i: int) -> bool:
        return i < 0 or i >= len(kept) or not kept[i][0].strip()

    title = ""
    lines: list[Line] = []
    seen_content = False
    seen_heading = False
    for i, (raw, start, _end) in enumerate(kept):
        stripped = raw.strip()
        if not stripped:
            lines.append(Line("blank", "", start, start))
            continue
        cstart, cend = content_span(raw, start)
        isolated = blank(i - 1) and blank(i + 1)
        has_body_after = any(kept[j][0].strip() for j in range(i + 1, len(kept)))
        bullet = bool(_BULLET.match(raw)) and not _NUMBERED.match(raw)
        if isolated and has_body_after and _looks_like_heading(stripped) and not bullet:
            if not seen_content and not title:
                title = stripped
                seen_content = True
                continue
            level = 2 if (_NUMBERED.match(raw) and seen_heading) else 1
            lines.append(Line("heading", stripped, cstart, cend, level=level))
            seen_heading = True
        elif _BULLET.match(raw) and not (isolated and _NUMBERED.match(raw)):
            lines.append(Line("item", stripped, cstart, cend))
        else:
            lines.append(Line("text", stripped, cstart, cend))
        seen_content = True
    title = title or humanise(path.stem)
    blocks, headings = build_blocks(lines, title=title, text=text)
    metadata = {"dropped": "; ".join(dropped)} if dropped else {}
    return Document(
        id=document_id,
        title=title,
        source=path.name,
        path=path,
        format="text",
        text=text,
        blocks=blocks,
        headings=headings,
        metadata=metadata,
    )
