"""What ``chatbot eval`` writes: the terminal table, JSON, JUnit XML, a Markdown or
HTML report for QA staff (failing cases first), and the comparison with a baseline run.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from chatbot import __version__
from chatbot.errors import EvalFileError
from chatbot.evaluation.metrics import Metrics, ThresholdCheck
from chatbot.evaluation.run import CaseResult, TurnResult
from chatbot.evaluation.sets import Expectation, QuestionSet

__all__ = ["Comparison", "Progress", "Run", "compare", "load_baseline", "render_table", "write_report"]

JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Run:
    """Everything one ``chatbot eval`` produced."""

    sets: tuple[QuestionSet, ...]
    results: tuple[CaseResult, ...]
    metrics: Metrics
    thresholds: tuple[ThresholdCheck, ...]
    mode: str
    corpus: str
    seconds: float
    comparison: Comparison | None = None

    @property
    def failed(self) -> list[CaseResult]:
        return [result for result in self.results if not result.passed]

    @property
    def missed(self) -> list[ThresholdCheck]:
        return [check for check in self.thresholds if not check.passed]

    @property
    def passed(self) -> bool:
        return not self.missed and not self.failed

    def verdict(self) -> str:
        if self.passed:
            return "PASSED"
        parts = []
        if self.failed:
            parts.append(f"{len(self.failed)} case{'s' if len(self.failed) != 1 else ''} failed")
        if self.missed:
            parts.append(f"{len(self.missed)} threshold{'s' if len(self.missed) != 1 else ''} missed")
        return f"FAILED ({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema_version": JSON_SCHEMA_VERSION,
            "tool": f"chatbot eval {__version__}",
            "mode": self.mode,
            "corpus": self.corpus,
            "seconds": round(self.seconds, 3),
            "passed": self.passed,
            "sets": [
                {"name": qs.name, "path": str(qs.path), "cases": len(qs.cases), "description": qs.description}
                for qs in self.sets
            ],
            "metrics": self.metrics.to_dict(),
            "thresholds": [check.to_dict() for check in self.thresholds],
            "cases": [result.to_dict() for result in self.results],
        }
        if self.comparison is not None:
            out["baseline"] = self.comparison.to_dict()
        return out


# --- baseline -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """A case whose result moved between the baseline and this run."""

    key: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """Cases that got better or worse than in a baseline ``--json`` run."""

    baseline: str
    better: tuple[Change, ...] = ()
    worse: tuple[Change, ...] = ()
    new: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    metrics: tuple[tuple[str, float | None, float | None], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        def changes(items: tuple[Change, ...]) -> list[dict[str, str]]:
            return [{"case": c.key, "before": c.before, "after": c.after} for c in items]

        return {
            "path": self.baseline,
            "better": changes(self.better),
            "worse": changes(self.worse),
            "new": list(self.new),
            "gone": list(self.gone),
            "metrics": [{"metric": m, "before": b, "after": a} for m, b, a in self.metrics],
        }

    def lines(self) -> list[str]:
        out = [
            f"Compared with {self.baseline}: {len(self.better)} better, {len(self.worse)} worse, "
            f"{len(self.new)} new, {len(self.gone)} gone."
        ]
        out += [f"  worse:  {c.key}: {c.before} -> {c.after}" for c in self.worse]
        out += [f"  better: {c.key}: {c.before} -> {c.after}" for c in self.better]
        for label, before, after in self.metrics:
            if before != after:
                out.append(f"  {label}: {_num(before)} -> {_num(after)}")
        return out


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _state(passed: bool, rank: int | None) -> str:
    return f"{'pass' if passed else 'FAIL'}, rank {rank if rank is not None else '-'}"


def load_baseline(path: Path) -> dict[str, Any]:
    """A previous ``--json`` output; errors name the file and field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalFileError(path, "no such baseline file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalFileError(path, f"not a JSON file written by 'chatbot eval --json': {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvalFileError(path, "not a 'chatbot eval --json' file", field="cases")
    for number, case in enumerate(data["cases"], start=1):
        if (
            not isinstance(case, dict)
            or not isinstance(case.get("key"), str)
            or not isinstance(case.get("passed"), bool)
        ):
            raise EvalFileError(path, "each case needs 'key' and 'passed'", case=f"#{number}", field="cases")
    return data


def compare(baseline: dict[str, Any], path: str, results: Sequence[CaseResult], metrics: Metrics) -> Comparison:
    """Which cases got better (failed -> passed, or a better rank) or worse."""
    before = {case["key"]: case for case in baseline["cases"]}
    better, worse, new = [], [], []
    for result in results:
        old = before.get(result.case.key)
        if old is None:
            new.append(result.case.key)
            continue
        old_rank = old.get("rank") if isinstance(old.get("rank"), int) else None
        old_key = (old["passed"], -(old_rank or 10**6))
        new_key = (result.passed, -(result.rank or 10**6))
        change = Change(result.case.key, _state(old["passed"], old_rank), _state(result.passed, result.rank))
        if new_key > old_key:
            better.append(change)
        elif new_key < old_key:
            worse.append(change)
    keys = {result.case.key for result in results}
    gone = [key for key in before if key not in keys]
    raw_metrics = baseline.get("metrics")
    old_metrics: dict[str, Any] = raw_metrics if isinstance(raw_metrics, dict) else {}
    moved = []
    for key, label, rate in metrics.rates():
        old_value = old_metrics.get(key, {}).get("value") if isinstance(old_metrics.get(key), dict) else None
        moved.append((label, old_value if isinstance(old_value, (int, float)) else None, rate.value))
    return Comparison(path, tuple(better), tuple(worse), tuple(new), tuple(gone), tuple(moved))


# --- terminal -----------------------------------------------------------------------------


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(run: Run, *, show_cases: bool = True) -> str:
    """The per-case table (pass/fail, rank of the first hit, kind of reply), metrics and verdict."""
    lines: list[str] = []
    if show_cases and run.results:
        width = min(44, max(len(result.case.key) for result in run.results))
        lines.append(f"{'result':6}  {'case':{width}}  {'rank':>4}  {'reply':10}  {'ms':>6}  problem")
        for result in run.results:
            rank = "-" if result.rank is None else str(result.rank)
            kind = result.turns[-1].reply_type
            turns = f" ({len(result.turns)} turns)" if len(result.turns) > 1 else ""
            problem = result.problems[0] if result.problems else ""
            lines.append(
                f"{'PASS' if result.passed else 'FAIL':6}  {_short(result.case.key, width):{width}}  {rank:>4}  "
                f"{kind:10}  {result.latency_ms:6.1f}  {_short(problem + turns if problem else turns.strip(), 70)}"
            )
        lines.append("")
    lines.extend(metric_lines(run))
    if run.comparison is not None:
        lines.append("")
        lines.extend(run.comparison.lines())
    lines.append("")
    lines.append(f"{run.verdict()} in {run.seconds:.2f} s")
    return "\n".join(lines)


def metric_lines(run: Run) -> list[str]:
    metrics = run.metrics
    lines = [f"Sets: {', '.join(f'{qs.name} ({len(qs.cases)})' for qs in run.sets)}; corpus: {run.corpus}"]
    for key, label, rate in metrics.rates():
        if rate.total and not (run.mode == "batch" and key in ("cases", "turns")):  # batch ranks, checks nothing
            lines.append(f"  {label:33} {rate.show()}")
    if metrics.latency_p50_ms is not None and metrics.latency_p95_ms is not None:
        lines.append(f"  {'latency p50 / p95':33} {metrics.latency_p50_ms:.2f} ms / {metrics.latency_p95_ms:.2f} ms")
    for check in run.thresholds:
        lines.append(f"  threshold: {check.describe()}")
    return lines


class Progress:
    """A click progress bar on stderr that appears only on a terminal, and only once
    the run has taken longer than ``delay`` seconds (small sets finish silently)."""

    def __init__(self, total: int, label: str, *, enabled: bool | None = None, delay: float = 1.0) -> None:
        self.total = total
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.delay = delay
        self.done = 0
        self.started = time.monotonic()
        self._bar: Any = None

    def __enter__(self) -> Progress:
        return self

    def step(self, *_args: object) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self.enabled and time.monotonic() - self.started > self.delay and self.done < self.total:
            self._bar = click.progressbar(length=self.total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
            self._bar.update(self.done)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)


# --- JUnit --------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    return _XML_BAD.sub("?", text)


def junit_xml(run: Run) -> str:
    """JUnit XML: one testsuite per question set (one testcase per case) and one for thresholds."""
    root = ET.Element("testsuites", name="chatbot eval", tests="0", failures="0", errors="0", time=f"{run.seconds:.3f}")
    total = failures = 0
    for qs in run.sets:
        results = [result for result in run.results if result.case.set_name == qs.name]
        failed = sum(not result.passed for result in results)
        seconds = sum(result.latency_ms for result in results) / 1000
        suite = ET.SubElement(
            root,
            "testsuite",
            name=qs.name,
            tests=str(len(results)),
            failures=str(failed),
            errors="0",
            skipped="0",
            time=f"{seconds:.3f}",
            file=str(qs.path),
        )
        for result in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"qa.{qs.name}",
                name=_x(result.case.id),
                time=f"{result.latency_ms / 1000:.4f}",
            )
            if not result.passed:
                failure = ET.SubElement(case, "failure", message=_x(result.problems[0]), type="QACheckFailed")
                failure.text = _x("\n".join(_case_text(result)))
            out = ET.SubElement(case, "system-out")
            out.text = _x("\n".join(_got_lines(turn) for turn in result.turns))
        total += len(results)
        failures += failed
    if run.thresholds:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="thresholds",
            tests=str(len(run.thresholds)),
            failures=str(len(run.missed)),
            errors="0",
            skipped="0",
            time="0",
        )
        for check in run.thresholds:
            case = ET.SubElement(suite, "testcase", classname="qa.thresholds", name=check.name, time="0")
            if not check.passed:
                ET.SubElement(case, "failure", message=check.describe(), type="ThresholdMissed").text = check.describe()
        total += len(run.thresholds)
        failures += len(run.missed)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- Markdown and HTML reports ------------------------------------------------------------


