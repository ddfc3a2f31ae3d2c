"""The ``chatbot eval`` workflow: read question sets, build the bot, run, write outputs.

Exit status: 0 when every case passed and every threshold was met, 1 when a case
failed or a threshold was missed, 2 on a usage or file error (raised as
:class:`EvalFileError` or :class:`ConfigError` and turned into exit 2 by the CLI).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from chatbot.bot import Bot
from chatbot.errors import EvalFileError
from chatbot.evaluation.batch import run_batch
from chatbot.evaluation.beir import Qrels, QrelsMetrics, beir_qrels, evaluate_rankings, read_qrels
from chatbot.evaluation.metrics import Thresholds, compute_metrics
from chatbot.evaluation.report_files import junit_xml, write_report
from chatbot.evaluation.reports import Progress, Run, compare, load_baseline, render_table
from chatbot.evaluation.results import MAX_CHECK_TOP_K, CaseResult
from chatbot.evaluation.run import run_checks
from chatbot.evaluation.set_files import load_question_files
from chatbot.evaluation.sets import MAX_TOP_K, QuestionSet
from chatbot.forking import available_workers

__all__ = ["EXIT_FAILED", "EXIT_OK", "EvalOptions", "evaluate"]

EXIT_OK = 0
EXIT_FAILED = 1
BATCH_DEFAULT_TOP_K = 100
#: What ``--run`` can write: one JSON line per question, and/or a TREC run file.
RUN_FORMATS = ("jsonl", "trec")


@dataclass(frozen=True, slots=True)
class EvalOptions:
    """The options of ``chatbot eval`` (paths are outputs unless named otherwise)."""

    questions: tuple[Path, ...]
    top_k: int | None = None
    json_out: Path | None = None
    run_out: Path | None = None
    junit_out: Path | None = None
    report_out: Path | None = None
    baseline: Path | None = None
    thresholds: Thresholds = Thresholds()
    progress: bool | None = None
    run_formats: tuple[str, ...] = ("jsonl",)
    qrels: Path | None = None  # default in batch mode: a BEIR folder's qrels/test.tsv

    def run_paths(self) -> dict[str, Path]:
        """Format -> file: ``run_out`` itself for one format; for both, its name with each format's suffix."""
        if self.run_out is None:
            return {}
        formats = tuple(dict.fromkeys(self.run_formats))
        if len(formats) == 1:
            return {formats[0]: self.run_out}
        return {fmt: self.run_out.with_suffix(f".{fmt}") for fmt in formats}


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise EvalFileError(path, f"cannot write the file: {exc.strerror or exc}") from None


def _shown_path(path: Path) -> str:
    """The corpus path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _judged_only(sets: list[QuestionSet], qrels: Qrels, path: Path) -> list[QuestionSet]:
    """The questions the qrels judge, as BEIR ranks a split's queries only (sets left empty dropped)."""
    kept = [replace(qs, cases=tuple(case for case in qs.cases if case.id in qrels)) for qs in sets]
    kept = [qs for qs in kept if qs.cases]
    if not kept:
        raise EvalFileError(path, "judges none of the questions (question ids must be its query ids)")
    return kept


def evaluate(options: EvalOptions, make_bot: Callable[[], Bot], echo: Callable[[str], None]) -> int:
    """Run ``chatbot eval``; returns the exit status (raises EvalFileError for exit 2)."""
    batch = options.run_out is not None
    unknown = sorted(set(options.run_formats) - set(RUN_FORMATS))
    if unknown or not options.run_formats:
        raise EvalFileError("--run-format", f"{', '.join(unknown) or 'nothing'}: use jsonl, trec or jsonl,trec")
    if options.qrels is not None and not batch:
        raise EvalFileError(options.qrels, "qrels are evaluated in batch mode: add --run OUT")
    sets = load_question_files(options.questions, batch=batch)
    qrels_path = (options.qrels or beir_qrels(options.questions)) if batch else None
    qrels = read_qrels(qrels_path) if qrels_path is not None else None
    asked = sum(len(qs.cases) for qs in sets)
    if qrels is not None and qrels_path is not None:
        sets = _judged_only(sets, qrels, qrels_path)
    baseline = load_baseline(options.baseline) if options.baseline else None
    if options.top_k is not None and not batch and options.top_k > MAX_CHECK_TOP_K:
        raise EvalFileError("--top-k", f"{options.top_k} is above {MAX_CHECK_TOP_K}; up to {MAX_TOP_K} only with --run")
    started = time.perf_counter()
    bot = make_bot()
    built = time.perf_counter() - started
    total = sum(len(case.turns) if not batch else 1 for qs in sets for case in qs.cases)
    label = "Ranking questions" if batch else "Checking cases"
    results: Sequence[CaseResult]
    judged: dict[str, list[str]] | None = {} if qrels is not None else None
    top_k = options.top_k or BATCH_DEFAULT_TOP_K
    with Progress(total, label, enabled=options.progress) as progress:
        if options.run_out is not None:
            paths = options.run_paths()
            files: dict[str, IO[str]] = {}
            try:
                with ExitStack() as stack:
                    for fmt, path in paths.items():
                        files[fmt] = stack.enter_context(path.open("w", encoding="utf-8"))
                    results = run_batch(
                        bot,
                        sets,
                        top_k=top_k,
                        out=files.get("jsonl"),
                        keep_rankings=options.json_out is not None,
                        on_case=progress.step,
                        workers=available_workers(),
                        trec_out=files.get("trec"),
                        judged=judged,
                    )
            except OSError as exc:
                raise EvalFileError(options.run_out, f"cannot write the run file: {exc.strerror or exc}") from None
        else:
            results = run_checks(bot, sets, top_k=options.top_k, on_case=progress.step)
    metrics = compute_metrics(results)
    comparison = compare(baseline, str(options.baseline), results, metrics) if baseline is not None else None
    run = Run(
        sets=tuple(sets),
        results=tuple(results),
        metrics=metrics,
        thresholds=tuple(options.thresholds.check(metrics)),
        mode="batch" if batch else "checks",
        corpus=_shown_path(bot.corpus.root),
        seconds=time.perf_counter() - started,
        comparison=comparison,
    )
    figures: QrelsMetrics | None = None
    if qrels is not None and judged is not None and qrels_path is not None:
        figures = evaluate_rankings(judged, qrels, path=str(qrels_path), top_k=top_k)
    if options.json_out is not None:
        data = run.to_dict()
        if figures is not None:
            data["qrels"] = figures.to_dict()
        _write(options.json_out, json.dumps(data, ensure_ascii=False, indent=None if batch else 2) + "\n")
    if options.junit_out is not None:
        _write(options.junit_out, junit_xml(run))
    if options.report_out is not None:
        try:
            write_report(run, options.report_out)
        except OSError as exc:
            raise EvalFileError(options.report_out, f"cannot write the report: {exc.strerror or exc}") from None
    if batch:
        judged_note = f" of {asked} (those {qrels_path} judges)" if qrels is not None else ""
        echo(
            f"Ranked {len(results)} questions{judged_note} against {len(bot.passages)} passages "
            f"(corpus read and indexed in {built:.2f} s); wrote {', '.join(map(str, options.run_paths().values()))}."
        )
    echo(render_table(run, show_cases=not batch))
    if figures is not None:
        echo("\n".join(figures.lines()))
    return EXIT_OK if run.passed else EXIT_FAILED
