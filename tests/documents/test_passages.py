"""The splitter: sections, offsets, sentence and list integrity, stable ids."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from chatbot.documents.load import load_corpus, read_document
from chatbot.documents.model import Document
from chatbot.documents.passages import Passage, SplitOptions, split, split_all, split_sentences

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$", re.MULTILINE)


def markdown_headings(document: Document) -> list[str]:
    """Heading names as written in the Markdown file, without the title heading."""
    body = document.text.split("\n---\n", 1)[1] if document.text.startswith("---\n") else document.text
    names = [name for _hashes, name in _MD_HEADING.findall(body)]
    return [name for name in names if name != document.title]


def section_bounds(document: Document, passage: Passage) -> tuple[int, int]:
    """Where the passage's own section text may lie: after its heading, before the next one."""
    headings = sorted(document.headings, key=lambda h: h.start)
    if len(passage.section_path) == 1:
        return 0, headings[0].start if headings else len(document.text)
    own = [h for h in headings if h.path == passage.section_path]
    assert len(own) == 1, passage.section_path
    after = [h.start for h in headings if h.start > own[0].start]
    return own[0].end, after[0] if after else len(document.text)


@pytest.fixture(scope="module")
def bundled_documents() -> tuple[Document, ...]:
    from chatbot.clinic import bundled_corpus_dir

    return load_corpus(bundled_corpus_dir()).documents


def test_both_bundled_documents_are_split(bundled_documents: tuple[Document, ...]) -> None:
    assert [d.id for d in bundled_documents] == ["hfs-microvascular-decompression", "hfs-treatment-options"]
    for document in bundled_documents:
        assert len(split(document)) >= 8


def test_every_heading_of_both_documents_becomes_a_section(bundled_documents: tuple[Document, ...]) -> None:
    for document in bundled_documents:
        passages = split(document)
        written = markdown_headings(document)
        assert len(written) >= 7
        assert [h.path[-1] for h in document.headings] == written
        for heading in document.headings:
            inside = [p for p in passages if p.section_path[: len(heading.path)] == heading.path]
            assert inside, f"{document.id}: section {heading.path} has no passage"
        assert {p.section_path for p in passages} <= {h.path for h in document.headings} | {(document.title,)}


def test_section_paths_start_with_the_document_title_and_nest(bundled_documents: tuple[Document, ...]) -> None:
    mvd = bundled_documents[0]
    paths = {p.section_path for p in split(mvd)}
    assert (mvd.title, "Treatment Options", "2. Microvascular Decompression (MVD)") in paths
    for passage in split_all(bundled_documents):
        assert passage.section_path[0] == passage.title


def test_no_passage_crosses_a_section(bundled_documents: tuple[Document, ...]) -> None:
    for document in bundled_documents:
        for passage in split(document):
            low, high = section_bounds(document, passage)
            assert low <= passage.start < passage.end <= high, passage.id


def test_offsets_point_at_the_passage_text_in_the_source_file(bundled_documents: tuple[Document, ...]) -> None:
    for document in bundled_documents:
        source = document.path.read_text(encoding="utf-8")
        for passage in split(document):
            assert document.text[passage.start : passage.end] == passage.text
            assert source[passage.start : passage.end] == passage.text


def test_no_passage_is_only_a_heading(bundled_documents: tuple[Document, ...]) -> None:
    for document in bundled_documents:
        names = {h.path[-1] for h in document.headings}
        for passage in split(document):
            assert passage.text.strip() not in names
            assert passage.word_count >= 5


