"""Metrics of a QA run and the thresholds it must meet.

Rank metrics count turns whose expectation names passages or phrases:
hit@1 and hit@3 (an expected passage at rank 1, or in the first three), MRR@10
(mean of 1/rank of the first expected passage, 0 past rank 10), and nDCG@10 over
turns with graded ``relevance`` (gain 2^grade - 1, ideal order from the grades
given). Decline rate: share of turns expecting "not found" that got a reply quoting no
passage ("not found", or a small-talk reply such as the clinic's own details), as the shared
dev-set scorer counts it. False-decline rate: share of turns expecting an answer that got one. Urgent recall: share
of turns expecting "urgent" that got it; urgent false alarms: other turns that got it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from chatbot.dialogue.reply import ReplyType
from chatbot.evaluation.results import DEPTH, CaseResult, TurnResult

__all__ = ["Metrics", "Rate", "ThresholdCheck", "Thresholds", "compute_metrics", "ndcg_at"]


@dataclass(frozen=True, slots=True)
class Rate:
    """``hits`` out of ``total``; ``value`` is None when nothing was measured."""

    hits: float
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def show(self) -> str:
        value = self.value
        if value is None:
            return "n/a"
        count = f"{self.hits:g}" if float(self.hits).is_integer() else f"{self.hits:.2f}"
        return f"{value:.3f} ({count}/{self.total})"

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        return {"value": None if value is None else round(value, 6), "hits": round(self.hits, 6), "total": self.total}


@dataclass(frozen=True, slots=True)
class Metrics:
    """The figures of one run."""

    cases: Rate
    turns: Rate
    hit1: Rate
    hit3: Rate
    mrr10: Rate
    ndcg10: Rate
    decline: Rate
    false_decline: Rate
    urgent_recall: Rate
    urgent_false_alarms: Rate
    latency_p50_ms: float | None
    latency_p95_ms: float | None

    LABELS = {
        "cases": "cases passed",
        "turns": "turns passed",
        "hit1": "hit@1",
        "hit3": "hit@3",
        "mrr10": "MRR@10",
        "ndcg10": "nDCG@10",
        "decline": "decline rate (unanswerable)",
        "false_decline": "false-decline rate (answerable)",
        "urgent_recall": "urgent recall",
        "urgent_false_alarms": "urgent false alarms",
    }

    def rates(self) -> list[tuple[str, str, Rate]]:
        """(key, label, rate) in display order."""
        return [(f.name, self.LABELS[f.name], getattr(self, f.name)) for f in fields(self) if f.name in self.LABELS]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: rate.to_dict() for key, _label, rate in self.rates()}
        out["latency_p50_ms"] = None if self.latency_p50_ms is None else round(self.latency_p50_ms, 3)
        out["latency_p95_ms"] = None if self.latency_p95_ms is None else round(self.latency_p95_ms, 3)
        return out


#: Reply types that quote no passage: the documents were not used to answer.
_DECLINED = frozenset({ReplyType.NOT_FOUND.value, ReplyType.SMALLTALK.value})


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (0-100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ndcg_at(grades: Sequence[int], ideal: Iterable[int], k: int = DEPTH) -> float:
    """nDCG@k of a ranked list of grades against the ideal grades (0.0 when nothing is relevant)."""

    def dcg(values: Iterable[int]) -> float:
        return sum(float(2**g - 1) / math.log2(i + 2) for i, g in enumerate(values) if i < k)

    best = dcg(sorted(ideal, reverse=True))
    return dcg(grades) / best if best > 0 else 0.0


def _ndcg(turn: TurnResult) -> float:
    return ndcg_at([entry.grade for entry in turn.ranking], turn.expect.relevance.values())


def compute_metrics(results: Sequence[CaseResult]) -> Metrics:
    """All figures of a run, from its case results."""
    turns = [turn for result in results for turn in result.turns]
    ranked = [turn for turn in turns if turn.expect.retrieval]
    graded = [turn for turn in turns if any(g > 0 for g in turn.expect.relevance.values())]
    unanswerable = [turn for turn in turns if turn.expect.type is ReplyType.NOT_FOUND]
    answerable = [turn for turn in turns if turn.expect.answerable and turn.reply_type != "ranking"]
    urgent = [turn for turn in turns if turn.expect.type is ReplyType.URGENT]
    not_urgent = [turn for turn in turns if turn.expect.type is not ReplyType.URGENT and turn.reply_type != "ranking"]
    latencies = [turn.latency_ms for turn in turns if turn.reply_type != "error"]
    return Metrics(
        cases=Rate(sum(result.passed for result in results), len(results)),
        turns=Rate(sum(turn.passed for turn in turns), len(turns)),
        hit1=Rate(sum(turn.rank == 1 for turn in ranked), len(ranked)),
        hit3=Rate(sum(turn.rank is not None and turn.rank <= 3 for turn in ranked), len(ranked)),
        mrr10=Rate(sum(1 / turn.rank for turn in ranked if turn.rank and turn.rank <= DEPTH), len(ranked)),
        ndcg10=Rate(sum(_ndcg(turn) for turn in graded), len(graded)),
        decline=Rate(sum(turn.reply_type in _DECLINED for turn in unanswerable), len(unanswerable)),
        false_decline=Rate(sum(turn.reply_type in _DECLINED for turn in answerable), len(answerable)),
        urgent_recall=Rate(sum(turn.reply_type == ReplyType.URGENT.value for turn in urgent), len(urgent)),
        urgent_false_alarms=Rate(
            sum(turn.reply_type == ReplyType.URGENT.value for turn in not_urgent), len(not_urgent)
        ),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    """One threshold and whether the run met it."""

    name: str
    metric: str
    limit: float
    value: float | None
    passed: bool

    def describe(self) -> str:
        sign = ">=" if self.name.startswith("min") else "<="
        label = Metrics.LABELS[self.metric]
        if self.value is None:
            return f"{label} {sign} {self.limit:g}: not measured (no case in these sets measures it)"
        verdict = "ok" if self.passed else "MISSED"
        return f"{label} {self.value:.3f} {sign} {self.limit:g}: {verdict}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metric": self.metric,
            "limit": self.limit,
            "value": self.value,
            "passed": self.passed,
        }


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Limits from ``--min-hit1`` etc.; None means not checked."""

    min_hit1: float | None = None
    min_hit3: float | None = None
    min_decline: float | None = None
    max_false_decline: float | None = None

    METRICS = {"min_hit1": "hit1", "min_hit3": "hit3", "min_decline": "decline", "max_false_decline": "false_decline"}

    def check(self, metrics: Metrics) -> list[ThresholdCheck]:
        """Every threshold given; one that no case measures counts as missed."""
        checks = []
        for name, metric in self.METRICS.items():
            limit = getattr(self, name)
            if limit is None:
                continue
            value = getattr(metrics, metric).value
            passed = value is not None and (value >= limit if name.startswith("min") else value <= limit)
            checks.append(ThresholdCheck(name, metric, limit, value, passed))
        return checks
