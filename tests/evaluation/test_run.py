"""chatbot eval: question files, checks, metrics, reports, baseline and batch mode."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chatbot.bot import Bot
from chatbot.cli import main
from chatbot.config import Settings
from chatbot.dialogue.reply import ReplyType
from chatbot.errors import EvalFileError
from chatbot.evaluation.batch import rank_positions
from chatbot.evaluation.metrics import Thresholds, compute_metrics, ndcg_at, percentile
from chatbot.evaluation.reports import Progress
from chatbot.evaluation.run import invariant_problems, run_checks
from chatbot.evaluation.set_files import load_question_files, load_question_set
from chatbot.evaluation.sets import parse_kind
from chatbot.text.normalise import fold

# The conftest corpus_dir: "## Botox" (toxin lasts about three months) and "## Surgery"
# (MVD moves the artery; home after two days).
GOOD_SET = """\
name: small
top_k: 2
cases:
  - id: botox-duration
    message: How long do botulinum toxin injections last?
    expect_text: ["lasts about three months"]
    expect_documents: [small]
    expect_type: answer
    forbid_text: ["cures"]
  - id: surgery-home
    message: When do patients go home after microvascular decompression surgery?
    expect_passages: ["small:surgery"]
    expect_type: answer
    holdout: true
"""

FAILING_SET = """\
name: failing
cases:
  - id: wrong-phrase
    message: How long do botulinum toxin injections last?
    expect_text: ["six weeks exactly"]
  - id: forbidden
    message: How long do botulinum toxin injections last?
    forbid_text: ["three months"]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_eval(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, ["eval", *map(str, args)])


# --- question files ------------------------------------------------------------------------


def test_yaml_set_with_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "full.yaml",
        """\
name: full
description: every field once
top_k: 4
cases:
  - id: one
    message: How long does Botox last?
    expect_text: "3–6 months"
    expect_passages: [doc:section]
    expect_documents: [a, b]
    expect_type: not found
    expect_type_not: [small talk, urgent]
    forbid_text: [cure]
    relevance: {doc:section: 2, other: 1}
    top_k: 5
    holdout: true
    note: written first
  - id: conv
    top_k: 2
    turns:
      - message: Tell me about Botox
      - message: How long does it last?
        expect_text: ["3–6 months"]
""",
    )
    qs = load_question_set(path)
    assert (qs.name, qs.top_k, qs.description) == ("full", 4, "every field once")
    one, conv = qs.cases
    expect = one.turns[0].expect
    assert expect.texts == ("3–6 months",)  # a single string is a one-item list
    assert expect.passages == ("doc:section",)
    assert expect.documents == ("a", "b")
    assert expect.type is ReplyType.NOT_FOUND
    assert expect.not_types == (ReplyType.SMALLTALK, ReplyType.URGENT)
    assert expect.relevance == {"doc:section": 2, "other": 1}
    assert expect.top_k == 5 and one.holdout and one.note == "written first"
    assert conv.is_conversation and [t.message for t in conv.turns] == ["Tell me about Botox", "How long does it last?"]
    assert [t.expect.top_k for t in conv.turns] == [2, 2]
    assert conv.key == "full/conv"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("answer", ReplyType.ANSWER),
        ("not found", ReplyType.NOT_FOUND),
        ("Not_Found", ReplyType.NOT_FOUND),
        ("small talk", ReplyType.SMALLTALK),
        ("smalltalk", ReplyType.SMALLTALK),
        ("urgent", ReplyType.URGENT),
        ("emergency", None),
    ],
)
def test_reply_kinds_accept_both_spellings(text: str, kind: ReplyType | None) -> None:
    assert parse_kind(text) is kind


