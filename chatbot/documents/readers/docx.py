"""Word reader (``.docx``) with python-docx: headings by style, lists, tables as text.

A paragraph is a heading when its style (or a style it is based on) is a built-in
heading style ("Heading 1" ... "Heading 9", also by style id, so translated Word
versions work) or carries an outline level. The document title is the file's Title
property, else a leading "Title"-style paragraph or first-level heading. Paragraphs
with list numbering (``numPr``) or a "List ..." style are list items. Tables become
one line per row: with a header row, "Header: value; Header: value". Text boxes,
headers, footers, footnotes and comments are not read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from chatbot.documents.model import Document
from chatbot.documents.readers.markdown import humanise
from chatbot.documents.readers.outline import Outline, clean
from chatbot.errors import CorpusError

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre|título|kop|rubrik|otsikko|nagłówek)\s*(\d)$", re.IGNORECASE)
_HEADING_ID = re.compile(r"^heading(\d)$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|titel|titre|t[ií]tulo)$", re.IGNORECASE)


def _style_chain(paragraph: Paragraph) -> Iterator[Any]:
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:
        yield style
        style = style.base_style
        seen += 1


def _outline_level(element: Any) -> int | None:
    ppr = element.find(qn("w:pPr"))
    if ppr is None:
        return None
    level = ppr.find(qn("w:outlineLvl"))
    if level is None:
        return None
    value = level.get(qn("w:val"))
    if value is None or not value.isdigit() or int(value) > 8:
        return None  # 9 means "body text"
    return int(value) + 1


def heading_level(paragraph: Paragraph) -> int | None:
    """1-9 for a heading paragraph, 0 for a Title paragraph, None for body text."""
    direct = _outline_level(paragraph._p)
    if direct is not None:
        return direct
    for style in _style_chain(paragraph):
        name = (style.name or "").strip()
        style_id = (style.style_id or "").strip()
        if _TITLE_STYLE.match(name) or _TITLE_STYLE.match(style_id):
            return 0
        for pattern, value in ((_HEADING_STYLE, name), (_HEADING_ID, style_id)):
            match = pattern.match(value)
            if match:
                return int(match.group(1))
        level = _outline_level(style.element)
        if level is not None:
            return level
    return None


def _is_list(paragraph: Paragraph) -> bool:
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return True
    return any("list" in (style.name or "").lower() for style in _style_chain(paragraph))


def _is_numbered(paragraph: Paragraph) -> bool:
    return any("number" in (style.name or "").lower() for style in _style_chain(paragraph))


def _table_rows(table: Table) -> list[str]:
    """Each row as a line; a first row of labels (and more rows below) is used as a header."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        last: Any = None
        for cell in row.cells:
            if cell._tc is last:  # a merged cell repeats across the columns it spans
                continue
            last = cell._tc
            cells.append(clean(cell.text))
        if any(cells):
            rows.append(cells)
    if not rows:
        return []
    header = rows[0] if len(rows) > 1 and all(rows[0]) and len(rows[0]) > 1 else None
    lines = []
    for cells in rows[1:] if header else rows:
        if header and len(cells) == len(header):
            lines.append("; ".join(f"{name}: {value}" for name, value in zip(header, cells, strict=True) if value))
        else:
            lines.append(" | ".join(cell for cell in cells if cell))
    return lines


def read_docx(path: Path, document_id: str) -> Document:
    try:
        document = docx.Document(str(path))
        content = list(document.iter_inner_content())
        core_title = clean(document.core_properties.title or "")
    except FileNotFoundError:
        raise CorpusError(path, "the file does not exist") from None
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError, OSError) as exc:
        raise CorpusError(path, f"not a readable Word .docx file (damaged, or another format?): {exc}") from None
    outline = Outline()
    title = core_title
    numbers: dict[str, int] = {}
    for part in content:
        if isinstance(part, Table):
            for line in _table_rows(part):
                outline.item(line)
            outline.end_list()
            continue
        text = clean(part.text)
        if not text:
            continue
        level = heading_level(part)
        if level is not None:
            if outline.empty and (level == 0 or level == 1) and (not title or text == title):
                title = title or text
                continue
            outline.heading(text, max(level, 1))
            numbers.clear()
        elif _is_list(part):
            if _is_numbered(part):
                key = part.style.style_id if part.style is not None else ""
                numbers[key] = numbers.get(key, 0) + 1
                outline.item(text, marker=f"{numbers[key]}.")
            else:
                outline.item(text)
        else:
            outline.end_list()
            numbers.clear()
            outline.paragraph(text)
    if outline.empty:
        raise CorpusError(path, "no text found in this Word document")
    title = title or humanise(path.stem)
    text, blocks, headings = outline.build(title)
    return Document(
        id=document_id,
        title=title,
        source=path.name,
        path=path,
        format="docx",
        text=text,
        blocks=blocks,
        headings=headings,
        metadata={"core_title": core_title} if core_title else {},
    )
