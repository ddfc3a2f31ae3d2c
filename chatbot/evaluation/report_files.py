"""Report files: JUnit XML for CI systems, and a readable Markdown or HTML report, failing cases first."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from chatbot.evaluation.reports import Run, shorten
from chatbot.evaluation.results import CaseResult, TurnResult
from chatbot.evaluation.sets import Expectation

__all__ = ["write_report"]


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
            lines.append(f"  [{n}] {entry.id}{mark}: {shorten(entry.text, 160)}")
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
            out.append(f"- **Got:** {turn.reply_type}: {shorten(turn.reply, 300)}")
            for n, entry in enumerate(turn.shown_passages, start=1):
                mark = " ✔ expected" if entry.grade else ""
                out.append(f"  {n}. `{entry.id}` ({entry.section}){mark}: {shorten(entry.text, 200)}")
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
            out.append(f"<li><strong>Got:</strong> {e(turn.reply_type)}: {e(shorten(turn.reply, 300))}</li></ul><ol>")
            for entry in turn.shown_passages:
                mark = " ✔ expected" if entry.grade else ""
                out.append(
                    f"<li><code>{e(entry.id)}</code> ({e(entry.section)}){mark}: {e(shorten(entry.text, 200))}</li>"
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
