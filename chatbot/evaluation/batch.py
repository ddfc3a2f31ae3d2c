"""Batch mode (``chatbot eval --run OUT.jsonl``): rank every question, one JSON line per question.

Questions are ranked by :meth:`PassageIndex.rank_positions` (no urgent, small-talk or not-found
handling), in forked processes for a large batch (:mod:`chatbot.forking`).
"""

from __future__ import annotations

import json
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

import numpy

from chatbot.bot import Bot
from chatbot.errors import EvalFileError
from chatbot.evaluation.results import DEPTH, CaseResult, RankedPassage, TurnResult
from chatbot.evaluation.run import Grader, first_relevant
from chatbot.evaluation.sets import QuestionSet
from chatbot.forking import forked_slices

__all__ = ["run_batch"]


def rank_positions(bot: Bot, text: str, top_k: int) -> tuple[list[int], list[float]]:
    """Passage positions and scores of :meth:`Bot.rank` (:meth:`PassageIndex.positions`)."""
    index = bot.index
    return index.positions(index.query(text, correct_spelling=False), top_k=top_k)


#: Batches smaller than this are ranked in one process (forking costs more than it saves).
PARALLEL_MIN_QUESTIONS = 200
_BATCH_SLICE = 50  # questions per slice: the progress bar moves a slice at a time


@dataclass(frozen=True)
class _BatchJob:
    """A batch as the (forked) workers see it."""

    bot: Bot
    texts: list[str]
    ids: list[str]
    top_k: int
    prefixes: list[str]  # per passage, the start of its run-file entry; empty: no run file
    keep: bool  # whole rankings kept (--json), else the first DEPTH


def _run_line(question_id: str, positions: list[int], scores: list[float], prefixes: list[str]) -> str:
    """One line of the run file (built with maps over C functions: a million entries at --top-k 1000)."""
    scores_text = map(repr, numpy.round(scores, 6).tolist())
    entries = map(operator.add, map(prefixes.__getitem__, positions), scores_text)
    ranking = "}, ".join(entries) + ("}" if positions else "")
    return f'{{"id": {json.dumps(question_id, ensure_ascii=False)}, "ranking": [{ranking}]}}\n'


def _rank_slice(job: _BatchJob, start: int, end: int) -> list[tuple[list[int], list[float], float, str]]:
    """Questions ``start:end`` of a batch: kept positions and scores, latency (ms), run-file line."""
    ranked = []
    for i in range(start, end):
        started = time.perf_counter()
        positions, scores = rank_positions(job.bot, job.texts[i], job.top_k)
        latency = (time.perf_counter() - started) * 1000
        line = _run_line(job.ids[i], positions, scores, job.prefixes) if job.prefixes else ""
        depth = len(positions) if job.keep else DEPTH
        ranked.append((positions[:depth], scores[:depth], latency, line))
    return ranked


def run_batch(
    bot: Bot,
    sets: Sequence[QuestionSet],
    *,
    top_k: int,
    out: IO[str] | None = None,
    keep_rankings: bool = False,
    on_case: Callable[[CaseResult], None] | None = None,
    workers: int = 1,
) -> list[CaseResult]:
    """Rank every question like :meth:`Bot.rank` and write one JSON line per question to ``out``.

    Line format: ``{"id": <question id>, "ranking": [{"id": <FAQ row id, or passage id>,
    "passage": <passage id>, "score": <float>}, ...]}``. Rank metrics are computed where a
    question names relevant passages; types, documents and forbidden text are not checked.
    ``workers`` > 1 ranks a large batch in forked processes (:mod:`chatbot.forking`; only
    for callers with no other threads), with the same lines in the same order.
    """
    cases = [(qs, case) for qs in sets for case in qs.cases]
    for qs, case in cases:
        if case.is_conversation:
            raise EvalFileError(
                qs.path, "conversations cannot be ranked in batch mode (--run)", case=case.id, field="turns"
            )
    grader = Grader(bot)
    passages = bot.index.passages
    prefixes: list[str] = []
    if out is not None:
        dumps = json.dumps
        prefixes = [
            f'{{"id": {dumps(p.row_id or p.id, ensure_ascii=False)}, "passage": {dumps(p.id, ensure_ascii=False)}, '
            '"score": '
            for p in passages
        ]
    texts = [case.turns[0].message for _qs, case in cases]
    job = _BatchJob(bot, texts, [case.id for _qs, case in cases], top_k, prefixes, keep_rankings)
    if len(cases) < PARALLEL_MIN_QUESTIONS:
        workers = 1
    ranked = (row for part in forked_slices(_rank_slice, job, len(cases), workers=workers, slice_size=_BATCH_SLICE)
              for row in part)  # fmt: skip
    results = []
    for (_qs, case), (positions, scores, latency, line) in zip(cases, ranked, strict=True):
        turn = case.turns[0]
        if out is not None:
            out.write(line)
        expect = turn.expect
        kept = [(passages[i], score) for i, score in zip(positions, scores, strict=True)]
        if expect.retrieval:
            graded = grader.ranked(kept, expect)
        else:
            graded = tuple(RankedPassage.of(passage, score, 0) for passage, score in kept)
        rank = first_relevant(graded) if expect.retrieval else None
        result = CaseResult(
            case=case,
            turns=(TurnResult(turn.message, expect, top_k, "ranking", "", 0, graded, rank, (), latency),),
        )
        results.append(result)
        if on_case is not None:
            on_case(result)
    return results
