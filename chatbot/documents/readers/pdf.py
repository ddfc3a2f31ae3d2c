"""PDF reader: text per page with pypdf, headings from the layout, page numbers on every block.

pypdf's text visitor gives each run of text with its position, font and size. Runs
become lines; lines repeated at the top or bottom of most pages (a running title, a
clinic name, "Page 3 of 8") and page numbers are dropped before anything is split.
A short line set in a larger font than the body text, or in bold where the body is
not, is a heading; its level comes from its size (larger is higher). Other lines are
joined into paragraphs where the spacing shows a paragraph break, and lines starting
with a bullet or a number are list items. When the layout shows no heading at all,
each page becomes a section ("Page N"). Every block carries its 1-based page number,
so citations can say "p. N". A PDF without a text layer (a scan) is an error: OCR is
not supported.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import pypdf
from pypdf.errors import PyPdfError

from chatbot.documents.model import Document
from chatbot.documents.readers.markdown import humanise
from chatbot.documents.readers.outline import Outline, clean
from chatbot.errors import CorpusError

_BULLET = re.compile(r"^\s*(?:[•·▪◦‣\-–—*]|\d{1,3}[.)])\s+\S")
_SYMBOL_BULLET = re.compile(r"^\s*[•·▪◦‣\-–—*]\s+\S")
# Lines are whitespace-folded, so single optional spaces suffice (and nothing is ambiguous).
_PAGE_NUMBER = re.compile(r"^(?:page ?)?[-–—]? ?\d{1,4}(?: ?[-–—])?(?: ?(?:of|/|von|de|sur) ?\d{1,4})?$", re.IGNORECASE)
_BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold|,b$", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"')\]]?$")
_JUNK_TITLE = re.compile(r"^(untitled|microsoft word|document\d*$)|\.(docx?|pdf|odt|rtf)$", re.IGNORECASE)

#: pypdf raises many types on damaged files (its own, and zlib/struct/lookup errors
#: from inside the parser); each of these means "this file cannot be read".
_PDF_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError,
    zlib.error,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    OSError,
)

#: Share of pages a header or footer line must be repeated on to be dropped.
RUNNING_SHARE = 0.5
#: Longer repeated lines are body text, not a running header or footer.
MAX_RUNNING_CHARS = 100
#: Lines at each end of a page where running headers and footers are looked for.
MARGIN_LINES = 2


@dataclass(slots=True)
class PdfLine:
    """One line of text on a page, with its position and dominant font."""

    page: int
    text: str
    x: float
    y: float
    size: float
    bold: bool


@dataclass(slots=True)
class _Builder:
    page: int
    pieces: list[tuple[str, float, float, float, bool]]

    def add(self, text: str, x: float, y: float, size: float, bold: bool) -> None:
        self.pieces.append((text, x, y, size, bold))

    @property
    def y(self) -> float | None:
        for text, _x, y, _size, _bold in self.pieces:
            if text.strip():
                return y
        return None

    @property
    def size(self) -> float:
        for text, _x, _y, size, _bold in self.pieces:
            if text.strip():
                return size
        return 0.0

    def line(self) -> PdfLine | None:
        text = clean("".join(piece[0] for piece in self.pieces))
        visible = [piece for piece in self.pieces if piece[0].strip()]
        if not text or not visible:
            return None
        sizes: Counter[float] = Counter()
        bold_chars = 0
        for piece_text, _x, _y, size, bold in visible:
            n = len(piece_text.strip())
            sizes[round(size * 2) / 2] += n
            bold_chars += n if bold else 0
        total = sum(sizes.values())
        return PdfLine(
            page=self.page,
            text=text,
            x=min(piece[1] for piece in visible),
            y=visible[0][2],
            size=sizes.most_common(1)[0][0],
            bold=bold_chars * 2 > total,
        )


def _multiply(a: Sequence[float], b: Sequence[float]) -> tuple[float, ...]:
    """Product of two PDF matrices [a b c d e f]."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _is_bold(font: Any) -> bool:
    if not font:
        return False
    try:
        name = str(font.get("/BaseFont", ""))
        descriptor = font.get("/FontDescriptor")
        weight = descriptor.get_object().get("/FontWeight") if descriptor is not None else None
    except _PDF_ERRORS:
        return False
    name = name.split("+", 1)[-1]
    if weight is not None and isinstance(weight, (int, float)) and weight >= 600:
        return True
    return bool(_BOLD_FONT.search(name))


