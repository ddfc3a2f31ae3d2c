"""Test fixtures made here, not downloaded: the Markdown corpus rendered as HTML pages in
site chrome, as multi-page PDF leaflets with a running header and footer, and as .docx.

The structure comes from chatbot's own Markdown reader (headings and blocks in file
order), so every format carries the same words under the same headings.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.documents.load import read_document
from chatbot.documents.model import Document

#: Site chrome that must never reach a passage (checked by the tests).
CHROME_PHRASES = (
    "Book an appointment online",
    "We use cookies",
    "Accept all cookies",
    "All rights reserved",
    "Great article",
    "Asking for my neighbour",
    "Riverside Neurology Clinic · Patient leaflet",
    "Page 1 of",
)

RUNNING_HEADER = "Riverside Neurology Clinic · Patient leaflet"


@dataclass(frozen=True, slots=True)
class Part:
    kind: str  # "heading" | "paragraph" | "list"
    text: str
    level: int = 0


def parts(document: Document) -> list[Part]:
    """Headings and blocks of a read Markdown document, in file order."""
    items: list[tuple[int, Part]] = []
    for heading in document.headings:
        items.append((heading.start, Part("heading", heading.path[-1], heading.level)))
    for block in document.blocks:
        items.append((block.start, Part("list" if block.kind == "list" else "paragraph", block.text)))
    return [part for _start, part in sorted(items, key=lambda pair: pair[0])]


def list_items(text: str) -> list[str]:
    return [line.lstrip("-*+• ").strip() for line in text.splitlines() if line.strip()]


def markdown_document(path: Path) -> Document:
    return read_document(path)


CHROME_TOP = """<header class="site-header">
  <a class="logo" href="/">Riverside Neurology Clinic</a>
  <nav aria-label="Main menu"><ul>
    <li><a href="/">Home</a></li><li><a href="/conditions">Conditions we treat</a></li>
    <li><a href="/team">Our team</a></li><li><a href="/appointments">Book an appointment online</a></li>
    <li><a href="/contact">Contact and directions</a></li>
  </ul></nav>
</header>
<div id="cookie-banner" class="cookie-consent" role="dialog">
  <p>We use cookies to give you the best experience on our website. By clicking "Accept all cookies" you agree
  to the storing of cookies on your device to enhance site navigation and analyse site usage.</p>
  <button>Accept all cookies</button> <button>Cookie settings</button>
</div>
<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/conditions">Conditions</a> &gt; Hemifacial spasm</div>
"""

CHROME_BOTTOM = """<section id="comments" class="comments-area">
  <h3 class="comments-title">2 comments</h3>
  <ol class="comment-list">
    <li class="comment"><div class="comment-author">Margaret T.</div><div class="comment-content">
      <p>Great article, my husband had the operation here last spring and the staff were wonderful to us.</p></div></li>
    <li class="comment"><div class="comment-author">Dev</div><div class="comment-content">
      <p>Is this covered by insurance? Asking for my neighbour who has had twitching for years.</p></div></li>
  </ol>
  <form class="comment-form"><label>Leave a reply</label><textarea></textarea><button>Post comment</button></form>
</section>
"""

FOOTER = """<footer class="site-footer">
  <div><h4>Opening hours</h4><p>Monday to Friday, 8:00 to 18:00</p></div>
  <div><h4>Find us</h4><p>12 River Street, Springfield</p></div>
  <p>© 2025 Riverside Neurology Clinic. All rights reserved. <a href="/privacy">Privacy policy</a>
  · <a href="/terms">Terms of use</a></p>
</footer>
"""


def to_html(document: Document, *, canonical: str | None = None, charset: str = "utf-8") -> str:
    """A full web page: menu, cookie banner, breadcrumbs, the article, comments and footer."""
    body = [f"<h1>{html.escape(document.title)}</h1>"]
    for part in parts(document):
        if part.kind == "heading":
            level = min(part.level, 6)
            body.append(f"<h{level}>{html.escape(part.text)}</h{level}>")
        elif part.kind == "list":
            items = "".join(f"<li>{html.escape(item)}</li>" for item in list_items(part.text))
            body.append(f"<ul>{items}</ul>")
        else:
            body.append(f"<p>{html.escape(part.text)}</p>")
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:site_name" content="Riverside Neurology Clinic">
<title>{html.escape(document.title)} | Riverside Neurology Clinic</title>{link}
<script>window.dataLayer = window.dataLayer || [];</script>
<style>.cookie-consent {{ position: fixed; bottom: 0; }}</style>
</head><body>
{CHROME_TOP}
<main id="content"><article class="post">
<div class="post-meta">Posted on 28 September 2025 by the clinic team</div>
{chr(10).join(body)}
</article>
{CHROME_BOTTOM}</main>
<aside class="sidebar"><h3>Related articles</h3><ul><li><a href="/tn">Trigeminal neuralgia explained</a></li>
<li><a href="/bp">Bell's palsy: what to expect</a></li></ul></aside>
{FOOTER}
</body></html>
"""