def test_csv_lists_as_pipes_or_json(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sheet.csv",
        "id,message,expect_text,expect_documents,expect_type,relevance,holdout\n"
        'a,How long does Botox last?,3–6 months|3–4 months,"[""x"", ""y""]",answer,p1:2|p2:1,yes\n'
        "b,What is the capital of France?,,,not found,,\n",
    )
    qs = load_question_set(path)
    assert qs.name == "sheet"
    first, second = qs.cases
    assert first.turns[0].expect.texts == ("3–6 months", "3–4 months")
    assert first.turns[0].expect.documents == ("x", "y")
    assert first.turns[0].expect.relevance == {"p1": 2, "p2": 1}
    assert first.holdout and not second.holdout
    assert second.turns[0].expect.type is ReplyType.NOT_FOUND


def test_jsonl_batch_questions_and_conversations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "q.jsonl",
        '{"id": "q1", "text": "botox duration"}\n\n'
        '{"id": "c1", "turns": [{"message": "Tell me about Botox"},'
        ' {"message": "How long?", "expect_type": "answer"}]}\n',
    )
    qs = load_question_set(path)
    assert [c.id for c in qs.cases] == ["q1", "c1"]
    assert qs.cases[0].turns[0].message == "botox duration" and qs.cases[0].turns[0].expect.empty
    assert qs.cases[1].is_conversation and not qs.batch_only


def test_folder_expands_to_its_question_files(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", "cases: [{message: hi}]\n")
    write(tmp_path, "a.jsonl", '{"text": "hello"}\n')
    write(tmp_path, "notes.txt", "not a question file")
    sets = load_question_files([tmp_path])
    assert [qs.name for qs in sets] == ["a", "b"]
    assert sets[1].cases[0].id == "b-001"  # ids default to set name and number


MALFORMED = [
    (
        "kind.yaml",
        "cases:\n  - id: c1\n    message: hi\n    expect_type: emergency\n",
        ["kind.yaml", "c1", "expect_type", "emergency"],
    ),
    ("nomsg.yaml", "cases:\n  - id: c2\n    expect_type: answer\n", ["nomsg.yaml", "c2", "message"]),
    ("typo.yaml", "cases:\n  - id: c3\n    message: hi\n    expect_txt: [x]\n", ["typo.yaml", "c3", "expect_txt"]),
    ("list.yaml", "cases:\n  - id: c4\n    message: hi\n    expect_text: {a: 1}\n", ["list.yaml", "c4", "expect_text"]),
    ("topk.yaml", "cases:\n  - id: c5\n    message: hi\n    top_k: 0\n", ["topk.yaml", "c5", "top_k"]),
    (
        "dup.yaml",
        "cases:\n  - {id: c6, message: hi}\n  - {id: c6, message: ho}\n",
        ["dup.yaml", "c6", "'id'", "duplicate"],
    ),
    (
        "grade.yaml",
        "cases:\n  - id: c7\n    message: hi\n    relevance: {p: high}\n",
        ["grade.yaml", "c7", "relevance"],
    ),
    (
        "turn.yaml",
        "cases:\n  - id: c8\n    turns:\n      - message: hi\n      - expect_type: answer\n",
        ["turn.yaml", "c8 turn 2", "message"],
    ),
    ("holdout.yaml", "cases:\n  - id: c9\n    message: hi\n    holdout: maybe\n", ["holdout.yaml", "c9", "holdout"]),
    ("broken.yaml", "cases:\n  - id: [unclosed\n", ["broken.yaml", "not valid YAML", "line"]),
    ("empty.yaml", "cases: []\n", ["empty.yaml", "no cases"]),
    ("top.yaml", "name: x\ncase: []\n", ["top.yaml", "'case'"]),
    ("bad.jsonl", '{"id": "a", "text": "hi"}\n{not json\n', ["bad.jsonl", "line 2", "not JSON"]),
    ("row.jsonl", '{"id": "r1", "text": "hi", "expect_type": 3}\n', ["row.jsonl", "r1", "expect_type"]),
    ("nomessage.csv", "id,question\na,hi\n", ["nomessage.csv", "'message'"]),
    ("wide.csv", "id,message\na,hi,extra\n", ["wide.csv", "line 2", "more fields"]),
    ("array.csv", 'id,message,expect_text\na,hi,"[broken"\n', ["array.csv", "a", "expect_text", "JSON array"]),
]


@pytest.mark.parametrize(("name", "text", "fragments"), MALFORMED, ids=[row[0] for row in MALFORMED])
def test_malformed_files_name_file_case_and_field(tmp_path: Path, name: str, text: str, fragments: list[str]) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(EvalFileError) as caught:
        load_question_set(path)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(("name", "text", "fragments"), MALFORMED[:3], ids=[row[0] for row in MALFORMED[:3]])
def test_malformed_file_exits_2_with_the_message(
    runner: CliRunner, corpus_dir: Path, tmp_path: Path, name: str, text: str, fragments: list[str]
) -> None:
    result = run_eval(runner, write(tmp_path, name, text), "--corpus", corpus_dir)
    assert result.exit_code == 2
    for fragment in fragments:
        assert fragment in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["missing.yaml"],
        ["{set}", "--top-k", "50"],
        ["{set}", "--min-hit1", "1.5"],
        ["{set}", "--baseline", "nope.json"],
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, corpus_dir: Path, tmp_path: Path, args: list[str]) -> None:
    good = write(tmp_path, "good.yaml", GOOD_SET)
    result = run_eval(runner, *[a.replace("{set}", str(good)) for a in args], "--corpus", corpus_dir)
    assert result.exit_code == 2, result.output