def test_headings_without_text_give_no_passage(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("# Title\n\n## Empty\n\n## Full\n\nSome real text here.\n\n## Trailing\n", encoding="utf-8")
    passages = split(read_document(path))
    assert [(p.section_path, p.text) for p in passages] == [(("Title", "Full"), "Some real text here.")]


def test_a_bullet_list_stays_with_its_intro_sentence(bundled_documents: tuple[Document, ...]) -> None:
    checked = 0
    for document in bundled_documents:
        passages = split(document)
        for match in re.finditer(r"[^\n]*:\n\n?[ \t]*(?:[-*•]|\d+\.) ", document.text):
            intro_end = match.start() + match.group(0).index(":\n") + 1
            item_start = match.end() - 2
            holder = [p for p in passages if p.start <= item_start < p.end]
            assert holder and holder[0].start < intro_end <= holder[0].end, match.group(0)
            checked += 1
    assert checked >= 3  # causes (arteries), medications, symptoms...


def test_a_list_is_glued_to_its_intro_even_when_the_section_is_split(tmp_path: Path) -> None:
    para = " ".join(f"Sentence {n} talks about the facial nerve at length." for n in range(12))
    items = "\n".join(f"- item {n} with a few more words" for n in range(8))
    path = tmp_path / "doc.md"
    path.write_text(f"# T\n\n## S\n\n{para}\n\nThe options are:\n\n{items}\n", encoding="utf-8")
    passages = split(read_document(path), SplitOptions(max_words=60, min_words=10))
    holder = [p for p in passages if "- item 0" in p.text]
    assert len(holder) == 1
    assert holder[0].text.startswith("The options are:")
    assert "- item 7" in holder[0].text


def test_long_sections_split_at_sentence_ends_within_size_bounds(tmp_path: Path) -> None:
    sentences = [f"Sentence number {n} says something about recovery after surgery." for n in range(60)]
    path = tmp_path / "doc.md"
    path.write_text("# T\n\n## Recovery\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    document = read_document(path)
    options = SplitOptions(max_words=80, min_words=20)
    passages = split(document, options)
    assert len(passages) > 3
    for passage in passages:
        assert passage.text.startswith("Sentence number ")
        assert passage.text.endswith("surgery.")
        assert passage.word_count <= options.max_words * 1.5
    rejoined = " ".join(p.text for p in passages)
    assert rejoined == " ".join(sentences)


def test_bundled_passages_start_and_end_at_sentence_or_list_item_bounds(
    bundled_documents: tuple[Document, ...],
) -> None:
    for passage in split_all(bundled_documents):
        first_line, last_line = passage.text.split("\n")[0], passage.text.split("\n")[-1]
        assert re.match(r"(?:[-*•] |\d+\. )?[A-Z>]", first_line), passage.id
        assert re.match(r"[-*•] ", last_line) or last_line.rstrip().endswith((".", "!", "?")), passage.id


def test_bundled_passages_are_readable_at_a_glance(bundled_documents: tuple[Document, ...]) -> None:
    counts = sorted(p.word_count for p in split_all(bundled_documents))
    assert counts[-1] <= 180
    assert 30 <= counts[len(counts) // 2] <= 120


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two.", ["One.", "Two."]),
        ("Ask Dr. Smith first. Then rest.", ["Ask Dr. Smith first.", "Then rest."]),
        ("Drugs, e.g. carbamazepine, help. Botox too.", ["Drugs, e.g. carbamazepine, help.", "Botox too."]),
        ("Relief in 85.5% of cases. Good.", ["Relief in 85.5% of cases.", "Good."]),
        ("Is it safe? Yes! Mostly.", ["Is it safe?", "Yes!", "Mostly."]),
        ("no full stop at the end", ["no full stop at the end"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


@pytest.mark.parametrize(("max_words", "min_words"), [(5, 0), (3000, 10), (100, 100), (100, -1)])
def test_split_options_are_validated(max_words: int, min_words: int) -> None:
    with pytest.raises(ValueError, match="words"):
        SplitOptions(max_words=max_words, min_words=min_words)


def copy_bundled(tmp_path: Path) -> Path:
    from chatbot.clinic import bundled_corpus_dir

    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in bundled_corpus_dir().glob("*.md"):
        shutil.copy(path, folder / path.name)
    return folder


def ids_by_document(folder: Path) -> dict[str, list[str]]:
    passages = split_all(load_corpus(folder).documents)
    out: dict[str, list[str]] = {}
    for passage in passages:
        out.setdefault(passage.document_id, []).append(passage.id)
    return out


def test_ids_are_unique_and_stable_when_an_unrelated_document_changes(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    before = ids_by_document(folder)
    assert len({i for ids in before.values() for i in ids}) == sum(len(ids) for ids in before.values())
    other = folder / "hfs-treatment-options.md"
    other.write_text(other.read_text(encoding="utf-8").replace("Carbamazepine", "Gabapentin"), encoding="utf-8")
    (folder / "aaa-new-leaflet.md").write_text("# New\n\n## Parking\n\nParking is free.\n", encoding="utf-8")
    after = ids_by_document(folder)
    assert after["hfs-microvascular-decompression"] == before["hfs-microvascular-decompression"]
    assert after["hfs-treatment-options"] != before["hfs-treatment-options"]


def test_editing_one_section_keeps_the_ids_of_the_others(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    path = folder / "hfs-microvascular-decompression.md"
    before = {p.section_path: p.id for p in split(read_document(path))}
    path.write_text(
        path.read_text(encoding="utf-8").replace("## Symptoms\n", "## Symptoms\n\nA new first sentence.\n"),
        encoding="utf-8",
    )
    after = {p.section_path: p.id for p in split(read_document(path))}
    changed = [section for section in before if before[section] != after[section]]
    assert [section[-1] for section in changed] == ["Symptoms"]


def test_identical_passages_in_one_document_get_distinct_ids(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("# T\n\n## A\n\nSame text.\n\n---\n\n## A\n\nSame text.\n", encoding="utf-8")
    ids = [p.id for p in split(read_document(path))]
    assert len(ids) == len(set(ids)) == 2


def test_faq_rows_become_one_passage_each_with_an_id_from_the_row(tmp_path: Path) -> None:
    path = tmp_path / "faq.jsonl"
    path.write_text(
        '{"id": "parking", "question": "Where do I park?", "answer": "Use the visitor car park."}\n'
        '{"question": "Can I drive home?", "answer": "No, someone must drive you."}\n',
        encoding="utf-8",
    )
    document = read_document(path, "faq")
    passages = split(document)
    assert [p.row_id for p in passages][0] == "parking"
    assert passages[0].id == "faq:parking"
    assert passages[1].id.startswith("faq:q-")
    assert passages[0].question == "Where do I park?"
    assert "Where do I park?" in passages[0].search_text
    assert split(read_document(path, "faq"))[1].id == passages[1].id  # derived from the question: stable


def test_original_text_files_ingest_with_the_same_sections_as_the_markdown(
    original_documents: Path, bundled_documents: tuple[Document, ...]
) -> None:
    by_original = {d.metadata["original_file"]: d for d in bundled_documents}
    corpus = load_corpus(original_documents)
    assert not corpus.errors
    assert len(corpus.documents) == 2
    for document in corpus.documents:
        markdown = by_original[document.path.name]
        assert [h.path[-1] for h in document.headings] == markdown_headings(markdown)
        passages = split(document)
        for passage in passages:
            assert document.text[passage.start : passage.end] == passage.text
            low, high = section_bounds(document, passage)
            assert low <= passage.start < passage.end <= high
        # the same words end up in passages: nothing lost, nothing but web-page chrome dropped
        words = " ".join(p.text for p in passages).split()
        expected = " ".join(p.text for p in split(markdown)).replace("- ", "• ").split()
        assert [w for w in words if w != "•"] == [w for w in expected if w not in {"•", "-"}]


def test_web_page_chrome_in_the_original_is_dropped_and_recorded(original_documents: Path) -> None:
    document = next(d for d in load_corpus(original_documents).documents if "002_" in d.path.name)
    assert document.title == "Treatment Options for Hemifacial Spasm: Understanding Causes and Effective Therapies"
    dropped = document.metadata["dropped"]
    for chrome in ("More>Health>Recovery", "Comments (0)", "Login is required before commenting."):
        assert chrome in dropped
        assert all(chrome not in p.text for p in split(document))


def test_a_repeated_heading_starts_a_new_section_and_rules_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("# T\n\n## Notes\n\nFirst note.\n\n***\n\n## Notes\n\nSecond note.\n", encoding="utf-8")
    passages = split(read_document(path))
    assert [p.text for p in passages] == ["First note.", "Second note."]


_FLATTENED_PAGE = (
    "# Osteoporosis\n\n## How is osteoporosis diagnosed?\n\n"
    "Diagnosing osteoporosis involves several steps, starting with a physical exam and a careful medical "
    "history, blood and urine tests, and possibly a bone density test. The doctor will also check for loss "
    "of height and changes in posture, and may check your balance and the way you walk. "
    "The doctor may ask about any fractures you have had, your lifestyle, your diet and your exercise habits. "
    "Bone Density Tests The test used to diagnose osteoporosis is called a bone density test. "
    "It measures how strong your bones are and whether you have low bone mass. "
    "When To Talk With a Doctor Consider talking to your doctor about being tested if you break a bone "
    "after age 50.\n"
)


def test_a_sub_heading_run_into_the_text_starts_a_passage_and_names_its_section(tmp_path: Path) -> None:
    """Pages flattened to text lose the line break after a sub-heading; the passage still starts there."""
    path = tmp_path / "osteoporosis.md"
    path.write_text(_FLATTENED_PAGE, encoding="utf-8")
    passages = split(read_document(path), SplitOptions(max_words=120, min_words=30))
    opening = [p for p in passages if p.text.startswith("Bone Density Tests The test used")]
    assert len(opening) == 1
    assert opening[0].section_path == ("Osteoporosis", "How is osteoporosis diagnosed?", "Bone Density Tests")
    assert opening[0].section == "How is osteoporosis diagnosed? > Bone Density Tests"
    first = passages[0]
    assert first.section_path == ("Osteoporosis", "How is osteoporosis diagnosed?")
    assert "Bone Density Tests" not in first.text
    # nothing is lost or repeated
    assert " ".join(p.text for p in passages) == " ".join(_FLATTENED_PAGE.split("\n\n", 2)[2].split())


@pytest.mark.parametrize(
    ("sentence", "heading"),
    [
        ("Bone Density Tests The test used to diagnose osteoporosis is a bone density test.", "Bone Density Tests"),
        ("Blood Flow to the Heart Is Blocked The heart works 24 hours a day.", "Blood Flow to the Heart Is Blocked"),
        ("Call 9-1-1 Right Away A heart attack is an emergency.", "Call 9-1-1 Right Away"),
        ("Diabetes Diabetes is characterized by too much sugar in the blood.", "Diabetes"),
        # a name is not a heading: its words never occur in lowercase in the document
        ("The United States Preventive Services Task Force recommends screening.", ""),
        # a definition in title case is a sentence
        ("Systolic Pressure is the pressure of blood against the artery walls.", ""),
        ("Vitamin A is found in carrots.", ""),
        ("The test is quick and painless.", ""),
        ("Angina is a recurring pain in the chest.", ""),
    ],
)
def test_run_in_headings_are_told_from_sentences(sentence: str, heading: str) -> None:
    from chatbot.documents.passages import run_in_heading

    document_words = {
        "bone", "density", "tests", "the", "test", "used", "blood", "flow", "heart", "is", "blocked", "call",
        "right", "away", "a", "attack", "diabetes", "characterized", "pressure", "systolic", "vitamin",
        "found", "angina", "recurring", "preventive", "recommends", "screening",
    }  # fmt: skip
    assert sentence[: run_in_heading(sentence, document_words)].strip() == heading
