"""Loading a corpus folder: documents, bad files reported with file and line, empty folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.clinic import bundled_corpus_dir
from chatbot.documents.load import load_corpus, read_document
from chatbot.documents.model import slugify
from chatbot.errors import CorpusError, EmptyCorpusError

GOOD = "# Good leaflet\n\n## Botox\n\nBotox injections relax the twitching muscles for about three months.\n"


def test_bundled_corpus_holds_both_documents_with_front_matter() -> None:
    corpus = load_corpus(bundled_corpus_dir())
    assert not corpus.errors
    by_id = {d.id: d for d in corpus.documents}
    assert set(by_id) == {"hfs-microvascular-decompression", "hfs-treatment-options"}
    mvd, options = by_id["hfs-microvascular-decompression"], by_id["hfs-treatment-options"]
    assert mvd.title == "Hemifacial Spasm (HFS) and Microvascular Decompression (MVD)"
    assert mvd.metadata["original_file"] == "000_367aaa7bdef5139c.txt"
    assert options.metadata["author"] == "LifeIsBeauti"
    assert options.metadata["date"] == "2025-09-28"
    assert "Comments (0)" in options.metadata["dropped"]
    # front matter and web-page chrome are not in any block
    for document in corpus.documents:
        for block in document.blocks:
            assert "original_file" not in block.text
            assert "Login is required" not in block.text


def test_synonyms_and_readme_are_not_documents(tmp_path: Path) -> None:
    (tmp_path / "leaflet.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "synonyms.yaml").write_text("concepts: {}\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# How to edit this folder\n\nText.\n", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / ".chatbot-index").mkdir()
    (tmp_path / ".chatbot-index" / "x.md").write_text(GOOD, encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["leaflet"]
    assert not corpus.errors


def test_unsupported_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "leaflet.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "photo.xyz").write_bytes(b"\x89PNG")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["leaflet"]
    assert any("photo.xyz" in w and "unsupported" in w for w in corpus.warnings)


def test_documents_in_subfolders_load_and_ids_are_unique(tmp_path: Path) -> None:
    (tmp_path / "leaflet.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "leaflet.txt").write_text("Leaflet\n\nPlain text version of the leaflet.\n", encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "leaflet.md").write_text(GOOD, encoding="utf-8")
    ids = [d.id for d in load_corpus(tmp_path).documents]
    assert len(ids) == 3
    assert len(set(ids)) == 3


def test_a_single_file_can_be_the_corpus(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("question,answer\nWhere do I park?,In the visitor car park.\n", encoding="utf-8")
    corpus = load_corpus(path)
    assert [d.id for d in corpus.documents] == ["faq"]


def test_byte_order_mark_and_windows_line_ends_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "leaflet.md"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    document = read_document(path)
    assert document.title == "Good leaflet"
    assert "\r" not in document.text
    assert [h.path[-1] for h in document.headings] == ["Botox"]


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        ("latin1.md", "# T\n\nOK line\n\nCaf\xe9 cr\xe8me\n".encode("latin-1"), 5, "not UTF-8"),
        ("latin1.txt", b"Title\n\nThe caf\xe9 is open.\n", 3, "not UTF-8"),
        ("binary.md", b"# T\n\nText\x00more\n", 3, "NUL"),
        ("front.md", b"---\ntitle: [unclosed\n---\n\nBody.\n", 2, "front matter"),
        ("open.md", b"---\ntitle: No end\n\nBody.\n", 1, "no closing"),
        ("nested.md", b"---\ntitle: T\nauthors:\n  - a\n  - b\n---\n\nBody.\n", 3, "single value"),
        ("noanswer.csv", b"question,answer\nWhere?,Here.\nWhat time?,\n", 3, "no 'answer'"),
        ("noquestion.csv", b"question,answer\n,Here.\n", 2, "no 'question'"),
        ("header.csv", b"q,a\nWhere?,Here.\n", 1, "answer"),
        ("extra.csv", b"question,answer\nWhere?,Here.,surplus\n", 2, "more fields"),
        ("dupe.csv", b"id,question,answer\n1,A?,a.\n1,B?,b.\n", 3, "duplicate id"),
        ("broken.jsonl", b'{"question": "A?", "answer": "a."}\n{"question": "B?", \n', 2, "not a JSON object"),
        ("list.jsonl", b'["question", "answer"]\n', 1, "JSON object"),
        ("noanswer.jsonl", b'{"question": "A?", "answer": "a."}\n\n{"question": "B?"}\n', 3, "no 'answer'"),
        ("type.jsonl", b'{"question": "A?", "answer": ["a"]}\n', 1, "must be text"),
    ],
)
def test_a_bad_file_is_named_with_its_line_and_the_rest_still_loads(
    tmp_path: Path, name: str, content: bytes, line: int, reason: str
) -> None:
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["good"]
    assert len(corpus.errors) == 1
    error = corpus.errors[0]
    assert isinstance(error, CorpusError)
    assert error.path.name == name
    assert error.line == line
    assert reason in error.reason
    assert str(error).startswith(f"{tmp_path / name}:{line}: ")


def test_a_csv_answer_may_span_lines_and_later_errors_keep_their_line(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text('question,answer\nA?,"line one\nline two"\nB?,\n', encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        read_document(path)
    assert caught.value.line == 4


def test_a_document_with_no_text_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty.md").write_text("---\ntitle: Nothing\n---\n\n## Heading only\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [e.path.name for e in corpus.errors] == ["empty.md"]
    assert "no text" in corpus.errors[0].reason


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EmptyCorpusError, match="does not exist") as caught:
        load_corpus(tmp_path / "nowhere")
    assert caught.value.path == tmp_path / "nowhere"


def test_an_empty_folder_is_an_error_never_an_empty_bot(tmp_path: Path) -> None:
    with pytest.raises(EmptyCorpusError, match="no documents found"):
        load_corpus(tmp_path)


def test_a_folder_where_every_file_fails_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(EmptyCorpusError, match="no document could be loaded") as caught:
        load_corpus(tmp_path)
    assert "bad.md" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Hémifacial Spasm", "hemifacial-spasm"), ("Risks & Complications", "risks-complications"), ("***", "x")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