# --- checks and metrics -------------------------------------------------------------------


def test_fold_matches_dashes_quotes_and_case() -> None:
    assert fold("3-6 Months") in fold("relief for 3–6   months")
    assert fold("doesn't") == fold("Doesn’t")


def test_passing_set_exits_0_and_prints_the_table(runner: CliRunner, corpus_dir: Path, tmp_path: Path) -> None:
    result = run_eval(runner, write(tmp_path, "good.yaml", GOOD_SET), "--corpus", corpus_dir, "--min-hit1", "1")
    assert result.exit_code == 0, result.output
    assert "PASS    small/botox-duration" in result.output
    assert "hit@1                             1.000 (2/2)" in result.output
    assert "threshold: hit@1 1.000 >= 1: ok" in result.output
    assert "PASSED" in result.output


def test_failing_cases_say_what_was_wrong(corpus_dir: Path, tmp_path: Path) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir))
    results = run_checks(bot, [load_question_set(write(tmp_path, "failing.yaml", FAILING_SET))])
    wrong, forbidden = results
    assert not wrong.passed and wrong.rank is None
    assert "expected passage or phrase not among the" in wrong.problems[0]
    assert not forbidden.passed
    assert any("forbidden text 'three months'" in problem for problem in forbidden.problems)
    metrics = compute_metrics(results)
    assert metrics.cases.value == 0.0 and metrics.hit1.value == 0.0 and metrics.hit1.total == 1


@pytest.mark.parametrize("named", ["small", "small.md", "Small Test Document"])
def test_a_document_may_be_named_by_id_file_name_or_title(corpus_dir: Path, tmp_path: Path, named: str) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir))
    text = f"cases:\n  - message: How long do botulinum toxin injections last?\n    expect_documents: [{named!r}]\n"
    (result,) = run_checks(bot, [load_question_set(write(tmp_path, "docs.yaml", text))])
    assert result.passed, result.problems


def test_a_document_the_corpus_lacks_is_named_as_such(corpus_dir: Path, tmp_path: Path) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir))
    text = "cases:\n  - message: How long do botulinum toxin injections last?\n    expect_documents: [leaflet.md]\n"
    (result,) = run_checks(bot, [load_question_set(write(tmp_path, "docs.yaml", text))])
    assert not result.passed
    assert "no document of this corpus has the id, file name or title 'leaflet.md'" in result.problems[0]


