"""Batch mode on public collections (issue 16, conventions): the BEIR layout read as it is, TREC
run files, and nDCG@10 / MRR@10 / recall@100 from a qrels file, checked against values worked
out by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from chatbot.cli import main
from chatbot.errors import EvalFileError
from chatbot.evaluation.beir import evaluate_rankings, read_qrels, trec_order
from chatbot.evaluation.set_files import load_question_files, load_question_set

CORPUS = [
    {"_id": "d1", "title": "Botox", "text": "Botulinum toxin injections relax the twitching muscles.", "metadata": {}},
    {
        "_id": "d2",
        "title": "Decompression",
        "text": "Microvascular decompression moves the artery away from the facial nerve.",
        "metadata": {},
    },
    {"_id": "d3", "title": "Parking", "text": "Parking at the hospital costs five pounds a day.", "metadata": {}},
    {"_id": "d4", "title": "", "text": "Hearing loss is a rare risk of the operation.", "metadata": {"source": "x"}},
]
QUERIES = [
    {"_id": "q1", "text": "botulinum toxin injections", "metadata": {}},
    {"_id": "q2", "text": "parking hospital", "metadata": {"kind": "short"}},
    {"_id": "q3", "text": "hearing loss", "metadata": {}},
    {"_id": "q4", "text": "decompression of the artery in hospital", "metadata": {}},
    {"_id": "q-train", "text": "twitching muscles", "metadata": {}},  # not in the test qrels: not ranked
]
# q5 is judged but not among the queries (left out, counted).
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\nq2\td2\t2\nq3\td1\t1\nq4\td3\t2\nq5\td1\t1\n"


def jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@pytest.fixture
def beir(tmp_path: Path) -> Path:
    """A tiny collection in the BEIR layout: queries.jsonl, corpus.jsonl, qrels/test.tsv."""
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(jsonl(CORPUS), encoding="utf-8")
    (folder / "queries.jsonl").write_text(jsonl(QUERIES), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text(QRELS, encoding="utf-8")
    return folder


def run_eval(*args: object) -> Result:
    return CliRunner().invoke(main, ["eval", *map(str, args)])


def trec_lines(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text(encoding="utf-8").splitlines()]


# nDCG@10 by hand: gain = grade, discount log2(rank + 1), the ideal from every judged document.
Q1 = (1.0, 1.0, 1.0)  # d1 (grade 1) at rank 1
Q2 = ((1 / 1) / (2 / 1 + 1 / math.log2(3)), 1.0, 1 / 2)  # only d3 (1) of d2 (2) and d3 (1), at rank 1
Q3 = (0.0, 0.0, 0.0)  # d1 judged, d4 ranked
Q4 = ((2 / math.log2(3)) / (2 / 1), 1 / 2, 1.0)  # d3 (grade 2) at rank 2, under d2


def test_a_beir_folder_is_read_as_it_is_and_evaluated(beir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run.trec"
    out = tmp_path / "out.json"
    result = run_eval(beir, "--run", run, "--run-format", "trec", "--json", out)
    assert result.exit_code == 0, result.output
    assert "Ranked 4 questions of 5 (those " in result.output and "against 4 passages" in result.output
    lines = trec_lines(run)
    # qid Q0 docid rank score tag; the train query is not ranked; the corpus ids are the BEIR _ids.
    assert all(len(line) == 6 and line[1] == "Q0" and line[5] == "chatbot" for line in lines)
    first = {qid: [line[2] for line in lines if line[0] == qid] for qid in ("q1", "q2", "q3", "q4")}
    assert {line[0] for line in lines} == {"q1", "q2", "q3", "q4"}
    assert first["q1"][0] == "d1" and first["q2"][0] == "d3" and first["q3"][0] == "d4"
    assert first["q4"][:2] == ["d2", "d3"]  # the hand values below assume these ranks
    assert [line[3] for line in lines if line[0] == "q4"][:2] == ["1", "2"]
    expected = [sum(column) / 4 for column in zip(Q1, Q2, Q3, Q4, strict=True)]
    assert expected == pytest.approx([0.502756, 0.625, 0.625], abs=1e-6)
    figures = json.loads(out.read_text(encoding="utf-8"))["qrels"]
    assert figures["queries"] == 4 and figures["not_ranked"] == 1
    got = [figures["ndcg_cut_10"], figures["mrr_10"], figures["recall_100"]]
    assert got == pytest.approx(expected, abs=1e-6)
    assert f"nDCG@10     {expected[0]:.4f}" in result.output
    assert "MRR@10      0.6250" in result.output and "recall@100  0.6250" in result.output
    assert "1 query the qrels judge is not in the question files" in result.output


def test_both_run_files_and_an_explicit_corpus_and_qrels(beir: Path, tmp_path: Path) -> None:
    qrels = tmp_path / "trec.qrels"  # TREC's four columns, no header
    qrels.write_text("q1 0 d1 1\nq2 0 d1 2\n", encoding="utf-8")
    run = tmp_path / "run.jsonl"
    result = run_eval(
        beir / "queries.jsonl", "--corpus", beir / "corpus.jsonl", "--qrels", qrels,
        "--run", run, "--run-format", "jsonl,trec",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run.jsonl").is_file() and (tmp_path / "run.trec").is_file()
    assert [json.loads(line)["id"] for line in run.read_text(encoding="utf-8").splitlines()] == ["q1", "q2"]
    assert "2 queries judged and ranked" in result.output
    # q1: d1 at rank 1 (1.0); q2: d1 (grade 2) not ranked (0.0).
    assert "nDCG@10     0.5000" in result.output and "MRR@10      0.5000" in result.output


def test_figures_follow_trec_eval_on_ties_and_duplicates() -> None:
    # Equal scores: trec_eval orders by document id, descending; a document counts once (its best).
    assert trec_order([("a", 2.0), ("b", 1.0), ("c", 1.0), ("a", 0.5)]) == [("a", 2.0), ("c", 1.0), ("b", 1.0)]
    qrels = {"q": {"b": 3, "c": 0, "x": 1}, "z": {"a": 1}}
    figures = evaluate_rankings({"q": ["a", "c", "b"]}, qrels, path="qrels", top_k=100)
    ideal = 3 / 1 + 1 / math.log2(3)
    assert figures.ndcg10 == pytest.approx((3 / math.log2(4)) / ideal)
    assert figures.mrr10 == pytest.approx(1 / 3)
    assert figures.recall100 == pytest.approx(1 / 2)  # b of {b, x}; c is graded 0
    assert figures.queries == 1 and figures.not_ranked == 1
    deep = evaluate_rankings({"q": [f"n{i}" for i in range(10)] + ["b"]}, qrels, path="qrels", top_k=100)
    assert deep.ndcg10 == 0.0 and deep.mrr10 == 0.0 and deep.recall100 == pytest.approx(1 / 2)  # rank 11


def test_batch_mode_ignores_other_fields_and_qa_sets_stay_strict(beir: Path, tmp_path: Path) -> None:
    queries = beir / "queries.jsonl"
    sets = load_question_files([beir], batch=True)
    assert [qs.name for qs in sets] == ["tiny"] and [c.id for c in sets[0].cases][:2] == ["q1", "q2"]
    assert sets[0].cases[1].turns[0].message == "parking hospital"
    with pytest.raises(EvalFileError, match=r"field '_id'.*batch mode"):
        load_question_set(queries)
    result = run_eval(beir, "--corpus", beir / "corpus.jsonl")  # QA checks: refused, exit 2
    assert result.exit_code == 2 and "unknown field" in result.output
    mixed = tmp_path / "mixed.jsonl"  # an id wins over _id; expectations still read in batch mode
    mixed.write_text('{"id": "a", "_id": "b", "text": "botox", "expect_passages": ["d1"], "extra": [1]}\n')
    case = load_question_set(mixed, batch=True).cases[0]
    assert case.id == "a" and case.turns[0].expect.passages == ("d1",)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--run-format", "xml"], "use jsonl, trec or jsonl,trec"),
        (["--qrels", "QRELS"], "qrels are evaluated in batch mode"),
    ],
    ids=["unknown-format", "qrels-without-run"],
)
def test_wrong_batch_options_exit_2(beir: Path, tmp_path: Path, extra: list[str], message: str) -> None:
    args = [str(beir / "qrels" / "test.tsv") if value == "QRELS" else value for value in extra]
    if "--qrels" not in extra:
        args += ["--run", str(tmp_path / "run.jsonl")]
    result = run_eval(beir, *args)
    assert result.exit_code == 2 and message in result.output


def test_trec_ids_cannot_hold_spaces_and_qrels_must_judge_a_question(beir: Path, tmp_path: Path) -> None:
    spaced = tmp_path / "q.jsonl"
    spaced.write_text('{"id": "q 1", "text": "botox"}\n', encoding="utf-8")
    result = run_eval(spaced, "--corpus", beir / "corpus.jsonl", "--run", tmp_path / "r.trec", "--run-format", "trec")
    assert result.exit_code == 2 and "holds a space" in result.output
    other = tmp_path / "other.tsv"
    other.write_text("nobody\td1\t1\n", encoding="utf-8")
    result = run_eval(beir, "--qrels", other, "--run", tmp_path / "r.jsonl")
    assert result.exit_code == 2 and "judges none of the questions" in result.output
    assert read_qrels(other) == {"nobody": {"d1": 1}}
    broken = tmp_path / "broken.tsv"
    broken.write_text("q1\td1\t1\nq2\td2\tmaybe\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match="line 2"):
        read_qrels(broken)


def test_beir_corpus_rows(tmp_path: Path) -> None:
    from chatbot.documents.passages import split
    from chatbot.documents.readers.faq import read_jsonl
    from chatbot.errors import CorpusError

    path = tmp_path / "corpus.jsonl"
    path.write_text(jsonl([*CORPUS, {"_id": 7, "title": "Title only", "text": ""}]), encoding="utf-8")
    passages = split(read_jsonl(path, "corpus"))
    assert [p.row_id for p in passages] == ["d1", "d2", "d3", "d4", "7"]
    assert passages[0].search_text == "Corpus\nBotox\nBotulinum toxin injections relax the twitching muscles."
    assert passages[3].section_path == ("Corpus",) and passages[4].text == "Title only"
    path.write_text(jsonl([{"_id": "e", "title": "", "text": ""}]), encoding="utf-8")
    with pytest.raises(CorpusError, match="no 'text' and no 'title'"):
        read_jsonl(path, "corpus")