def _latin(text: str) -> str:
    """Text the PDF core fonts can draw (windows-1252)."""
    return text.encode("cp1252", "replace").decode("cp1252")


def to_pdf(document: Document, path: Path, *, header: str = RUNNING_HEADER) -> int:
    """A leaflet: running header, 'Page N of M' footer, larger bold headings. Returns the page count."""
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(document.title)

    def draw_header() -> None:
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 5, _latin(header), align="C")
        pdf.ln(9)

    def draw_footer() -> None:
        pdf.set_y(-12)
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 8, f"Page {pdf.page_no()} of {{nb}}", align="C")

    pdf.header = draw_header  # type: ignore[method-assign]
    pdf.footer = draw_footer  # type: ignore[method-assign]
    pdf.add_page()

    def write(text: str, size: float, style: str = "", *, before: float = 0.0, after: float = 0.0) -> None:
        if before:
            pdf.ln(before)
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, size * 0.5, _latin(text), new_x="LMARGIN", new_y="NEXT")
        if after:
            pdf.ln(after)

    write(document.title, 16, "B", after=3)
    sizes = {2: 13.0, 3: 11.5}
    for part in parts(document):
        if part.kind == "heading":
            write(part.text, sizes.get(part.level, 11.5), "B", before=3, after=1.5)
        elif part.kind == "list":
            for item in list_items(part.text):
                write(f"\u2022 {item}", 10)
            pdf.ln(2.5)
        else:
            write(part.text, 10, after=2.5)
    pdf.output(str(path))
    return pdf.page_no()


def to_docx(document: Document, path: Path, *, table: list[list[str]] | None = None) -> None:
    """A Word file: Title style, Heading N styles, List Bullet items, optionally a table at the end."""
    import docx

    out = docx.Document()
    out.add_heading(document.title, 0)
    for part in parts(document):
        if part.kind == "heading":
            out.add_heading(part.text, part.level)
        elif part.kind == "list":
            for item in list_items(part.text):
                out.add_paragraph(item, style="List Bullet")
        else:
            out.add_paragraph(part.text)
    if table:
        grid = out.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out.save(str(path))


#: Questions whose answers sit in different sections of the two documents.
QUESTIONS = (
    "How long does Botox last?",
    "What are the risks of MVD?",
    "What causes hemifacial spasm?",
    "Which medications are used for hemifacial spasm?",
    "How long is the hospital stay after MVD?",
    "What is the success rate of microvascular decompression?",
    "How is hemifacial spasm diagnosed?",
    "What are the symptoms?",
    "Can lifestyle changes help?",
    "What is a Teflon pad used for?",
    "Is there a risk of hearing loss?",
)


def sentences(text: str) -> set[str]:
    """Normalised sentences and list items of a passage (bullets and spacing ignored)."""
    import re

    out = set()
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+", "", line)
        for piece in re.split(r"(?<=[.!?])\s+", line):
            piece = " ".join(piece.split()).lower()
            if len(piece) > 15:
                out.add(piece)
    return out


def shares_content(passage_text: str, others: list[str]) -> bool:
    wanted = sentences(passage_text)
    return any(wanted & sentences(other) for other in others)


def write_corpus(folder: Path, suffix: str, source: Path) -> list[Path]:
    """The bundled Markdown documents rendered as ``suffix`` files in ``folder`` (made if missing)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for md in sorted(source.glob("*.md")):
        document = markdown_document(md)
        target = folder / f"{md.stem}.{suffix}"
        if suffix == "html":
            target.write_text(to_html(document, canonical=f"https://clinic.example/hfs/{md.stem}"), encoding="utf-8")
        elif suffix == "pdf":
            to_pdf(document, target)
        elif suffix == "docx":
            to_docx(document, target)
        else:
            raise ValueError(suffix)
        written.append(target)
    shutil.copy(source / "synonyms.yaml", folder / "synonyms.yaml")
    return written


def corpus_fixtures(suffix: str) -> tuple[Any, Any]:
    """Module-scoped fixtures ``<suffix>_dir`` (the bundled corpus written as ``suffix`` files) and
    ``<suffix>_bot`` (a Bot on it), for a test module to bind: ``docx_dir, docx_bot = corpus_fixtures("docx")``."""

    @pytest.fixture(scope="module", name=f"{suffix}_dir")
    def folder(tmp_path_factory: pytest.TempPathFactory, bundled_corpus: Path) -> Path:
        corpus = tmp_path_factory.mktemp(suffix) / "corpus"
        write_corpus(corpus, suffix, bundled_corpus)
        return corpus

    @pytest.fixture(scope="module", name=f"{suffix}_bot")
    def bot(request: pytest.FixtureRequest) -> Bot:
        return Bot.from_settings(Settings(corpus=request.getfixturevalue(f"{suffix}_dir")))

    return folder, bot