def _expected(expect: Expectation) -> list[str]:
    out = []
    if expect.type is not None:
        out.append(f"reply type {expect.type.value}")
    if expect.not_types:
        out.append("not " + " or ".join(kind.value for kind in expect.not_types))
    if expect.texts:
        out.append(
            f"one of these phrases in the top {expect.top_k or 'k'}: " + "; ".join(f"“{t}”" for t in expect.texts)
        )
    if expect.passages:
        out.append("one of these passages in the top k: " + ", ".join(expect.passages))
    if expect.relevance:
        out.append("graded: " + ", ".join(f"{key}={grade}" for key, grade in expect.relevance.items()))
    if expect.documents:
        out.append("cited documents: " + ", ".join(expect.documents))
    if expect.forbid:
        out.append("never: " + "; ".join(f"“{t}”" for t in expect.forbid))
    return out or ["a well-formed reply (disclaimer, citations)"]


def _got_lines(turn: TurnResult) -> str:
    rank = turn.rank if turn.rank is not None else "-"
    return f"{turn.message!r} -> {turn.reply_type}, first expected passage at rank {rank}: {turn.reply}"


def _case_text(result: CaseResult) -> list[str]:
    lines = []
    for number, turn in enumerate(result.turns, start=1):
        lines.append(f"turn {number}: {turn.message}")
        lines.extend(f"  problem: {p}" for p in turn.problems)
        lines.extend(f"  expected: {e}" for e in _expected(turn.expect))
        lines.append(f"  got: {turn.reply_type}: {turn.reply}")
        for n, entry in enumerate(turn.shown_passages, start=1):
            mark = " (expected)" if entry.grade else ""
            lines.append(f"  [{n}] {entry.id}{mark}: {_short(entry.text, 160)}")
    return lines