def test_failing_case_or_missed_threshold_exits_1(runner: CliRunner, corpus_dir: Path, tmp_path: Path) -> None:
    failing = run_eval(runner, write(tmp_path, "failing.yaml", FAILING_SET), "--corpus", corpus_dir)
    assert failing.exit_code == 1 and "FAILED (2 cases failed)" in failing.output
    # Every case passes, but no case here measures the decline rate: a threshold nobody measures is missed.
    good = run_eval(runner, write(tmp_path, "good.yaml", GOOD_SET), "--corpus", corpus_dir, "--min-decline", "0.9")
    assert good.exit_code == 1
    assert "not measured" in good.output and "1 threshold missed" in good.output


def test_every_reply_keeps_disclaimer_and_citations(corpus_dir: Path, tmp_path: Path) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir))
    sets = [load_question_set(write(tmp_path, "plain.yaml", "cases: [{message: botox}, {message: capital of France}]"))]
    assert all(result.passed for result in run_checks(bot, sets))  # no expectation: only the invariants
    reply = bot.ask("How long do botulinum toxin injections last?")
    assert invariant_problems(reply) == []
    first = reply.passages[0]
    unlabelled = dataclasses.replace(first, citation=dataclasses.replace(first.citation, label="", source=""))
    broken = dataclasses.replace(reply, disclaimer=" ", passages=(unlabelled,))
    assert invariant_problems(broken) == ["the reply has no disclaimer", "passage 1 has no complete citation"]
    declined = dataclasses.replace(reply, type=ReplyType.NOT_FOUND)
    assert invariant_problems(declined) == ["a not found reply must not carry passages"]


def test_rank_metrics_and_ndcg() -> None:
    assert ndcg_at([1, 0, 0], [1]) == 1.0
    assert ndcg_at([0, 1], [1]) == pytest.approx(1 / 1.584962500721156)
    assert ndcg_at([0, 2, 1], [2, 1]) == pytest.approx((3 / 1.584962500721156 + 1 / 2) / (3 + 1 / 1.584962500721156))
    assert ndcg_at([0, 0], []) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5 and percentile([], 95) is None


def test_graded_relevance_gives_ndcg(corpus_dir: Path, tmp_path: Path) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir))
    botox = next(p.id for p in bot.passages if "Botox" in p.section)
    text = f"cases:\n  - message: How long do botulinum toxin injections last?\n    relevance: {{{botox}: 2}}\n"
    metrics = compute_metrics(run_checks(bot, [load_question_set(write(tmp_path, "graded.yaml", text))]))
    assert metrics.ndcg10.total == 1 and metrics.ndcg10.value == 1.0 and metrics.hit1.value == 1.0


def test_thresholds_check_direction() -> None:
    bot_metrics = compute_metrics([])
    assert [c.passed for c in Thresholds(min_hit1=0.5).check(bot_metrics)] == [False]  # nothing measured
    assert Thresholds().check(bot_metrics) == []


# --- outputs ------------------------------------------------------------------------------


