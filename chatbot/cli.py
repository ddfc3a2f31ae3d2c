"""Command line: ``chatbot ask | chat | index`` (and more from later modules).

Each command parses its options, calls the core and renders the result. Errors
raised on purpose become a message on stderr and an exit code: 1 for a corpus with
bad files, 2 for a usage, configuration or file error.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from chatbot import __version__
from chatbot.bot import Bot
from chatbot.config import Settings, load_settings, setting_range
from chatbot.dialogue.reply import Reply
from chatbot.errors import ChatbotError, ConfigError, CorpusError
from chatbot.evaluation.sets import DEFAULT_TOP_K, MAX_TOP_K
from chatbot.evaluation.workflow import BATCH_DEFAULT_TOP_K
from chatbot.forking import available_workers
from chatbot.terminal import render_reply, show_source

F = TypeVar("F", bound=Callable[..., Any])


EXIT_CORPUS = 1
EXIT_USAGE = 2


def corpus_options(func: F) -> F:
    """--corpus and --config, shared by every command."""
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Clinic profile (TOML or YAML). Default: $CHATBOT_CONFIG, else built-in defaults.",
    )(func)
    return click.option(
        "--corpus",
        type=click.Path(path_type=Path),
        default=None,
        help="Folder of documents (or one FAQ file) to answer from. Default: the bundled corpus.",
    )(func)


def make_settings(config_path: Path | None, **overrides: Any) -> Settings:
    """Settings from defaults, profile, environment and these flags; exit 2 on a bad value."""
    try:
        return load_settings(config_path=config_path, env=os.environ, overrides=overrides)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def make_bot(settings: Settings) -> Bot:
    """The bot for a command (single-threaded here, so a large corpus is analysed in parallel)."""
    try:
        return Bot.from_settings(settings, workers=available_workers())
    except CorpusError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except ChatbotError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="chatbot")
def main() -> None:
    """Answer patients' questions by quoting only the clinic's own documents, with
    sources and a medical disclaimer.

    \b
    Start here:
      chatbot serve                             the chat page, desk view and API on http://127.0.0.1:8000/
      chatbot ask "How long does Botox last?"   one question, answer with sources
      chatbot chat                              a conversation (for reception staff)
      chatbot index                             check the documents and list their sections
      chatbot eval tests/qa/answerable.yaml     QA: check answers against a question set

    Every command takes --corpus DIR to use another folder of documents.
    """


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the reply as JSON (the same structure as the HTTP API).")
@click.option(
    "--top-k",
    type=click.IntRange(*setting_range("top_k")),
    default=None,
    help=f"How many passages to show (default {Settings().top_k}).",
)
@corpus_options
def ask(question: str, as_json: bool, top_k: int | None, corpus: Path | None, config_path: Path | None) -> None:
    """Ask one QUESTION and print the answer with its sources.

    Example: chatbot ask "What are the risks of MVD?"
    """
    settings = make_settings(config_path, corpus=corpus, top_k=top_k)
    bot = make_bot(settings)
    if not question.strip():
        raise click.UsageError("the question is empty; type a question in quotes")
    reply = bot.ask(question)
    if as_json:
        click.echo(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_reply(reply))


CHAT_HELP = """Type a question and press Enter. Commands:
  show N    show source [N] of the last answer in full, with where it is in the document
  new       start a new conversation (forget the topic)
  help      this help
  quit      leave (or Ctrl-D)"""


@main.command()
@corpus_options
def chat(corpus: Path | None, config_path: Path | None) -> None:
    """Have a conversation: ask questions one after another.

    Made for reception staff on the phone: answers show numbered sources, 'show 2'
    prints source [2] in full, the arrow keys recall earlier questions, and 'quit'
    or Ctrl-D leaves.
    """
    settings = make_settings(config_path, corpus=corpus)
    bot = make_bot(settings)
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401  (arrow-key history for input())
    click.echo(f"chatbot {__version__}: {len(bot.corpus.documents)} documents, {len(bot.passages)} passages.")
    click.echo(CHAT_HELP)
    last: Reply | None = None
    context: str | None = None
    while True:
        try:
            line = input("\nquestion> ").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo("\nGoodbye.")
            return
        if not line:
            continue
        command, _, argument = line.partition(" ")
        if command.lower() in {"quit", "exit", ":q", "bye"} and not argument:
            click.echo("Goodbye.")
            return
        if command.lower() in {"help", "?"} and not argument:
            click.echo(CHAT_HELP)
            continue
        if command.lower() == "new" and not argument:
            context, last = None, None
            click.echo("New conversation.")
            continue
        if command.lower() == "show" and argument.strip().strip("[]").isdigit():
            click.echo(show_source(bot, last, int(argument.strip().strip("[]"))))
            continue
        last = bot.ask(line, context=context)
        context = last.context
        click.echo(render_reply(last))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@corpus_options
def index(as_json: bool, corpus: Path | None, config_path: Path | None) -> None:
    """Check the documents: list each document, its sections and passage counts.

    Exits 1 when a file could not be read (each bad file is named with its line),
    so it can guard a corpus change in a script.
    """
    from chatbot.errors import IndexBuildError
    from chatbot.evaluation.corpus_report import corpus_report
    from chatbot.retrieval.store import fingerprint, save

    settings = make_settings(config_path, corpus=corpus)
    digest = fingerprint(settings)
    bot = make_bot(settings)
    report = corpus_report(bot)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.render())
    try:  # saved for `chatbot serve`, which loads it while the files and settings are unchanged
        saved = save(bot.corpus, bot.index, settings, digest)
        if not as_json:
            click.echo(f"Index saved: {saved}")
    except IndexBuildError as exc:
        click.echo(f"Warning: {exc}; `chatbot serve` will build the index at start-up", err=True)
    if bot.corpus.errors:
        sys.exit(EXIT_CORPUS)


@main.command("eval")
@click.argument("questions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--top-k",
    type=click.IntRange(1, MAX_TOP_K),
    default=None,
    help=(
        f"Passages per question: the file's top_k by default (else {DEFAULT_TOP_K}; {BATCH_DEFAULT_TOP_K} with --run). "
        f"Up to {setting_range('top_k')[1]}, or {MAX_TOP_K} with --run."
    ),
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every case with its full ranked list of passages and scores as JSON (for --baseline).",
)
@click.option(
    "--run",
    "run_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Batch mode: rank every question and write one JSON line per question (for external benchmarks).",
)
@click.option(
    "--run-format",
    default="jsonl",
    help="With --run: jsonl (default), trec (qid Q0 docid rank score tag), or jsonl,trec (both: OUT's name "
    "with .jsonl and .trec).",
)
@click.option(
    "--qrels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="With --run: judgements (BEIR qrels TSV or TREC qrels) to print nDCG@10, MRR@10 and recall@100 "
    "for; only the questions they judge are ranked. Default: a BEIR folder's qrels/test.tsv.",
)
@click.option(
    "--junit",
    "junit_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write JUnit XML for CI systems.",
)
@click.option(
    "--report",
    "report_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a readable report, failing cases first: Markdown (.md) or HTML (.html).",
)
@click.option("--min-hit1", type=click.FloatRange(0, 1), default=None, help="Fail unless hit@1 is at least X.")
@click.option("--min-hit3", type=click.FloatRange(0, 1), default=None, help="Fail unless hit@3 is at least X.")
@click.option(
    "--min-decline",
    type=click.FloatRange(0, 1),
    default=None,
    help="Fail unless at least X of the unanswerable questions get 'not found'.",
)
@click.option(
    "--max-false-decline",
    type=click.FloatRange(0, 1),
    default=None,
    help="Fail if more than X of the answerable questions get 'not found'.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An earlier --json output: list the cases that got better or worse.",
)
@corpus_options
def eval_command(
    questions: tuple[Path, ...],
    top_k: int | None,
    json_out: Path | None,
    run_out: Path | None,
    run_format: str,
    qrels: Path | None,
    junit_out: Path | None,
    report_out: Path | None,
    min_hit1: float | None,
    min_hit3: float | None,
    min_decline: float | None,
    max_false_decline: float | None,
    baseline: Path | None,
    corpus: Path | None,
    config_path: Path | None,
) -> None:
    """Check the chatbot against question sets, before a release or a corpus change.

    QUESTIONS are question files (YAML, CSV or JSONL) or folders of them. Each case
    is asked as a visitor would ask it and its reply checked: the expected passages
    or phrases among those shown, the kind of reply, the documents cited, no
    forbidden text, and always a disclaimer and a citation on every passage.
    Prints a table of the cases and the figures (hit@1, hit@3, MRR@10, decline
    rates, urgent recall, latency).

    Exits 0 when all cases pass and every threshold is met, 1 otherwise, and 2 when
    a file or option is wrong.

    \b
    Examples:
      chatbot eval tests/qa --min-hit1 0.9 --report qa-report.html
      chatbot eval questions.jsonl --corpus faq.jsonl --run run.jsonl --top-k 1000
      chatbot eval scifact/ --run run.trec --run-format trec      (a BEIR folder)
    """
    from chatbot.errors import EvalFileError
    from chatbot.evaluation.beir import beir_corpus
    from chatbot.evaluation.metrics import Thresholds
    from chatbot.evaluation.workflow import EvalOptions, evaluate

    try:
        corpus = corpus or beir_corpus(questions)  # a BEIR folder brings its corpus.jsonl
    except EvalFileError as exc:
        raise click.UsageError(str(exc)) from None
    settings = make_settings(config_path, corpus=corpus)
    options = EvalOptions(
        questions=questions,
        top_k=top_k,
        json_out=json_out,
        run_out=run_out,
        run_formats=tuple(part.strip().lower() for part in run_format.split(",") if part.strip()),
        qrels=qrels,
        junit_out=junit_out,
        report_out=report_out,
        baseline=baseline,
        thresholds=Thresholds(
            min_hit1=min_hit1, min_hit3=min_hit3, min_decline=min_decline, max_false_decline=max_false_decline
        ),
    )

    def build() -> Bot:
        bot = make_bot(settings)
        for error in bot.corpus.errors:
            click.echo(f"Warning: {error}", err=True)
        return bot

    try:
        status = evaluate(options, build, click.echo)
    except EvalFileError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(status)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on (default 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="gunicorn worker processes (default 2).")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="Threads per worker (default 4).")
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn (local work only).")
@corpus_options
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int | None,
    dev: bool,
    corpus: Path | None,
    config_path: Path | None,
) -> None:
    """Run the chat page, the widget and the HTTP API, then open http://127.0.0.1:8000/.

    Runs under gunicorn; this process is the gunicorn master, so Ctrl-C or
    `kill -TERM` stops it gracefully. The documents are loaded once at start-up;
    a bad setting or an unreadable corpus stops start-up with a message.
    """
    from chatbot.api.app import create_app
    from chatbot.serve.reloader import BotHolder
    from chatbot.serve.server import local_address, port_in_use, run_dev, run_gunicorn

    settings = make_settings(config_path, corpus=corpus, host=host, port=port, workers=workers, threads=threads)
    if port_in_use(settings.host, settings.port):
        busy = f"Error: port {settings.port} is in use, pick another with --port (e.g. --port {settings.port + 1})."
        click.echo(busy, err=True)
        sys.exit(EXIT_USAGE)
    try:  # the saved index when it matches the files and settings, else a fresh build (then saved)
        holder = BotHolder.start(settings, workers=available_workers())
    except ChatbotError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for error in (bot := holder.bot).corpus.errors:
        click.echo(f"Warning: {error}", err=True)
    app = create_app(settings, bot=bot)
    holder.attach(app)  # reloads (folder watch, SIGHUP) swap the bot this app serves
    where = local_address(settings)
    click.echo(
        f"chatbot {__version__}: {len(bot.corpus.documents)} documents, {len(bot.passages)} passages; "
        f"serving {where}/" + (" (development server)" if dev else "") + "\n"
        f"  chat page    {where}/\n"
        f"  widget demo  {where}/widget-demo\n"
        f"  desk         {where}/desk",
        err=True,
    )
    if dev:
        holder.start_watching()
        run_dev(app, settings)
    else:
        run_gunicorn(app, settings)
