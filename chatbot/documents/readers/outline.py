"""Structured content -> document text and blocks, for formats that are not text files.

HTML, PDF and Word readers extract headings, paragraphs and list items; an
:class:`Outline` lays them out as Markdown-like text (``## Heading``, paragraphs,
``- item`` lines, blank lines between blocks) and classifies each line, so the shared
:func:`~chatbot.documents.readers.structure.build_blocks` gives the same blocks, heading paths
and offsets the Markdown reader does. Offsets point into this generated text, which
is the :attr:`Document.text` of such a document; for PDFs each line keeps its page.
"""

from __future__ import annotations

import re

from chatbot.documents.model import Block, Heading
from chatbot.documents.readers.structure import Line, build_blocks

_SPACE = re.compile(r"\s+")
_MARKER = re.compile(r"^(?:[-*+•·▪◦‣–—]|\d{1,3}[.)])\s+")


def clean(text: str) -> str:
    """Internal whitespace (newlines, tabs, non-breaking spaces) folded to single spaces."""
    return _SPACE.sub(" ", text.replace("\u00ad", "")).strip()


class Outline:
    """Collects headings, paragraphs and list items in reading order."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._lines: list[Line] = []
        self._pos = 0
        self._open: str | None = None  # "list" while list items are being added
        self._list_page: int | None = None

    def _write(self, raw: str) -> int:
        start = self._pos
        self._parts.append(raw)
        self._pos += len(raw)
        return start

    def _close(self) -> None:
        if self._open is not None:
            start = self._write("\n")
            self._lines.append(Line("blank", "", start, start))
            self._open = None

    def _separate(self) -> None:
        """A blank line before a new block (none at the very start)."""
        if self._open is not None:
            self._close()
        elif self._pos:
            start = self._write("\n")
            self._lines.append(Line("blank", "", start, start))

    @property
    def empty(self) -> bool:
        return not any(line.kind != "blank" for line in self._lines)

    def heading(self, text: str, level: int, *, page: int | None = None) -> None:
        name = clean(text)
        if not name:
            return
        level = max(1, min(level, 6))
        self._separate()
        self._write("#" * level + " ")
        content = self._write(name)
        self._write("\n")
        self._lines.append(Line("heading", name, content, content + len(name), level=level, page=page))

    def paragraph(self, text: str, *, page: int | None = None) -> None:
        body = clean(text)
        if not body:
            return
        self._separate()
        start = self._write(body)
        self._write("\n")
        self._lines.append(Line("text", body, start, start + len(body), page=page))

    def item(self, text: str, *, page: int | None = None, marker: str = "-") -> None:
        """One list item; consecutive items form one list. A bullet already in ``text`` is replaced."""
        body = _MARKER.sub("", clean(text))
        if not body:
            return
        if self._open != "list" or page != self._list_page:
            self._separate()  # a list that runs onto the next page is cited per page
            self._open = "list"
            self._list_page = page
        line = f"{marker} {body}"
        start = self._write(line)
        self._write("\n")
        self._lines.append(Line("item", line, start, start + len(line), page=page))

    def end_list(self) -> None:
        self._close()

    def build(self, title: str) -> tuple[str, tuple[Block, ...], tuple[Heading, ...]]:
        """The document text, its blocks and its headings."""
        self._close()
        text = "".join(self._parts)
        blocks, headings = build_blocks(self._lines, title=title, text=text)
        return text, blocks, headings
