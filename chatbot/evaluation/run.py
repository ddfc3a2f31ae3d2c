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
import json
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy

from chatbot.bot import Bot
from chatbot.dialogue.reply import Reply, ReplyType
from chatbot.documents.passages import Passage
from chatbot.errors import ChatbotError, EvalFileError
from chatbot.evaluation.sets import Case, Expectation, QuestionSet
from chatbot.forking import forked_slices
from chatbot.retrieval.bm25 import top_positions
from chatbot.text.normalise import fold

__all__ = [
    "CaseResult",
    "RankedPassage",
    "TurnResult",
    "run_batch",
    "run_checks",
]

#: Rank metrics look this deep (MRR@10, nDCG@10).
DEPTH = 10
MAX_CHECK_TOP_K = 20


@dataclass(frozen=True, slots=True)
class RankedPassage:
    """One entry of a ranked list, with its relevance grade for the turn (0: not relevant)."""

    id: str
    document_id: str
    row_id: str | None
    score: float
    grade: int
    section: str = ""
    text: str = ""

    @classmethod
    def of(cls, passage: Passage, score: float, grade: int) -> RankedPassage:
        return cls(passage.id, passage.document_id, passage.row_id, score, grade, passage.section, passage.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document": self.document_id,
            "section": self.section,
            "row_id": self.row_id,
            "score": round(self.score, 6),
            "relevant": self.grade,
        }


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What one turn asked, what came back, and what was wrong with it."""

    message: str
    expect: Expectation
    top_k: int
    reply_type: str
    reply: str
    shown: int
    ranking: tuple[RankedPassage, ...]
    rank: int | None
    problems: tuple[str, ...]
    latency_ms: float
    cited_documents: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def shown_passages(self) -> tuple[RankedPassage, ...]:
        return self.ranking[: self.shown]

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "expected": self.expect.to_dict(),
            "top_k": self.top_k,
            "type": self.reply_type,
            "reply": self.reply,
            "rank": self.rank,
            "shown": self.shown,
            "cited_documents": list(self.cited_documents),
            "latency_ms": round(self.latency_ms, 3),
            "passed": self.passed,
            "problems": list(self.problems),
            "ranking": [entry.to_dict() for entry in self.ranking],
        }


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The turns of one case, run in order."""

    case: Case
    turns: tuple[TurnResult, ...]

    @property
    def passed(self) -> bool:
        return all(turn.passed for turn in self.turns)

    @property
    def problems(self) -> tuple[str, ...]:
        if len(self.turns) == 1:
            return self.turns[0].problems
        return tuple(f"turn {n}: {p}" for n, turn in enumerate(self.turns, start=1) for p in turn.problems)

    @property
    def rank(self) -> int | None:
        """The rank of the first expected passage in the last turn that names one."""
        ranked = [turn for turn in self.turns if turn.expect.retrieval]
        return ranked[-1].rank if ranked else None

    @property
    def latency_ms(self) -> float:
        return sum(turn.latency_ms for turn in self.turns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "set": self.case.set_name,
            "key": self.case.key,
            "holdout": self.case.holdout,
            "note": self.case.note,
            "passed": self.passed,
            "rank": self.rank,
            "type": self.turns[-1].reply_type,
            "problems": list(self.problems),
            "turns": [turn.to_dict() for turn in self.turns],
        }


class _Grader:
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


def _first_relevant(ranking: Sequence[RankedPassage]) -> int | None:
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
    bot: Bot, ask: _Asker, grader: _Grader, case: Case, top_k: int, known_documents: frozenset[str]
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
        rank = _first_relevant(ranking)
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
    grader = _Grader(bot)
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


def rank_positions(bot: Bot, text: str, top_k: int) -> tuple[list[int], list[float]]:
    """Passage positions and scores of :meth:`Bot.rank`, without building a Hit per passage.

    At ``--top-k 1000`` over a thousand questions, creating a million Hit objects took
    longer than the ranking itself; this returns the same ranking (a differential test
    holds it equal to ``bot.rank``) as two plain lists.
    """
    index = bot.index
    query = index.query(text, correct_spelling=False)
    known = [term for term in query.terms if term in index.bm25]
    if not known:
        return [], []
    matched = index.bm25.matched_scores(known)
    positions = top_positions(matched, min(top_k, len(index)))
    scores = matched[positions] + index.bm25.baseline(query.terms)
    return positions.tolist(), scores.tolist()


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
    grader = _Grader(bot)
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
        rank = _first_relevant(graded) if expect.retrieval else None
        result = CaseResult(
            case=case,
            turns=(TurnResult(turn.message, expect, top_k, "ranking", "", 0, graded, rank, (), latency),),
        )
        results.append(result)
        if on_case is not None:
            on_case(result)
    return results