def test_json_junit_and_report(runner: CliRunner, corpus_dir: Path, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", GOOD_SET)
    failing = write(tmp_path, "failing.yaml", FAILING_SET)
    out_json, junit, report = tmp_path / "run.json", tmp_path / "junit.xml", tmp_path / "report.md"
    result = run_eval(
        runner,
        good,
        failing,
        "--corpus",
        corpus_dir,
        "--json",
        out_json,
        "--junit",
        junit,
        "--report",
        report,
        "--min-hit3",
        "0.1",
    )
    assert result.exit_code == 1

    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["passed"] is False
    assert data["metrics"]["hit1"]["total"] == 3
    case = next(c for c in data["cases"] if c["key"] == "small/botox-duration")
    ranking = case["turns"][0]["ranking"]
    assert ranking and all({"id", "document", "score", "relevant"} <= set(entry) for entry in ranking)
    assert ranking[0]["relevant"] == 1 and len({entry["id"] for entry in ranking}) == len(ranking)

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"small", "failing", "thresholds"}
    assert [tc.get("name") for tc in suites["small"].findall("testcase")] == ["botox-duration", "surgery-home"]
    assert suites["failing"].get("failures") == "2" and len(suites["failing"].findall("testcase/failure")) == 2
    assert int(root.get("tests", "0")) == 5 and int(root.get("failures", "0")) == 2
    assert suites["thresholds"].find("testcase").get("name") == "min_hit3"  # type: ignore[union-attr]

    text = report.read_text(encoding="utf-8")
    assert text.index("## Failing cases (2)") < text.index("### failing/wrong-phrase") < text.index("## Passing cases")
    assert "**Expected:**" in text and "six weeks exactly" in text and "**Got:** answer" in text


def test_html_report_escapes_what_it_quotes(runner: CliRunner, corpus_dir: Path, tmp_path: Path) -> None:
    hostile = write(
        tmp_path,
        "x.yaml",
        'cases:\n  - id: x\n    message: "<script>alert(1)</script> botox"\n    expect_text: ["<img src=x>"]\n',
    )
    report = tmp_path / "report.html"
    result = run_eval(runner, hostile, "--corpus", corpus_dir, "--report", report)
    assert result.exit_code == 1
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "<script>" not in text and "&lt;script&gt;" in text
    assert "<img" not in text