def markdown_report(run: Run) -> str:
    out = [f"# QA report: {', '.join(qs.name for qs in run.sets)}", ""]
    out.append(f"**{run.verdict()}** · {len(run.results)} cases · corpus `{run.corpus}` · {run.seconds:.2f} s")
    out += ["", "| metric | value |", "|---|---|"]
    out += [f"| {label} | {rate.show()} |" for _key, label, rate in run.metrics.rates() if rate.total]
    if run.metrics.latency_p50_ms is not None and run.metrics.latency_p95_ms is not None:
        out.append(f"| latency p50 / p95 | {run.metrics.latency_p50_ms:.2f} ms / {run.metrics.latency_p95_ms:.2f} ms |")
    if run.thresholds:
        out += ["", "## Thresholds", ""] + [f"- {check.describe()}" for check in run.thresholds]
    if run.comparison is not None:
        out += ["", "## Compared with the baseline", "", "```", *run.comparison.lines(), "```"]
    out += ["", f"## Failing cases ({len(run.failed)})", ""]
    if not run.failed:
        out.append("None.")
    for result in run.failed:
        holdout = " (holdout)" if result.case.holdout else ""
        out += [f"### {result.case.key}{holdout}", ""]
        for number, turn in enumerate(result.turns, start=1):
            out.append(
                f"**Turn {number}:** “{turn.message}”" if len(result.turns) > 1 else f"**Message:** “{turn.message}”"
            )
            out.append("")
            out += [f"- ❌ {p}" for p in turn.problems] or ["- ✔ this turn passed"]
            out.append("- **Expected:** " + "; ".join(_expected(turn.expect)))
            out.append(f"- **Got:** {turn.reply_type}: {_short(turn.reply, 300)}")
            for n, entry in enumerate(turn.shown_passages, start=1):
                mark = " ✔ expected" if entry.grade else ""
                out.append(f"  {n}. `{entry.id}` ({entry.section}){mark}: {_short(entry.text, 200)}")
            out.append("")
    passed = [result for result in run.results if result.passed]
    out += ["", f"## Passing cases ({len(passed)})", "", "| case | rank | reply | ms |", "|---|---|---|---|"]
    out += [
        f"| {r.case.key} | {r.rank if r.rank is not None else '-'} | {r.turns[-1].reply_type} | {r.latency_ms:.1f} |"
        for r in passed
    ]
    return "\n".join(out) + "\n"


