"""File readers: Markdown, plain text and FAQ collections (.jsonl, .csv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.documents.load import read_document
from chatbot.documents.model import Document
from chatbot.errors import CorpusError


def write(tmp_path: Path, name: str, text: str) -> Document:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def block_texts(document: Document) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in document.blocks]


# --- Markdown ---------------------------------------------------------------


def test_markdown_front_matter_title_and_heading_levels(tmp_path: Path) -> None:
    doc = write(
        tmp_path,
        "leaflet.md",
        "---\ntitle: Leaflet\nauthor: Dr Who\ndate: 2024-01-02\n---\n\n# Leaflet\n\nIntro.\n\n"
        "## Surgery\n\n### Risks\n\nSome risks.\n\n## Botox\n\nLasts months.\n",
    )
    assert doc.title == "Leaflet"
    assert doc.metadata == {"title": "Leaflet", "author": "Dr Who", "date": "2024-01-02"}
    assert [h.path for h in doc.headings] == [
        ("Leaflet", "Surgery"),
        ("Leaflet", "Surgery", "Risks"),
        ("Leaflet", "Botox"),
    ]
    assert [b.section_path for b in doc.blocks] == [("Leaflet",), ("Leaflet", "Surgery", "Risks"), ("Leaflet", "Botox")]
    for heading in doc.headings:
        assert doc.text[heading.start : heading.end].lstrip("#").strip() == heading.path[-1]


def test_markdown_title_from_first_heading_else_file_name(tmp_path: Path) -> None:
    assert write(tmp_path, "a.md", "# From Heading\n\nText.\n").title == "From Heading"
    assert write(tmp_path, "about_botox-injections.md", "Just text.\n").title == "About botox injections"


def test_markdown_lists_and_paragraphs(tmp_path: Path) -> None:
    doc = write(
        tmp_path,
        "a.md",
        "# T\n\nSymptoms include:\n- eye twitching\n- cheek twitching\n  that spreads\n\n"
        "1. first\n2) second\n\nDone.\n",
    )
    assert block_texts(doc) == [
        ("paragraph", "Symptoms include:"),
        ("list", "- eye twitching\n- cheek twitching\n  that spreads"),
        ("list", "1. first\n2) second"),
        ("paragraph", "Done."),
    ]


def test_markdown_headings_inside_code_fences_are_text(tmp_path: Path) -> None:
    doc = write(tmp_path, "a.md", "# T\n\n```\n# not a heading\n```\n\n## Real\n\nText.\n")
    assert [h.path[-1] for h in doc.headings] == ["Real"]


def test_markdown_closing_hashes_are_not_part_of_the_heading(tmp_path: Path) -> None:
    doc = write(tmp_path, "a.md", "# T\n\n## Risks ##\n\nText.\n")
    assert doc.headings[0].path == ("T", "Risks")


# --- plain text -------------------------------------------------------------


def test_text_headings_bullets_and_numbered_subheadings(tmp_path: Path) -> None:
    doc = write(
        tmp_path,
        "leaflet.txt",
        "Facial Spasm Leaflet\n\nThis leaflet explains the condition in plain words for patients.\n\n"
        "Treatment Options\n\n1. Medicines\n\nSome tablets help:\n\n  • Carbamazepine\n  • Clonazepam\n\n"
        "2. Surgery\n\nAn operation moves the artery.\n",
    )
    assert doc.title == "Facial Spasm Leaflet"
    assert [h.path[1:] for h in doc.headings] == [
        ("Treatment Options",),
        ("Treatment Options", "1. Medicines"),
        ("Treatment Options", "2. Surgery"),
    ]
    kinds = [(b.kind, b.section_path[-1]) for b in doc.blocks]
    assert ("list", "1. Medicines") in kinds
    items = next(b for b in doc.blocks if b.kind == "list")
    assert items.text == "• Carbamazepine\n  • Clonazepam"


@pytest.mark.parametrize(
    "line",
    [
        "This sentence ends with a full stop.",
        "a lowercase line is not a heading",
        "Ends with a comma,",
        "Symptoms include:",
        "A heading-like line that is far too long to be a heading because it keeps going and going on",
    ],
)
def test_text_lines_that_are_not_headings(tmp_path: Path, line: str) -> None:
    doc = write(tmp_path, "a.txt", f"Title\n\nFirst paragraph of text.\n\n{line}\n\nMore text follows here.\n")
    assert doc.headings == ()


@pytest.mark.parametrize(
    "chrome",
    [
        "More>Health>Recovery",
        "Home » Conditions » Face",
        "Comments (12)",
        "Login is required before commenting.",
        "Sign in to comment",
        "LifeIsBeauti2025-09-28 09:15:02",
    ],
)
def test_text_web_page_chrome_is_dropped_and_recorded(tmp_path: Path, chrome: str) -> None:
    doc = write(tmp_path, "a.txt", f"{chrome}\n\nTitle Here\n\nBody text about spasm.\n\n{chrome}\n")
    assert doc.title == "Title Here"
    assert all(chrome not in b.text for b in doc.blocks)
    assert chrome in doc.metadata["dropped"]


def test_text_offsets_point_into_the_file(tmp_path: Path) -> None:
    doc = write(tmp_path, "a.txt", "Title\n\n   Indented body text.\n\n  • item one\n  • item two\n")
    source = (tmp_path / "a.txt").read_text(encoding="utf-8")
    for block in doc.blocks:
        assert source[block.start : block.end] == block.text
    assert doc.blocks[0].text == "Indented body text."


# --- FAQ collections ----------------------------------------------------------


def test_jsonl_rows_with_optional_fields(tmp_path: Path) -> None:
    doc = write(
        tmp_path,
        "clinic_faq.jsonl",
        '{"id": 7, "question": "Where do I park?", "answer": "Visitor car park.", "title": "Parking", '
        '"url": "https://clinic.example/parking"}\n\n{"question": "Can I eat before?", "answer": "No."}\n',
    )
    assert doc.format == "faq"
    assert doc.title == "Clinic faq"
    first, second = doc.blocks
    assert (first.row_id, first.question, first.text, first.url) == (
        "7",
        "Where do I park?",
        "Visitor car park.",
        "https://clinic.example/parking",
    )
    assert first.section_path == ("Clinic faq", "Parking")
    assert second.section_path == ("Clinic faq", "Can I eat before?")
    assert second.row_id is not None and second.row_id.startswith("q-")
    source = (tmp_path / "clinic_faq.jsonl").read_text(encoding="utf-8")
    assert source[first.start : first.end].startswith('{"id": 7')


def test_csv_rows_header_case_and_multiline_answers(tmp_path: Path) -> None:
    doc = write(
        tmp_path,
        "faq.csv",
        'ID,Question,Answer\nparking,Where do I park?,"In the visitor car park,\nlevel 2."\n\n'
        "food,Can I eat before?,No.\n",
    )
    assert [(b.row_id, b.text) for b in doc.blocks] == [
        ("parking", "In the visitor car park,\nlevel 2."),
        ("food", "No."),
    ]
    source = (tmp_path / "faq.csv").read_text(encoding="utf-8")
    first = 'parking,Where do I park?,"In the visitor car park,\nlevel 2."'
    assert source[doc.blocks[0].start : doc.blocks[0].end] == first
    assert source[doc.blocks[1].start : doc.blocks[1].end] == "food,Can I eat before?,No."


def test_duplicate_jsonl_ids_name_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "faq.jsonl"
    path.write_text(
        '{"id": "a", "question": "A?", "answer": "a."}\n{"id": "a", "question": "B?", "answer": "b."}\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match="first used on line 1") as caught:
        read_document(path)
    assert caught.value.line == 2


def test_unsupported_suffix_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.xyz"
    path.write_text("text", encoding="utf-8")
    with pytest.raises(CorpusError, match="unsupported file type"):
        read_document(path)
