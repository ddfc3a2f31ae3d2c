"""HTML reader (``.html``, ``.htm``): the page's main content, without the site around it.

trafilatura finds the main content and drops navigation, cookie banners, footers and
comment sections (no hand-written rules here); its XML output keeps headings, lists
and tables, which become sections, list blocks and row lines. The page's ``<title>``
(without the site name when ``og:site_name`` says what it is) becomes the document
title, and ``<link rel="canonical">`` the citation's source. Bytes are decoded by the
byte-order mark, else the declared charset, else as UTF-8.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import lxml.etree
import lxml.html
import trafilatura

from chatbot.documents.model import Document
from chatbot.documents.readers.markdown import humanise
from chatbot.documents.readers.outline import Outline, clean
from chatbot.errors import CorpusError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·:]\s+")


def decode_html(path: Path, raw: bytes) -> str:
    """The page's text: BOM, else ``<meta charset>``/``http-equiv`` in the first 4 KB, else UTF-8."""
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, encoding in boms:
        if raw.startswith(bom):
            declared: str | None = encoding
            break
    else:
        match = _META_CHARSET.search(raw[:4096])
        declared = match.group(1).decode("ascii", "replace") if match else None
    encoding = declared or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CorpusError(path, f"the page declares an unknown charset {encoding!r}") from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = f"not valid {encoding} as declared" if declared else "not UTF-8 and no charset is declared"
        raise CorpusError(path, f"{hint} (byte 0x{raw[exc.start]:02x}); add <meta charset=...>", line=line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _head_fields(page: str) -> tuple[str, str, str]:
    """(title, canonical URL, site name) from the page head; empty strings when absent."""
    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", page, count=1))
    except (lxml.etree.ParserError, ValueError):
        return "", "", ""
    titles = tree.xpath("//head/title//text()") or tree.xpath("//title//text()")
    title = clean(" ".join(str(t) for t in titles))
    canonical = ""
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel:
            canonical = (link.get("href") or "").strip()
            break
    site = ""
    for meta in tree.xpath("//meta[@content]"):
        if (meta.get("property") or meta.get("name") or "").lower() in {"og:site_name", "application-name"}:
            site = clean(meta.get("content") or "")
            break
    return title, canonical, site


def _strip_site_name(title: str, site: str) -> str:
    if not site:
        return title
    parts = _TITLE_SEPARATORS.split(title)
    kept = [part for part in parts if part.strip().lower() != site.lower()]
    return " - ".join(kept) if kept and len(kept) < len(parts) else title


def _text(element: lxml.etree._Element, *, skip: tuple[str, ...] = ()) -> str:
    """An element's text, without the sub-elements named in ``skip`` (nested lists)."""
    pieces: list[str] = [element.text or ""]
    for child in element:
        if child.tag not in skip:
            pieces.append(_text(child, skip=skip))
        pieces.append(child.tail or "")
    return clean(" ".join(pieces))


def _list(outline: Outline, element: lxml.etree._Element, *, depth: int = 0) -> None:
    numbered = (element.get("rend") or "").lower() == "ol"
    for number, item in enumerate(element.iter("item"), start=1):
        if item.getparent() is not element:
            continue
        outline.item(_text(item, skip=("list",)), marker=f"{number}." if numbered else "-")
        for sub in item.findall("list"):
            _list(outline, sub, depth=depth + 1)


def _table(outline: Outline, element: lxml.etree._Element) -> None:
    """Each row as a list line; with a header row, 'Header: value; Header: value'."""
    rows = [[_text(cell) for cell in row.iter("cell")] for row in element.iter("row")]
    rows = [row for row in rows if any(row)]
    if not rows:
        return
    first = element.find("row")
    has_header = first is not None and any(cell.get("role") == "head" for cell in first.iter("cell"))
    header = rows[0] if has_header and len(rows) > 1 else None
    for row in rows[1:] if header else rows:
        if header:
            pairs = [f"{name}: {value}" if name else value for name, value in zip(header, row, strict=False) if value]
            outline.item("; ".join(pairs))
        else:
            outline.item(" | ".join(cell for cell in row if cell))
    outline.end_list()


def outline_from_xml(xml: str) -> tuple[Outline, str]:
    """trafilatura's XML -> an outline, and the leading <h1> (the page heading) if any."""
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    outline = Outline()
    page_heading = ""
    if main is None:
        return outline, page_heading
    for element in main:
        tag = element.tag
        if tag == "head":
            text = _text(element)
            rend = (element.get("rend") or "h2").lower()
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            if level == 1 and outline.empty and not page_heading:
                page_heading = text
                continue
            outline.heading(text, level)
        elif tag == "list":
            _list(outline, element)
            outline.end_list()
        elif tag == "table":
            _table(outline, element)
        elif tag in {"p", "quote", "code", "div"}:
            outline.paragraph(_text(element))
    return outline, page_heading


def read_html(path: Path, document_id: str) -> Document:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if b"\x00" in raw[:4096] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CorpusError(path, "contains NUL bytes; this looks like a binary file, not an HTML page")
    page = decode_html(path, raw)
    title, canonical, site = _head_fields(page)
    xml = trafilatura.extract(
        page,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
    )
    if not xml:
        raise CorpusError(path, "no main content found in this page")
    try:
        outline, page_heading = outline_from_xml(xml)
    except lxml.etree.XMLSyntaxError as exc:  # pragma: no cover - trafilatura writes well-formed XML
        raise CorpusError(path, f"cannot read the extracted content: {exc}") from None
    if outline.empty:
        raise CorpusError(path, "no main content found in this page")
    doc_title = _strip_site_name(title, site) or page_heading or humanise(path.stem)
    text, blocks, headings = outline.build(doc_title)
    metadata = {"html_title": title} if title else {}
    if canonical:
        metadata["canonical_url"] = canonical
    return Document(
        id=document_id,
        title=doc_title,
        source=canonical or path.name,
        path=path,
        format="html",
        text=text,
        blocks=blocks,
        headings=headings,
        metadata=metadata,
    )
