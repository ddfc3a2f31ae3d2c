"""Batch mode (``chatbot eval --run OUT.jsonl``): rank every question, one JSON line per question,
and/or a TREC run file (``qid Q0 docid rank score tag``, ``--run-format trec``).

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
from chatbot.evaluation.beir import RECALL_DEPTH, trec_order
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
#: The last column of a TREC run file: which system made the run.
TREC_TAG = "chatbot"


@dataclass(frozen=True)
class _BatchJob:
    """A batch as the (forked) workers see it."""

    bot: Bot
    texts: list[str]
    ids: list[str]
    top_k: int
    prefixes: list[str]  # per passage, the start of its run-file entry; empty: no run file
    keep: bool  # whole rankings kept (--json), else the first DEPTH
    docids: list[str]  # per passage, its document id in a TREC run; empty: neither TREC nor qrels
    trec: bool  # a TREC run file is written


def _run_line(question_id: str, positions: list[int], scores: list[float], prefixes: list[str]) -> str:
    """One line of the run file (built with maps over C functions: a million entries at --top-k 1000)."""
    scores_text = map(repr, numpy.round(scores, 6).tolist())
    entries = map(operator.add, map(prefixes.__getitem__, positions), scores_text)
    ranking = "}, ".join(entries) + ("}" if positions else "")
    return f'{{"id": {json.dumps(question_id, ensure_ascii=False)}, "ranking": [{ranking}]}}\n'


def _trec_lines(question_id: str, ranking: list[tuple[str, float]]) -> str:
    """A question's lines of the TREC run file, in trec_eval's order (:func:`trec_order`)."""
    head = f"{question_id} Q0 "
    return "".join(f"{head}{doc} {rank} {score!r} {TREC_TAG}\n" for rank, (doc, score) in enumerate(ranking, 1))


_Ranked = tuple[list[int], list[float], float, str, str, list[str]]


def _rank_slice(job: _BatchJob, start: int, end: int) -> list[_Ranked]:
    """Questions ``start:end`` of a batch: kept positions and scores, latency (ms), JSONL line,
    TREC lines, and the first :data:`RECALL_DEPTH` document ids in trec_eval's order."""
    ranked = []
    for i in range(start, end):
        started = time.perf_counter()
        positions, scores = rank_positions(job.bot, job.texts[i], job.top_k)
        latency = (time.perf_counter() - started) * 1000
        line = _run_line(job.ids[i], positions, scores, job.prefixes) if job.prefixes else ""
        trec, documents = "", []
        if job.docids:  # scores as the run files write them (6 decimals), so the order is the file's
            rounded = numpy.round(scores, 6).tolist()
            ranking = trec_order(zip([job.docids[p] for p in positions], rounded, strict=True))
            trec = _trec_lines(job.ids[i], ranking) if job.trec else ""
            documents = [doc for doc, _score in ranking[:RECALL_DEPTH]]
        depth = len(positions) if job.keep else DEPTH
        ranked.append((positions[:depth], scores[:depth], latency, line, trec, documents))
    return ranked


def _check_trec_ids(ids: Sequence[str], docids: Sequence[str], source: object) -> None:
    """A TREC run file is split on whitespace: no id may hold any."""
    for kind, values in (("question id", ids), ("document id", docids)):
        bad = next((value for value in values if len(value.split()) != 1), None)
        if bad is not None:
            raise EvalFileError(str(source), f"the {kind} {bad!r} holds a space; a TREC run file cannot carry it")


def run_batch(
    bot: Bot,
    sets: Sequence[QuestionSet],
    *,
    top_k: int,
    out: IO[str] | None = None,
    keep_rankings: bool = False,
    on_case: Callable[[CaseResult], None] | None = None,
    workers: int = 1,
    trec_out: IO[str] | None = None,
    judged: dict[str, list[str]] | None = None,
) -> list[CaseResult]:
    """Rank every question like :meth:`Bot.rank` and write one JSON line per question to ``out``.

    Line format: ``{"id": <question id>, "ranking": [{"id": <FAQ row id, or passage id>,
    "passage": <passage id>, "score": <float>}, ...]}``. Rank metrics are computed where a
    question names relevant passages; types, documents and forbidden text are not checked.
    ``workers`` > 1 ranks a large batch in forked processes (:mod:`chatbot.forking`; only
    for callers with no other threads), with the same lines in the same order.

    ``trec_out`` receives the TREC run file (``qid Q0 docid rank score chatbot``; the docid is
    the FAQ or BEIR row id, else the passage id; each document once). ``judged``, when given,
    is filled with each question's first 100 document ids in that order, for
    :func:`chatbot.evaluation.beir.evaluate_rankings`.
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
    ids = [case.id for _qs, case in cases]
    docids = [p.row_id or p.id for p in passages] if trec_out is not None or judged is not None else []
    if trec_out is not None:
        _check_trec_ids(ids, docids, getattr(trec_out, "name", "--run"))
    job = _BatchJob(bot, texts, ids, top_k, prefixes, keep_rankings, docids, trec_out is not None)
    if len(cases) < PARALLEL_MIN_QUESTIONS:
        workers = 1
    ranked = (row for part in forked_slices(_rank_slice, job, len(cases), workers=workers, slice_size=_BATCH_SLICE)
              for row in part)  # fmt: skip
    results = []
    for (_qs, case), (positions, scores, latency, line, trec, documents) in zip(cases, ranked, strict=True):
        turn = case.turns[0]
        if out is not None:
            out.write(line)
        if trec_out is not None:
            trec_out.write(trec)
        if judged is not None:
            judged[case.id] = documents
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
