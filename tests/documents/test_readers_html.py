"""HTML pages: main content only, headings and lists kept, <title> and canonical URL cited."""

from __future__ import annotations

from pathlib import Path

import pytest
from docgen import CHROME_PHRASES, QUESTIONS, corpus_fixtures, markdown_document, shares_content, to_html

from chatbot.bot import Bot
from chatbot.documents.load import load_corpus, read_document
from chatbot.documents.passages import split
from chatbot.errors import CorpusError

html_dir, html_bot = corpus_fixtures("html")


def test_title_and_canonical_url_become_the_citation(html_dir: Path, bundled_corpus: Path) -> None:
    page = read_document(html_dir / "hfs-treatment-options.html")
    original = markdown_document(bundled_corpus / "hfs-treatment-options.md")
    assert page.format == "html"
    assert page.title == original.title  # "| Riverside Neurology Clinic" (og:site_name) dropped
    assert page.source == "https://clinic.example/hfs/hfs-treatment-options"
    passages = split(page)
    assert passages
    assert {p.source for p in passages} == {"https://clinic.example/hfs/hfs-treatment-options"}
    assert all(p.page is None for p in passages)


def test_headings_and_lists_are_kept_as_sections(html_dir: Path, bundled_corpus: Path) -> None:
    for name in ("hfs-treatment-options", "hfs-microvascular-decompression"):
        page = read_document(html_dir / f"{name}.html")
        original = markdown_document(bundled_corpus / f"{name}.md")
        assert [h.path[1:] for h in page.headings] == [h.path[1:] for h in original.headings]
        assert [b.kind for b in page.blocks] == [b.kind for b in original.blocks]
        assert [b.section_path[1:] for b in page.blocks] == [b.section_path[1:] for b in original.blocks]


def test_offsets_point_into_the_document_text(html_dir: Path) -> None:
    page = read_document(html_dir / "hfs-microvascular-decompression.html")
    for passage in split(page):
        assert page.text[passage.start : passage.end] == passage.text
    for heading in page.headings:
        assert page.text[heading.start : heading.end] == heading.path[-1]


def test_no_site_chrome_in_any_passage(html_bot: Bot) -> None:
    assert len(html_bot.corpus.documents) == 2
    for passage in html_bot.passages:
        for phrase in CHROME_PHRASES + ("Our team", "Related articles", "Posted on", "Leave a reply", "Opening hours"):
            assert phrase.lower() not in passage.search_text.lower(), (phrase, passage.id)


@pytest.mark.parametrize("question", QUESTIONS)
def test_same_questions_find_the_same_content_as_markdown(question: str, bot: Bot, html_bot: Bot) -> None:
    expected = bot.rank(question, top_k=3).hits
    found = html_bot.rank(question, top_k=3).hits
    assert found, question
    assert found[0].passage.section_path[1:] == expected[0].passage.section_path[1:]
    assert shares_content(expected[0].passage.text, [found[0].passage.text])


def test_page_without_canonical_or_site_name(tmp_path: Path, bundled_corpus: Path) -> None:
    document = markdown_document(bundled_corpus / "hfs-treatment-options.md")
    page = to_html(document).replace('<meta property="og:site_name" content="Riverside Neurology Clinic">', "")
    path = tmp_path / "treatment.htm"
    path.write_text(page, encoding="utf-8")
    read = read_document(path)
    assert read.source == "treatment.htm"
    assert read.title == f"{document.title} | Riverside Neurology Clinic"


def test_declared_charset_is_used(tmp_path: Path, bundled_corpus: Path) -> None:
    document = markdown_document(bundled_corpus / "hfs-treatment-options.md")
    page = to_html(document, charset="windows-1252").replace("Carbamazepine", "Carbamazépine")
    path = tmp_path / "legacy.html"
    path.write_bytes(page.encode("cp1252"))
    read = read_document(path)
    assert "Carbamazépine" in read.text
    assert "85–90%" in read.text  # en dash from cp1252 byte 0x96


def test_undeclared_non_utf8_names_the_file_and_line(tmp_path: Path, bundled_corpus: Path) -> None:
    document = markdown_document(bundled_corpus / "hfs-treatment-options.md")
    page = to_html(document).replace('<meta charset="utf-8">', "")
    path = tmp_path / "latin.html"
    path.write_bytes(page.encode("cp1252"))
    with pytest.raises(CorpusError) as caught:
        read_document(path)
    assert caught.value.path == path
    assert caught.value.line is not None
    assert "charset" in str(caught.value)


def test_table_rows_become_text(tmp_path: Path) -> None:
    intro = "<p>" + "Botulinum toxin injections relax the muscles that twitch in hemifacial spasm. " * 4 + "</p>"
    table = (
        "<table><tr><th>Treatment</th><th>How long it helps</th></tr>"
        "<tr><td>Botox injections</td><td>3 to 4 months</td></tr>"
        "<tr><td>Microvascular decompression</td><td>Usually permanent</td></tr></table>"
    )
    path = tmp_path / "table.html"
    path.write_text(
        f"<html><head><title>Treatments compared</title></head><body><article><h1>Treatments compared</h1>"
        f"{intro}<h2>At a glance</h2>{table}</article></body></html>",
        encoding="utf-8",
    )
    page = read_document(path)
    assert page.title == "Treatments compared"
    rows = [b for b in page.blocks if b.section_path[1:] == ("At a glance",)]
    assert rows and rows[0].kind == "list"
    assert "- Treatment: Botox injections; How long it helps: 3 to 4 months" in rows[0].text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("binary.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("menu-only.html", b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
         "no main content"),
        ("bad-charset.html", b"<html><head><meta charset='klingon-8'></head><body><p>x</p></body></html>", "charset"),
    ],
)
def test_unreadable_page_is_named_and_the_rest_loads(
    tmp_path: Path, html_dir: Path, name: str, content: bytes, reason: str
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.html").write_bytes((html_dir / "hfs-treatment-options.html").read_bytes())
    (folder / name).write_bytes(content)
    corpus = load_corpus(folder)
    assert [d.id for d in corpus.documents] == ["good"]
    assert len(corpus.errors) == 1
    assert corpus.errors[0].path == folder / name
    assert name in str(corpus.errors[0])
    assert reason in str(corpus.errors[0])
