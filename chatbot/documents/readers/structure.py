"""Shared builder: classified lines -> blocks (paragraphs, lists) under a heading path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from chatbot.documents.model import Block, Heading

LineKind = Literal["heading", "item", "text", "blank"]


@dataclass(frozen=True, slots=True)
class Line:
    """One classified line; ``start``/``end`` are offsets of its content in the text."""

    kind: LineKind
    text: str
    start: int
    end: int
    level: int = 0
    page: int | None = None


def iter_lines(text: str) -> Iterable[tuple[str, int, int]]:
    """(line, start, end) for each line of ``text``, offsets excluding the newline."""
    pos = 0
    for raw in text.split("\n"):
        yield raw, pos, pos + len(raw)
        pos += len(raw) + 1


def content_span(raw: str, start: int) -> tuple[int, int]:
    """Offsets of ``raw`` without its surrounding whitespace."""
    stripped_left = len(raw) - len(raw.lstrip())
    stripped_right = len(raw.rstrip())
    return start + stripped_left, start + max(stripped_right, stripped_left)


def build_blocks(lines: Iterable[Line], *, title: str, text: str) -> tuple[tuple[Block, ...], tuple[Heading, ...]]:
    """Group lines into blocks; each block carries the heading path above it."""
    blocks: list[Block] = []
    headings: list[Heading] = []
    stack: list[tuple[int, str]] = []
    current: list[Line] = []
    current_kind: Literal["paragraph", "list"] | None = None

    def path() -> tuple[str, ...]:
        return (title, *(name for _, name in stack))

    def flush() -> None:
        nonlocal current, current_kind
        if current and current_kind is not None:
            start, end = current[0].start, current[-1].end
            blocks.append(
                Block(
                    kind=current_kind,
                    text=text[start:end],
                    start=start,
                    end=end,
                    section_path=path(),
                    page=current[0].page,
                )
            )
        current = []
        current_kind = None

    for line in lines:
        if line.kind == "heading":
            flush()
            while stack and stack[-1][0] >= line.level:
                stack.pop()
            stack.append((line.level, line.text))
            headings.append(Heading(path=path(), level=line.level, start=line.start, end=line.end, page=line.page))
        elif line.kind == "item":
            if current_kind != "list":
                flush()
                current_kind = "list"
            current.append(line)
        elif line.kind == "text":
            if current_kind is None:
                current_kind = "paragraph"
            current.append(line)  # a text line right after an item continues that item
        else:
            flush()
    flush()
    return tuple(blocks), tuple(headings)