def test_baseline_lists_better_and_worse(runner: CliRunner, corpus_dir: Path, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", GOOD_SET)
    before = tmp_path / "before.json"
    assert run_eval(runner, good, "--corpus", corpus_dir, "--json", before).exit_code == 0
    # The corpus loses its Surgery section: the surgery case gets worse, the other stays.
    doc = corpus_dir / "small.md"
    doc.write_text(doc.read_text(encoding="utf-8").split("## Surgery")[0], encoding="utf-8")
    result = run_eval(runner, good, "--corpus", corpus_dir, "--baseline", before)
    assert result.exit_code == 1
    assert "0 better, 1 worse" in result.output
    assert "worse:  small/surgery-home: pass, rank 1 -> FAIL" in result.output
    broken = write(tmp_path, "broken.json", '{"cases": [{"id": 1}]}')
    assert run_eval(runner, good, "--corpus", corpus_dir, "--baseline", broken).exit_code == 2


def test_progress_bar_only_when_enabled_and_slow(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress(3, "Checking", enabled=False, delay=0) as quiet:
        for _ in range(3):
            quiet.step()
    assert capsys.readouterr().err == ""
    with Progress(3, "Checking", enabled=True, delay=0) as shown:
        for _ in range(3):
            shown.step()
    assert "Checking" in capsys.readouterr().err


# --- batch mode ---------------------------------------------------------------------------

FAQ_ROWS = [
    {"id": "r-botox", "question": "How long does Botox last?", "answer": "Botox injections last three to four months."},
    {"id": "r-mvd", "question": "What is MVD?", "answer": "Microvascular decompression moves an artery off the nerve."},
    {
        "id": "r-sleep",
        "question": "Does the twitch stop in sleep?",
        "answer": "The twitching may continue during sleep.",
    },
    {"id": "r-cost", "question": "What does it cost?", "answer": "Prices depend on your insurance plan."},
]


@pytest.fixture
def faq_file(tmp_path: Path) -> Path:
    path = tmp_path / "faq.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in FAQ_ROWS), encoding="utf-8")
    return path


def test_batch_run_file_format(runner: CliRunner, faq_file: Path, tmp_path: Path) -> None:
    questions = write(
        tmp_path,
        "q.jsonl",
        '{"id": "q1", "text": "botox last"}\n{"id": "q2", "text": "microvascular nerve"}\n'
        '{"id": "q3", "text": "zzzz"}\n',
    )
    run = tmp_path / "run.jsonl"
    result = run_eval(runner, questions, "--corpus", faq_file, "--run", run, "--top-k", "2")
    assert result.exit_code == 0, result.output
    assert "Ranked 3 questions against 4 passages" in result.output
    lines = [json.loads(line) for line in run.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2", "q3"]
    assert lines[0]["ranking"][0]["id"] == "r-botox" and lines[1]["ranking"][0]["id"] == "r-mvd"
    assert all(set(entry) == {"id", "passage", "score"} for line in lines for entry in line["ranking"])
    assert all(len(line["ranking"]) <= 2 for line in lines) and lines[2]["ranking"] == []
    assert lines[0]["ranking"][0]["passage"].endswith("r-botox")


def test_batch_ranking_equals_bot_rank(faq_file: Path) -> None:
    bot = Bot.from_settings(Settings(corpus=faq_file))
    for text in ["botox last months", "nerve artery twitch sleep", "cost", "the", "decompresion"]:
        positions, scores = rank_positions(bot, text, 1000)
        ranking = bot.rank(text, top_k=1000)
        assert [bot.passages[i].id for i in positions] == [hit.passage.id for hit in ranking.hits]
        assert scores == [hit.score for hit in ranking.hits]


def test_batch_metrics_from_expected_rows(runner: CliRunner, faq_file: Path, tmp_path: Path) -> None:
    questions = write(
        tmp_path,
        "q.jsonl",
        '{"id": "q1", "text": "botox last", "expect_passages": ["r-botox"]}\n'
        '{"id": "q2", "text": "twitch", "expect_passages": ["r-cost"]}\n',
    )
    out = tmp_path / "out.json"
    result = run_eval(
        runner, questions, "--corpus", faq_file, "--run", tmp_path / "run.jsonl", "--json", out, "--min-hit1", "0.9"
    )
    assert result.exit_code == 1  # hit@1 is 0.5
    assert "hit@1                             0.500 (1/2)" in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["mode"] == "batch"


def test_batch_refuses_conversations(runner: CliRunner, faq_file: Path, tmp_path: Path) -> None:
    conv = write(tmp_path, "c.yaml", "cases:\n  - id: c\n    turns: [{message: a}, {message: b}]\n")
    result = run_eval(runner, conv, "--corpus", faq_file, "--run", tmp_path / "run.jsonl")
    assert result.exit_code == 2 and "conversations cannot be ranked" in result.output


def test_a_large_batch_ranked_in_forked_processes_writes_the_same_run(
    faq_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chatbot eval --run` ranks a batch of 200+ questions in one process per CPU; the run
    file and the graded results must be those of the one-process run, in question order."""
    import io

    import chatbot.evaluation.batch as evaluation
    from chatbot.evaluation.set_files import load_question_set

    words = ["botox last", "microvascular nerve", "twitch sleep", "cost insurance", "artery", "zzzz"]
    lines = "".join(
        json.dumps({"id": f"q{n}", "text": words[n % len(words)], "expect_passages": ["r-botox"]}) + "\n"
        for n in range(130)
    )
    sets = [load_question_set(write(tmp_path, "q.jsonl", lines))]
    bot = Bot.from_settings(Settings(corpus=faq_file))
    monkeypatch.setattr(evaluation, "PARALLEL_MIN_QUESTIONS", 10)
    runs = []
    for workers in (1, 2, 3):
        out = io.StringIO()
        results = evaluation.run_batch(bot, sets, top_k=3, out=out, workers=workers)
        runs.append((out.getvalue(), [(r.case.id, r.turns[0].rank, r.turns[0].ranking) for r in results]))
    assert runs[0][0].count("\n") == 130 and runs[0][0].startswith('{"id": "q0", ')
    assert runs[1] == runs[0] and runs[2] == runs[0]