def page_lines(page: Any, number: int) -> list[PdfLine]:
    """The lines of one page in content order, from pypdf's text visitor."""
    lines: list[PdfLine] = []
    current = _Builder(number, [])

    def finish() -> None:
        nonlocal current
        line = current.line()
        if line is not None:
            lines.append(line)
        current = _Builder(number, [])

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: Any, font_size: float) -> None:
        if not text:
            return
        matrix = _multiply(tm, cm)
        scale = math.hypot(matrix[2], matrix[3]) or 1.0
        size = float(font_size) * scale
        x, y = matrix[4], matrix[5]
        bold = _is_bold(font)
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i > 0:
                finish()
            if not part:
                continue
            if part.strip() and current.y is not None and abs(y - current.y) > 0.5 * max(size, current.size):
                finish()
            current.add(part, x, y, size, bold)

    page.extract_text(visitor_text=visit)
    finish()
    return lines


def _signature(line: PdfLine) -> tuple[str, float]:
    return re.sub(r"\d+", "#", line.text.lower()), round(line.size)


def _margin_lines(lines: list[PdfLine]) -> list[PdfLine]:
    """The lines at the top and bottom of a page (by position, not content order)."""
    if len(lines) <= 2 * MARGIN_LINES:
        return list(lines)
    by_height = sorted(lines, key=lambda line: -line.y)
    return by_height[:MARGIN_LINES] + by_height[-MARGIN_LINES:]


def drop_running_lines(pages: list[list[PdfLine]]) -> tuple[list[list[PdfLine]], list[str]]:
    """Remove page numbers and header/footer lines repeated on most pages; returns what was dropped."""
    counts: Counter[tuple[str, float]] = Counter()
    for lines in pages:
        counts.update({_signature(line) for line in _margin_lines(lines)})
    needed = max(2, math.ceil(RUNNING_SHARE * len(pages)))
    running = {sig for sig, n in counts.items() if n >= needed and len(sig[0]) <= MAX_RUNNING_CHARS}
    dropped: dict[str, None] = {}
    kept_pages: list[list[PdfLine]] = []
    for lines in pages:
        margin = {id(line) for line in _margin_lines(lines)}
        kept: list[PdfLine] = []
        for line in lines:
            if id(line) in margin and (_signature(line) in running or _PAGE_NUMBER.match(line.text)):
                dropped[re.sub(r"\d+", "N", line.text)] = None
                continue
            kept.append(line)
        kept_pages.append(kept)
    return kept_pages, list(dropped)


def _body_style(lines: list[PdfLine]) -> tuple[float, bool]:
    sizes: Counter[float] = Counter()
    bold = 0
    for line in lines:
        sizes[line.size] += len(line.text)
        bold += len(line.text) if line.bold else 0
    total = sum(sizes.values()) or 1
    return sizes.most_common(1)[0][0], bold * 2 > total


def _is_heading(line: PdfLine, body_size: float, body_bold: bool) -> bool:
    text = line.text
    if len(text) > 120 or len(text.split()) > 20 or not any(ch.isalpha() for ch in text):
        return False
    if text.endswith((".", ",", ";")) or _SYMBOL_BULLET.match(text):
        return False
    if line.size >= body_size * 1.15:
        return True
    return line.bold and not body_bold and line.size >= body_size * 0.95 and len(text) <= 100


def _typical_gap(pages: list[list[PdfLine]], body_size: float) -> float:
    gaps = []
    for lines in pages:
        for before, after in zip(lines, lines[1:], strict=False):
            gap = before.y - after.y
            if before.size == after.size == body_size and 0 < gap < 4 * body_size:
                gaps.append(gap)
    return median(gaps) if gaps else body_size * 1.2


def _join(text: str, more: str) -> str:
    if re.search(r"[^\W\d_]-$", text) and more[:1].islower():
        return text + more
    return f"{text} {more}"


def _continues_on_next_page(last: _Block, line: PdfLine) -> bool:
    """A paragraph cut by a page break goes on at the top of the next page."""
    if line.text[:1].islower():
        return True
    return last.kind == "paragraph" and not _ENDS_SENTENCE.search(last.text)


@dataclass(slots=True)
class _Block:
    kind: str  # "heading" | "paragraph" | "item"
    text: str
    page: int
    size: float = 0.0
    bold: bool = False
    y: float = 0.0


