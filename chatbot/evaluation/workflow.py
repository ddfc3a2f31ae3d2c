"""The ``chatbot eval`` workflow: read question sets, build the bot, run, write outputs.

Exit status: 0 when every case passed and every threshold was met, 1 when a case
failed or a threshold was missed, 2 on a usage or file error (raised as
:class:`EvalFileError` or :class:`ConfigError` and turned into exit 2 by the CLI).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chatbot.bot import Bot
from chatbot.errors import EvalFileError
from chatbot.evaluation.batch import run_batch
from chatbot.evaluation.metrics import Thresholds, compute_metrics
from chatbot.evaluation.report_files import junit_xml, write_report
from chatbot.evaluation.reports import Progress, Run, compare, load_baseline, render_table
from chatbot.evaluation.results import MAX_CHECK_TOP_K, CaseResult
from chatbot.evaluation.run import run_checks
from chatbot.evaluation.set_files import load_question_files
from chatbot.evaluation.sets import MAX_TOP_K
from chatbot.forking import available_workers

__all__ = ["EXIT_FAILED", "EXIT_OK", "EvalOptions", "evaluate"]

EXIT_OK = 0
EXIT_FAILED = 1
BATCH_DEFAULT_TOP_K = 100


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


def evaluate(options: EvalOptions, make_bot: Callable[[], Bot], echo: Callable[[str], None]) -> int:
    """Run ``chatbot eval``; returns the exit status (raises EvalFileError for exit 2)."""
    sets = load_question_files(options.questions)
    baseline = load_baseline(options.baseline) if options.baseline else None
    batch = options.run_out is not None
    if options.top_k is not None and not batch and options.top_k > MAX_CHECK_TOP_K:
        raise EvalFileError("--top-k", f"{options.top_k} is above {MAX_CHECK_TOP_K}; up to {MAX_TOP_K} only with --run")
    started = time.perf_counter()
    bot = make_bot()
    built = time.perf_counter() - started
    total = sum(len(case.turns) if not batch else 1 for qs in sets for case in qs.cases)
    label = "Ranking questions" if batch else "Checking cases"
    results: Sequence[CaseResult]
    with Progress(total, label, enabled=options.progress) as progress:
        if options.run_out is not None:
            try:
                with options.run_out.open("w", encoding="utf-8") as out:
                    results = run_batch(
                        bot,
                        sets,
                        top_k=options.top_k or BATCH_DEFAULT_TOP_K,
                        out=out,
                        keep_rankings=options.json_out is not None,
                        on_case=progress.step,
                        workers=available_workers(),
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
    if options.json_out is not None:
        _write(options.json_out, json.dumps(run.to_dict(), ensure_ascii=False, indent=None if batch else 2) + "\n")
    if options.junit_out is not None:
        _write(options.junit_out, junit_xml(run))
    if options.report_out is not None:
        try:
            write_report(run, options.report_out)
        except OSError as exc:
            raise EvalFileError(options.report_out, f"cannot write the report: {exc.strerror or exc}") from None
    if batch:
        echo(
            f"Ranked {len(results)} questions against {len(bot.passages)} passages "
            f"(corpus read and indexed in {built:.2f} s); wrote {options.run_out}."
        )
    echo(render_table(run, show_cases=not batch))
    return EXIT_OK if run.passed else EXIT_FAILED
