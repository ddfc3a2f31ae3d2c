"""PDF leaflets: headings from the layout, page numbers, running headers and footers removed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import docx
import pypdf
import pytest
from docgen import (
    CHROME_PHRASES,
    QUESTIONS,
    corpus_fixtures,
    markdown_document,
    shares_content,
    to_html,
    to_pdf,
)

from chatbot.api.app import create_app
from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.documents.load import load_corpus, read_document
from chatbot.documents.passages import split
from chatbot.errors import CorpusError

pdf_dir, pdf_bot = corpus_fixtures("pdf")


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def test_fixtures_are_multi_page_with_a_running_header(pdf_dir: Path) -> None:
    reader = pypdf.PdfReader(pdf_dir / "hfs-microvascular-decompression.pdf")
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Riverside Neurology Clinic" in text
        assert f"Page {number} of {len(reader.pages)}" in text


def test_every_passage_has_the_page_it_is_printed_on(pdf_dir: Path) -> None:
    for path in sorted(pdf_dir.glob("*.pdf")):
        reader = pypdf.PdfReader(path)
        page_texts = [squash(page.extract_text()) for page in reader.pages]
        document = read_document(path)
        passages = split(document)
        assert passages
        assert {p.page for p in passages} == set(range(1, len(page_texts) + 1))
        for passage in passages:
            assert isinstance(passage.page, int)
            first_words = squash(" ".join(passage.text.split()[:8]).lstrip("-• "))
            assert first_words in page_texts[passage.page - 1], (path.name, passage.page, passage.text[:60])
            assert document.text[passage.start : passage.end] == passage.text


def test_headings_come_from_font_size_and_weight(pdf_dir: Path, bundled_corpus: Path) -> None:
    for name in ("hfs-treatment-options", "hfs-microvascular-decompression"):
        leaflet = read_document(pdf_dir / f"{name}.pdf")
        original = markdown_document(bundled_corpus / f"{name}.md")
        assert leaflet.title == original.title
        assert [h.path[1:] for h in leaflet.headings] == [h.path[1:] for h in original.headings]
        assert all(h.page is not None for h in leaflet.headings)
        assert "list" in {b.kind for b in leaflet.blocks}


def test_running_header_and_page_numbers_are_removed(pdf_bot: Bot) -> None:
    assert len(pdf_bot.corpus.documents) == 2
    for document in pdf_bot.corpus.documents:
        assert "Page N of N" in document.metadata["dropped"]
        assert not re.search(r"Page \d+ of \d+", document.text)
    for passage in pdf_bot.passages:
        for phrase in CHROME_PHRASES + ("Riverside",):
            assert phrase.lower() not in passage.search_text.lower(), (phrase, passage.id)


@pytest.mark.parametrize("question", QUESTIONS)
def test_same_questions_find_the_same_content_as_markdown(question: str, bot: Bot, pdf_bot: Bot) -> None:
    expected = bot.rank(question, top_k=3).hits
    found = pdf_bot.rank(question, top_k=3).hits
    assert found, question
    # Page breaks split a section into two passages, so the order among the top 3 may differ.
    assert shares_content(expected[0].passage.text, [hit.passage.text for hit in found])
    assert shares_content(found[0].passage.text, [hit.passage.text for hit in expected])


def test_citations_carry_the_page(pdf_bot: Bot) -> None:
    reply = pdf_bot.ask("How long is the hospital stay after MVD?")
    assert reply.passages
    for cited in reply.passages:
        assert isinstance(cited.citation.page, int) and cited.citation.page >= 1
        assert f", p. {cited.citation.page}" in cited.citation.display()
    body = json.loads(json.dumps(reply.to_dict()))
    assert all(isinstance(p["citation"]["page"], int) for p in body["passages"])


def test_running_header_equal_to_the_title_keeps_the_title(tmp_path: Path, bundled_corpus: Path) -> None:
    document = markdown_document(bundled_corpus / "hfs-microvascular-decompression.md")
    path = tmp_path / "leaflet.pdf"
    to_pdf(document, path, header=document.title)
    leaflet = read_document(path)
    assert leaflet.title == document.title
    assert [h.path[1:] for h in leaflet.headings] == [h.path[1:] for h in document.headings]
    assert all(document.title not in passage.text for passage in split(leaflet))


def test_layout_without_headings_gives_a_section_per_page(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    topics = ("Botulinum toxin injections", "Microvascular decompression", "Carbamazepine tablets")
    for topic in topics:
        pdf.add_page()
        sentence = f"{topic} are one of the treatments for hemifacial spasm that we discuss with patients. "
        pdf.multi_cell(0, 6, sentence * 6, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "plain.pdf"
    pdf.output(str(path))
    leaflet = read_document(path)
    assert [h.path[1:] for h in leaflet.headings] == [("Page 1",), ("Page 2",), ("Page 3",)]
    passages = split(leaflet)
    assert [p.page for p in passages] == [1, 2, 3]
    assert [p.text.split(" are ")[0] for p in passages] == list(topics)


def test_scanned_pdf_without_text_is_an_error(tmp_path: Path) -> None:
    from fpdf import FPDF
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("L", (200, 280), color=235).save(image)
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(str(image), x=10, y=10, w=180)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(CorpusError, match="no text found; OCR is not supported") as caught:
        read_document(path)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("truncated.pdf", lambda raw: raw[: len(raw) * 2 // 3]),
        ("middle-cut.pdf", lambda raw: raw[: len(raw) // 3] + raw[len(raw) // 2 :]),
        ("not-a-pdf.pdf", lambda raw: b"Hello, this is a text file saved with the wrong name.\n"),
        ("empty.pdf", lambda raw: b""),
    ],
)
def test_damaged_pdf_is_named_and_the_rest_loads(tmp_path: Path, pdf_dir: Path, name: str, damage: object) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    good = (pdf_dir / "hfs-treatment-options.pdf").read_bytes()
    (folder / "good.pdf").write_bytes(good)
    assert callable(damage)
    (folder / name).write_bytes(damage(good))
    corpus = load_corpus(folder)
    assert [d.id for d in corpus.documents] == ["good"]
    assert [e.path for e in corpus.errors] == [folder / name]
    assert name in str(corpus.errors[0])


def test_a_folder_of_html_pdf_and_docx_is_served_with_page_citations(tmp_path: Path, bundled_corpus: Path) -> None:
    """As a new user would: three formats in one folder, answered over the API with "p. N" citations."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    treatment = markdown_document(bundled_corpus / "hfs-treatment-options.md")
    (folder / "treatment.html").write_text(to_html(treatment, canonical="https://clinic.example/hfs"), encoding="utf-8")
    to_pdf(markdown_document(bundled_corpus / "hfs-microvascular-decompression.md"), folder / "mvd-leaflet.pdf")
    word = docx.Document()
    word.add_heading("After your operation", 0)
    word.add_heading("Wound care", 1)
    word.add_paragraph("Keep the wound behind your ear dry for five days after microvascular decompression.")
    word.save(str(folder / "after-surgery.docx"))
    settings = Settings(corpus=folder, rate_limit="off")
    client = create_app(settings, bot=Bot.from_settings(settings)).test_client()
    pages = [squash(page.extract_text()) for page in pypdf.PdfReader(folder / "mvd-leaflet.pdf").pages]

    body = client.post("/api/chat", json={"message": "How long is the hospital stay after MVD?"}).get_json()
    cited = [p for p in body["passages"] if p["citation"]["document_id"] == "mvd-leaflet"]
    assert cited
    for passage in cited:
        page = passage["citation"]["page"]
        assert isinstance(page, int)
        assert squash(" ".join(passage["text"].split()[:6]).lstrip("-• ")) in pages[page - 1]

    body = client.post("/api/chat", json={"message": "How long does Botox last?"}).get_json()
    html = [p["citation"] for p in body["passages"] if p["citation"]["document_id"] == "treatment"]
    assert html and html[0]["page"] is None and html[0]["source"] == "https://clinic.example/hfs"

    body = client.post("/api/chat", json={"message": "How long must I keep the wound dry?"}).get_json()
    assert body["passages"][0]["citation"]["document"] == "After your operation"
    assert body["passages"][0]["citation"]["section"] == "Wound care"


def test_passage_ids_are_stable_when_other_documents_change(tmp_path: Path, pdf_dir: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(pdf_dir / "hfs-treatment-options.pdf", folder / "leaflet.pdf")
    before = [p.id for p in Bot.from_settings(Settings(corpus=folder)).passages]
    (folder / "another.md").write_text("# Parking\n\nVisitors park on Willow Lane for free.\n", encoding="utf-8")
    after = [p.id for p in Bot.from_settings(Settings(corpus=folder)).passages if p.document_id == "leaflet"]
    assert before == after
    assert len(set(before)) == len(before)
    assert all(passage_id.startswith("leaflet:") for passage_id in before)