def _group(pages: list[list[PdfLine]], body_size: float, body_bold: bool) -> list[_Block]:
    """Lines -> headings, paragraphs and list items, in reading order."""
    gap = _typical_gap(pages, body_size)
    lengths = [len(line.text) for lines in pages for line in lines if line.size == body_size]
    full_line = median(lengths) if lengths else 80.0
    blocks: list[_Block] = []
    for lines in pages:
        previous: PdfLine | None = None
        for line in lines:
            last = blocks[-1] if blocks else None
            if _is_heading(line, body_size, body_bold):
                same_heading = (
                    last is not None
                    and last.kind == "heading"
                    and previous is not None
                    and last.page == line.page
                    and abs(last.size - line.size) < 0.5
                    and last.bold == line.bold
                    and 0 < previous.y - line.y <= 1.6 * line.size
                )
                if same_heading and last is not None:
                    last.text = f"{last.text} {line.text}"
                else:
                    blocks.append(_Block("heading", line.text, line.page, line.size, line.bold, line.y))
            else:
                bullet = bool(_BULLET.match(line.text))
                new_page = previous is None
                spaced = previous is not None and (previous.y - line.y > 1.35 * gap or previous.y < line.y)
                ended_short = (
                    previous is not None
                    and _ENDS_SENTENCE.search(previous.text) is not None
                    and len(previous.text) < 0.7 * full_line
                )
                continues = (
                    last is not None
                    and last.kind in {"paragraph", "item"}
                    and not bullet
                    and abs(line.size - last.size) < 0.75
                    and (
                        (not new_page and not spaced and not ended_short)
                        or (new_page and _continues_on_next_page(last, line))
                    )
                )
                if continues and last is not None:
                    last.text = _join(last.text, line.text)
                else:
                    blocks.append(_Block("item" if bullet else "paragraph", line.text, line.page, line.size))
            previous = line
    return blocks


def _title(blocks: list[_Block], metadata_title: str) -> str:
    """The first heading, if it is set in the largest heading style; else the PDF's title metadata."""
    headings = [block for block in blocks if block.kind == "heading"]
    if blocks and blocks[0].kind == "heading" and blocks[0].page == 1:
        largest = max(block.size for block in headings)
        if blocks[0].size >= largest - 0.25:
            return blocks.pop(0).text
    if metadata_title and not _JUNK_TITLE.search(metadata_title):
        return metadata_title
    return ""


def _open(path: Path) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(path, strict=True)
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(path, "the PDF is password-protected; save a copy without a password")
        _ = len(reader.pages)
    except CorpusError:
        raise
    except FileNotFoundError:
        raise CorpusError(path, "the file does not exist") from None
    except PermissionError:
        raise CorpusError(path, "cannot read the file: permission denied") from None
    except _PDF_ERRORS as exc:
        raise CorpusError(path, f"not a readable PDF (damaged or truncated?): {exc}") from None
    return reader


def read_pdf(path: Path, document_id: str) -> Document:
    reader = _open(path)
    pages: list[list[PdfLine]] = []
    try:
        for number, page in enumerate(reader.pages, start=1):
            pages.append(page_lines(page, number))
        info = reader.metadata
        metadata_title = clean(str(info.title)) if info is not None and info.title else ""
    except _PDF_ERRORS as exc:
        raise CorpusError(path, f"not a readable PDF (damaged or truncated?): {exc}") from None
    if not any(pages):
        raise CorpusError(path, "no text found; OCR is not supported (this looks like a scanned PDF)")
    pages, dropped = drop_running_lines(pages)
    lines = [line for page in pages for line in page]
    if not lines:
        raise CorpusError(path, "no text found; OCR is not supported (only page numbers or headers)")
    body_size, body_bold = _body_style(lines)
    blocks = _group(pages, body_size, body_bold)
    title = _title(blocks, metadata_title) or humanise(path.stem)
    heading_styles = sorted({(round(b.size * 2) / 2, b.bold) for b in blocks if b.kind == "heading"}, reverse=True)
    level_of = {style: n for n, style in enumerate(heading_styles, start=2)}
    outline = Outline()
    page_sections = not heading_styles
    current_page = 0
    for block in blocks:
        if page_sections and block.page != current_page:
            current_page = block.page
            outline.heading(f"Page {block.page}", 2, page=block.page)
        if block.kind == "heading":
            outline.heading(block.text, level_of[(round(block.size * 2) / 2, block.bold)], page=block.page)
        elif block.kind == "item":
            outline.item(block.text, page=block.page)
        else:
            outline.paragraph(block.text, page=block.page)
    text, doc_blocks, headings = outline.build(title)
    metadata = {"pages": str(len(pages))}
    if dropped:
        metadata["dropped"] = "; ".join(dropped)
    return Document(
        id=document_id,
        title=title,
        source=path.name,
        path=path,
        format="pdf",
        text=text,
        blocks=doc_blocks,
        headings=headings,
        metadata=metadata,
    )
