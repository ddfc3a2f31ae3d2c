"""Word documents: headings by paragraph style, list paragraphs as lists, tables as text."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docgen import QUESTIONS, corpus_fixtures, markdown_document, shares_content, to_docx

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.documents.load import load_corpus, read_document
from chatbot.documents.passages import split
from chatbot.errors import CorpusError

TABLE = [
    ["Treatment", "How long it helps", "Main drawback"],
    ["Botox injections", "3 to 4 months", "Must be repeated"],
    ["Microvascular decompression", "Usually permanent", "Brain surgery with rare risks"],
]


docx_dir, docx_bot = corpus_fixtures("docx")


def test_headings_by_style_and_lists(docx_dir: Path, bundled_corpus: Path) -> None:
    for name in ("hfs-treatment-options", "hfs-microvascular-decompression"):
        document = read_document(docx_dir / f"{name}.docx")
        original = markdown_document(bundled_corpus / f"{name}.md")
        assert document.format == "docx"
        assert document.title == original.title  # the Title-style paragraph
        assert document.source == f"{name}.docx"
        assert [h.path[1:] for h in document.headings] == [h.path[1:] for h in original.headings]
        assert [b.kind for b in document.blocks] == [b.kind for b in original.blocks]
        for passage in split(document):
            assert document.text[passage.start : passage.end] == passage.text


@pytest.mark.parametrize("question", QUESTIONS)
def test_same_questions_find_the_same_content_as_markdown(question: str, bot: Bot, docx_bot: Bot) -> None:
    expected = bot.rank(question, top_k=3).hits
    found = docx_bot.rank(question, top_k=3).hits
    assert found, question
    assert found[0].passage.section_path[1:] == expected[0].passage.section_path[1:]
    assert shares_content(expected[0].passage.text, [found[0].passage.text])


def test_tables_become_searchable_rows(tmp_path: Path, bundled_corpus: Path) -> None:
    original = markdown_document(bundled_corpus / "hfs-treatment-options.md")
    path = tmp_path / "with-table.docx"
    to_docx(original, path, table=TABLE)
    document = read_document(path)
    rows = document.blocks[-1]
    assert rows.kind == "list"
    assert rows.text.splitlines() == [
        "- Treatment: Botox injections; How long it helps: 3 to 4 months; Main drawback: Must be repeated",
        "- Treatment: Microvascular decompression; How long it helps: Usually permanent; "
        "Main drawback: Brain surgery with rare risks",
    ]
    bot = Bot.from_settings(Settings(corpus=path))
    hits = bot.rank("main drawback of Botox injections", top_k=1).hits
    assert hits and "Must be repeated" in hits[0].passage.text


def test_core_title_and_numbered_lists(tmp_path: Path) -> None:
    out = docx.Document()
    out.core_properties.title = "After your operation"
    out.add_heading("Going home", 1)
    out.add_paragraph("Most patients leave hospital two or three days after microvascular decompression.")
    for step in ("Keep the wound dry for five days.", "Do not drive for four weeks.", "Call us if you get a fever."):
        out.add_paragraph(step, style="List Number")
    path = tmp_path / "after.docx"
    out.save(str(path))
    document = read_document(path)
    assert document.title == "After your operation"
    assert [h.path for h in document.headings] == [("After your operation", "Going home")]
    numbered = [b for b in document.blocks if b.kind == "list"]
    assert numbered[0].text.splitlines()[0] == "1. Keep the wound dry for five days."
    assert numbered[0].text.splitlines()[2] == "3. Call us if you get a fever."


def _zip_without_document(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "this zip is not a Word document")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("plain-zip.docx", _zip_without_document),
        ("text.docx", lambda path: path.write_text("not a zip at all", encoding="utf-8")),
        ("truncated.docx", None),
        ("empty.docx", lambda path: docx.Document().save(str(path))),
    ],
)
def test_unreadable_docx_is_named_and_the_rest_loads(tmp_path: Path, docx_dir: Path, name: str, make: object) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    good = (docx_dir / "hfs-treatment-options.docx").read_bytes()
    (folder / "good.docx").write_bytes(good)
    bad = folder / name
    if make is None:
        bad.write_bytes(good[: len(good) // 2])
    else:
        assert callable(make)
        make(bad)
    corpus = load_corpus(folder)
    assert [d.id for d in corpus.documents] == ["good"]
    assert [e.path for e in corpus.errors] == [bad]
    assert name in str(corpus.errors[0])
    with pytest.raises(CorpusError):
        read_document(bad)