_CSS = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
    ".fail{color:#a40000}.pass{color:#0a6b0a}"
    "section.case{border-left:4px solid #a40000;padding-left:1rem;margin:1rem 0}"
    "code{background:#f3f3f3;padding:0 .2rem}"
)


def html_report(run: Run) -> str:
    e = html.escape
    verdict_class = "pass" if run.passed else "fail"
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>QA report: {e(', '.join(qs.name for qs in run.sets))}</title><style>{_CSS}</style></head><body>",
        f"<h1>QA report: {e(', '.join(qs.name for qs in run.sets))}</h1>",
        f'<p><strong class="{verdict_class}">{e(run.verdict())}</strong> · {len(run.results)} cases · '
        f"corpus <code>{e(run.corpus)}</code> · {run.seconds:.2f} s</p>",
        "<table><tr><th>metric</th><th>value</th></tr>",
    ]
    out += [
        f"<tr><td>{e(label)}</td><td>{e(rate.show())}</td></tr>"
        for _k, label, rate in run.metrics.rates()
        if rate.total
    ]
    p50, p95 = run.metrics.latency_p50_ms, run.metrics.latency_p95_ms
    if p50 is not None and p95 is not None:
        out.append(f"<tr><td>latency p50 / p95</td><td>{p50:.2f} ms / {p95:.2f} ms</td></tr>")
    out.append("</table>")
    if run.thresholds:
        out.append("<h2>Thresholds</h2><ul>")
        out += [f'<li class="{"pass" if c.passed else "fail"}">{e(c.describe())}</li>' for c in run.thresholds]
        out.append("</ul>")
    if run.comparison is not None:
        out.append("<h2>Compared with the baseline</h2><pre>" + e("\n".join(run.comparison.lines())) + "</pre>")
    out.append(f"<h2>Failing cases ({len(run.failed)})</h2>")
    for result in run.failed:
        holdout = " (holdout)" if result.case.holdout else ""
        out.append(f'<section class="case"><h3>{e(result.case.key)}{holdout}</h3>')
        for number, turn in enumerate(result.turns, start=1):
            heading = f"Turn {number}" if len(result.turns) > 1 else "Message"
            out.append(f"<p><strong>{heading}:</strong> “{e(turn.message)}”</p><ul>")
            out += [f'<li class="fail">{e(p)}</li>' for p in turn.problems]
            out.append(f"<li><strong>Expected:</strong> {e('; '.join(_expected(turn.expect)))}</li>")
            out.append(f"<li><strong>Got:</strong> {e(turn.reply_type)}: {e(_short(turn.reply, 300))}</li></ul><ol>")
            for entry in turn.shown_passages:
                mark = " ✔ expected" if entry.grade else ""
                out.append(
                    f"<li><code>{e(entry.id)}</code> ({e(entry.section)}){mark}: {e(_short(entry.text, 200))}</li>"
                )
            out.append("</ol>")
        out.append("</section>")
    passed = [result for result in run.results if result.passed]
    out.append(
        f"<h2>Passing cases ({len(passed)})</h2><table><tr><th>case</th><th>rank</th><th>reply</th><th>ms</th></tr>"
    )
    out += [
        f"<tr><td>{e(r.case.key)}</td><td>{r.rank if r.rank is not None else '-'}</td>"
        f"<td>{e(r.turns[-1].reply_type)}</td><td>{r.latency_ms:.1f}</td></tr>"
        for r in passed
    ]
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def write_report(run: Run, path: Path) -> None:
    """``--report``: HTML for .html/.htm, Markdown otherwise."""
    text = html_report(run) if path.suffix.lower() in {".html", ".htm"} else markdown_report(run)
    path.write_text(text, encoding="utf-8")
