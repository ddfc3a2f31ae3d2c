"""QA checks: run question sets against the bot and check every reply.

Two modes, both behind ``chatbot eval``:

* **checks** (the default): every turn is asked as a visitor would ask it
  (:meth:`Bot.ask`, with the conversation context of the previous turn) and its
  reply is checked against the case's expectations and the invariants every reply
  must keep (a disclaimer; a numbered citation on every passage; no passages on
  replies that are not answers). The ranked list used for hit@k and MRR@10 is what
  the visitor is shown (the top k) followed by the next passages the bot would show
  if asked for ten, so hit@3 is exactly "an expected passage was on screen".
* **batch** (``--run OUT.jsonl``): every question is ranked with :meth:`Bot.rank`
  (no urgent, small-talk or not-found handling) for external test collections.

Question files are read by :mod:`chatbot.evaluation.sets`, metrics computed by
:mod:`chatbot.evaluation.metrics`, reports written by :mod:`chatbot.evaluation.reports`.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from chatbot.bot import Bot
from chatbot.dialogue.reply import Reply, ReplyType
from chatbot.documents.passages import Passage
from chatbot.errors import ChatbotError, EvalFileError
from chatbot.evaluation.results import DEPTH, MAX_CHECK_TOP_K, CaseResult, RankedPassage, TurnResult
from chatbot.evaluation.sets import Case, Expectation, QuestionSet
from chatbot.text.normalise import fold

__all__ = ["run_checks"]

class Grader:
    """Relevance grades of passages for one expectation (cached passage texts)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._folded: dict[str, str] = {}

    def text(self, passage: Passage) -> str:
        folded = self._folded.get(passage.id)
        if folded is None:
            folded = self._folded[passage.id] = fold(passage.text)
        return folded

    @staticmethod
    def names(passage: Passage, wanted: str) -> bool:
        """``wanted`` is the passage's id, its FAQ row id, or a prefix ending at ':' (a section)."""
        return wanted in (passage.id, passage.row_id) or passage.id.startswith(wanted + ":")

    def grade(self, passage: Passage, expect: Expectation) -> int:
        grades = [g for key, g in expect.relevance.items() if self.names(passage, key)]
        if grades:
            return max(grades)
        if any(self.names(passage, wanted) for wanted in expect.passages):
            return 1
        if expect.texts:
            text = self.text(passage)
            if any(fold(phrase) in text for phrase in expect.texts):
                return 1
        return 0

    def ranked(self, hits: Iterable[tuple[Passage, float]], expect: Expectation) -> tuple[RankedPassage, ...]:
        out = []
        for position, (passage, score) in enumerate(hits):
            grade = self.grade(passage, expect) if position < DEPTH or expect.passages else 0
            out.append(RankedPassage.of(passage, score, grade))
        return tuple(out)


def first_relevant(ranking: Sequence[RankedPassage]) -> int | None:
    return next((n for n, entry in enumerate(ranking, start=1) if entry.grade > 0), None)


def _kind(value: ReplyType | None) -> str:
    if value is None:
        return ""
    return {ReplyType.NOT_FOUND: "not found", ReplyType.SMALLTALK: "small talk"}.get(value, value.value)


def _a(value: ReplyType | None) -> str:
    word = _kind(value)
    return ("an " if word[:1] in ("a", "u") else "a ") + word


def check_reply(
    expect: Expectation,
    reply: Reply,
    *,
    top_k: int,
    rank: int | None,
    shown_relevant: bool,
    known_documents: frozenset[str] = frozenset(),
) -> list[str]:
    """Everything wrong with one reply, as sentences for QA staff.

    ``known_documents``: the corpus's document ids, file names and titles (case-folded),
    so that a document the corpus does not have is named as such.
    """
    problems = []
    if expect.type is not None and reply.type is not expect.type:
        problems.append(f"expected {_a(expect.type)} reply, got {_kind(reply.type)}")
    if reply.type in expect.not_types:
        problems.append(f"got {_a(reply.type)} reply, which this message must not get")
    if expect.retrieval and not shown_relevant:
        where = f"it ranks {rank}" if rank else f"it is not in the top {DEPTH}"
        if reply.passages:
            problems.append(f"expected passage or phrase not among the {len(reply.passages)} shown ({where})")
        else:
            problems.append(f"no passage shown, so the expected passage or phrase is missing ({where})")
    # A document may be named by its id, its file name or its title (any case).
    cited: set[str] = set()
    for passage in reply.passages:
        citation = passage.citation
        cited.update((citation.document_id, citation.source.casefold(), citation.document.casefold()))
    missing = [doc for doc in expect.documents if doc not in cited and doc.casefold() not in cited]
    if missing:
        unknown = [doc for doc in missing if doc.casefold() not in known_documents] if known_documents else []
        note = f" (no document of this corpus has the id, file name or title {unknown[0]!r})" if unknown else ""
        problems.append(f"document not cited: {', '.join(missing)}{note}")
    reply_text = fold(reply.reply)
    for phrase in expect.forbid:
        needle = fold(phrase)
        if needle in reply_text:
            problems.append(f"forbidden text {phrase!r} in the reply")
        for passage in reply.passages:
            if needle in fold(passage.text):
                problems.append(f"forbidden text {phrase!r} in passage {passage.citation.label}")
    problems.extend(invariant_problems(reply))
    return problems


