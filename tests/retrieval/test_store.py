"""The saved index: same answers as a fresh build, keyed by a fingerprint, never pickle."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from docgen import QUESTIONS, write_corpus

from chatbot.bot import Bot
from chatbot.cli import main
from chatbot.config import Settings
from chatbot.retrieval import store as indexstore


@pytest.fixture
def corpus_copy(tmp_path: Path, bundled_corpus: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(bundled_corpus, folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def saved_sets(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / ".chatbot-index").glob("index-*"))


def test_saved_index_answers_exactly_like_a_fresh_build(corpus_copy: Path) -> None:
    settings = Settings(corpus=corpus_copy)
    built = indexstore.load_or_build(settings)
    loaded = indexstore.load_or_build(settings)
    assert (built.source, loaded.source) == ("built", "saved")
    assert built.fingerprint == loaded.fingerprint
    assert loaded.path is not None and loaded.path.parent == corpus_copy / ".chatbot-index"
    fresh = Bot.from_settings(settings)
    assert loaded.corpus.documents == fresh.corpus.documents
    assert loaded.index.passages == fresh.passages
    for question in (*QUESTIONS, "decompresion", "hemifacial spazm botox", "what is the weather"):
        assert Bot.from_loaded(settings, loaded).ask(question).to_dict() == fresh.ask(question).to_dict(), question
        assert Bot.from_loaded(settings, loaded).rank(question, top_k=10) == fresh.rank(question, top_k=10)


def test_loaded_index_has_the_same_shape_as_a_built_one(corpus_copy: Path) -> None:
    """Guards the loader against changes in PassageIndex: every attribute a build sets is set."""
    settings = Settings(corpus=corpus_copy)
    indexstore.load_or_build(settings)
    loaded = indexstore.load_or_build(settings).index
    fresh = Bot.from_settings(settings).index
    assert fresh.vocabulary.counts == loaded.vocabulary.counts
    assert set(vars(loaded)) == set(vars(fresh))
    assert type(loaded.analyzer) is type(fresh.analyzer)
    assert loaded.known_terms == fresh.known_terms
    for passage in fresh.passages:
        assert loaded.terms_of(passage) == fresh.terms_of(passage)


def test_format_is_json_and_npz_without_pickle(corpus_copy: Path) -> None:
    settings = Settings(corpus=corpus_copy)
    path = indexstore.load_or_build(settings).path
    assert path is not None
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["format"] == indexstore.INDEX_FORMAT
    assert len(record["passages"]) == len(Bot.from_settings(settings).passages)
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["offsets", "terms"]
        assert all(arrays[name].dtype != object for name in arrays.files)
    with zipfile.ZipFile(path.with_suffix(".npz")) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())


@pytest.mark.parametrize(
    "change",
    [
        "edit a document",
        "same size edit",
        "add a document",
        "rename a document",
        "edit synonyms",
        "bm25_k1",
    ],
)
def test_fingerprint_changes_with_what_the_index_depends_on(corpus_copy: Path, change: str) -> None:
    settings = Settings(corpus=corpus_copy)
    before = indexstore.fingerprint(settings)
    doc = corpus_copy / "hfs-treatment-options.md"
    if change == "edit a document":
        doc.write_text(doc.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    elif change == "same size edit":
        doc.write_text(doc.read_text(encoding="utf-8").replace("Botox", "BOTOX", 1), encoding="utf-8")
    elif change == "add a document":
        (corpus_copy / "new.md").write_text("# New\n\nText about parking.\n", encoding="utf-8")
    elif change == "rename a document":
        doc.rename(corpus_copy / "renamed.md")
    elif change == "edit synonyms":
        synonyms = corpus_copy / "synonyms.yaml"
        synonyms.write_text(synonyms.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    else:
        settings = settings.replace(bm25_k1=1.5)
    assert indexstore.fingerprint(settings) != before


def test_fingerprint_ignores_what_does_not_matter(corpus_copy: Path) -> None:
    settings = Settings(corpus=corpus_copy)
    before = indexstore.fingerprint(settings)
    doc = corpus_copy / "hfs-treatment-options.md"
    doc.write_bytes(doc.read_bytes())  # touched: new mtime, same content
    (corpus_copy / ".chatbot-index").mkdir()
    (corpus_copy / ".chatbot-index" / "junk.json").write_text("{}", encoding="utf-8")
    assert indexstore.fingerprint(settings) == before
    assert indexstore.fingerprint(settings.replace(clinic_name="Riverside", top_k=5)) == before


def test_a_change_rebuilds_and_old_sets_are_pruned(corpus_copy: Path) -> None:
    settings = Settings(corpus=corpus_copy)
    assert indexstore.load_or_build(settings).source == "built"
    for n in range(3):
        (corpus_copy / f"extra{n}.md").write_text(f"# Extra {n}\n\nParking space number {n}.\n", encoding="utf-8")
        result = indexstore.load_or_build(settings)
        assert result.source == "built"
        assert len(result.corpus.documents) == 3 + n
        assert indexstore.load_or_build(settings).source == "saved"
    assert len(saved_sets(corpus_copy)) == 2 * indexstore.KEEP  # a .json and a .npz per kept set


@pytest.mark.parametrize("damage", ["garbage json", "truncated npz", "missing npz", "ids out of range"])
def test_a_damaged_saved_index_is_rebuilt(corpus_copy: Path, damage: str) -> None:
    settings = Settings(corpus=corpus_copy)
    path = indexstore.load_or_build(settings).path
    assert path is not None
    npz = path.with_suffix(".npz")
    if damage == "garbage json":
        path.write_text("{not json", encoding="utf-8")
    elif damage == "truncated npz":
        npz.write_bytes(npz.read_bytes()[:50])
    elif damage == "missing npz":
        npz.unlink()
    else:
        record = json.loads(path.read_text(encoding="utf-8"))
        record["terms"] = record["terms"][:3]
        path.write_text(json.dumps(record), encoding="utf-8")
    result = indexstore.load_or_build(settings)
    assert result.source == "built"
    assert Bot.from_loaded(settings, result).ask("How long does Botox last?").passages
    assert indexstore.load_or_build(settings).source == "saved"  # the rebuild was saved again


def test_index_cache_setting_and_an_unwritable_folder(tmp_path: Path, corpus_copy: Path) -> None:
    cache = tmp_path / "cache"
    settings = Settings(corpus=corpus_copy, index_cache=cache)
    result = indexstore.load_or_build(settings)
    assert result.path is not None and result.path.parent == cache
    assert not (corpus_copy / ".chatbot-index").exists()
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    served = indexstore.load_or_build(Settings(corpus=corpus_copy, index_cache=blocked / "sub"))
    assert served.source == "built" and served.path is None  # serves anyway, just without saving


def test_other_formats_and_corpus_errors_survive_the_round_trip(tmp_path: Path, bundled_corpus: Path) -> None:
    folder = tmp_path / "leaflets"
    write_corpus(folder, "pdf", bundled_corpus)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    settings = Settings(corpus=folder)
    built = indexstore.load_or_build(settings)
    loaded = indexstore.load_or_build(settings)
    assert loaded.source == "saved"
    assert {p.page for p in loaded.index.passages} == {1, 2, 3}
    assert loaded.index.passages == built.index.passages
    assert [str(e) for e in loaded.corpus.errors] == [str(e) for e in built.corpus.errors]
    assert loaded.corpus.errors[0].path == folder / "broken.docx"


def test_chatbot_index_saves_and_serve_loads(runner: CliRunner, corpus_copy: Path) -> None:
    result = runner.invoke(main, ["index", "--corpus", str(corpus_copy)])
    assert result.exit_code == 0, result.output
    assert "Index saved:" in result.output
    assert len(saved_sets(corpus_copy)) == 2
    assert indexstore.load_or_build(Settings(corpus=corpus_copy)).source == "saved"


def test_chatbot_index_with_a_bad_file_saves_and_exits_1(runner: CliRunner, corpus_copy: Path) -> None:
    (corpus_copy / "scan.pdf").write_bytes(b"%PDF-1.4 truncated")
    result = runner.invoke(main, ["index", "--corpus", str(corpus_copy)])
    assert result.exit_code == 1
    assert "scan.pdf" in result.output
    loaded = indexstore.load_or_build(Settings(corpus=corpus_copy))
    assert loaded.source == "saved"
    assert [e.path.name for e in loaded.corpus.errors] == ["scan.pdf"]
