"""What ``chatbot eval`` writes: the terminal table, JSON, JUnit XML, a Markdown or
HTML report for QA staff (failing cases first), and the comparison with a baseline run.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from chatbot import __version__
from chatbot.errors import EvalFileError
from chatbot.evaluation.metrics import Metrics, ThresholdCheck
from chatbot.evaluation.results import CaseResult
from chatbot.evaluation.sets import QuestionSet

__all__ = ["Comparison", "Progress", "Run", "compare", "load_baseline", "render_table"]

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


def shorten(text: str, width: int) -> str:
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
                f"{'PASS' if result.passed else 'FAIL':6}  {shorten(result.case.key, width):{width}}  {rank:>4}  "
                f"{kind:10}  {result.latency_ms:6.1f}  {shorten(problem + turns if problem else turns.strip(), 70)}"
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