def invariant_problems(reply: Reply) -> list[str]:
    """What every reply must keep: a disclaimer, and a full citation on every passage."""
    problems = []
    if not reply.disclaimer.strip():
        problems.append("the reply has no disclaimer")
    if not reply.reply.strip():
        problems.append("the reply text is empty")
    if reply.type is ReplyType.ANSWER and not reply.passages:
        problems.append("an answer with no passage")
    if reply.type is not ReplyType.ANSWER and reply.passages:
        problems.append(f"{_a(reply.type)} reply must not carry passages")
    for number, passage in enumerate(reply.passages, start=1):
        citation = passage.citation
        if citation.label != f"[{number}]" or not all(
            (citation.document_id, citation.document, citation.source, citation.passage_id)
        ):
            problems.append(f"passage {number} has no complete citation")
    return problems


class _Asker:
    """Calls ``bot.ask`` with the conversation context when the bot takes one."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.takes_context = "context" in inspect.signature(bot.ask).parameters

    def __call__(self, message: str, context: str | None, top_k: int) -> Reply:
        ask: Any = self.bot.ask
        if self.takes_context:
            return ask(message, context=context, top_k=top_k)  # type: ignore[no-any-return]
        return self.bot.ask(message, top_k=top_k)


def _run_case(
    bot: Bot, ask: _Asker, grader: Grader, case: Case, top_k: int, known_documents: frozenset[str]
) -> CaseResult:
    context: str | None = None
    turns: list[TurnResult] = []
    for turn in case.turns:
        k = turn.expect.top_k or top_k
        started = time.perf_counter()
        try:
            reply = ask(turn.message, context, k)
        except ChatbotError as exc:
            latency = (time.perf_counter() - started) * 1000
            turns.append(
                TurnResult(turn.message, turn.expect, k, "error", "", 0, (), None, (f"the bot raised: {exc}",), latency)
            )
            context = None
            continue
        latency = (time.perf_counter() - started) * 1000
        shown: list[tuple[Passage, float]] = []
        for cited in reply.passages:
            passage = bot.index.passage(cited.id)
            if passage is not None:
                shown.append((passage, cited.score))
        depth = max(k, DEPTH)
        more: list[tuple[Passage, float]] = []
        if reply.type is ReplyType.ANSWER:
            longer = ask(turn.message, context, depth)
            more = [(p, c.score) for c in longer.passages if (p := bot.index.passage(c.id)) is not None]
        else:
            _query, hits, _decision = bot.retrieve(turn.message, top_k=depth)
            more = [(hit.passage, hit.score) for hit in hits]
        seen = {passage.id for passage, _ in shown}
        ranked = shown + [(p, s) for p, s in more if p.id not in seen]
        ranking = grader.ranked(ranked[: max(depth, len(shown))], turn.expect)
        rank = first_relevant(ranking)
        shown_relevant = any(entry.grade > 0 for entry in ranking[: len(shown)])
        problems = check_reply(
            turn.expect,
            reply,
            top_k=k,
            rank=rank,
            shown_relevant=shown_relevant,
            known_documents=known_documents,
        )
        turns.append(
            TurnResult(
                message=turn.message,
                expect=turn.expect,
                top_k=k,
                reply_type=reply.type.value,
                reply=reply.reply,
                shown=len(shown),
                ranking=ranking,
                rank=rank,
                problems=tuple(problems),
                latency_ms=latency,
                cited_documents=tuple(dict.fromkeys(p.citation.document_id for p in reply.passages)),
            )
        )
        context = reply.context
    return CaseResult(case=case, turns=tuple(turns))


def document_names(bot: Bot) -> frozenset[str]:
    """Every id, file name and title of the bot's documents, case-folded."""
    return frozenset(
        name.casefold() for document in bot.corpus.documents for name in (document.id, document.source, document.title)
    )


def run_checks(
    bot: Bot,
    sets: Sequence[QuestionSet],
    *,
    top_k: int | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Ask every case of ``sets`` and check the replies (``top_k`` overrides the files')."""
    if top_k is not None and not 1 <= top_k <= MAX_CHECK_TOP_K:
        raise EvalFileError("--top-k", f"must be from 1 to {MAX_CHECK_TOP_K} (up to 1000 only with --run)")
    ask = _Asker(bot)
    grader = Grader(bot)
    documents = document_names(bot)
    first = next((case.turns[0].message for qs in sets for case in qs.cases), None)
    if first is not None:  # untimed: latency is measured after start-up (lazy tables built)
        with contextlib.suppress(ChatbotError):
            ask(first, None, top_k or sets[0].top_k)
    results = []
    for qs in sets:
        for case in qs.cases:
            k = top_k or qs.top_k
            if k > MAX_CHECK_TOP_K and top_k is None:
                raise EvalFileError(qs.path, f"top_k above {MAX_CHECK_TOP_K} needs --run", case=case.id, field="top_k")
            result = _run_case(bot, ask, grader, case, k, documents)
            results.append(result)
            if on_case is not None:
                on_case(result)
    return results


