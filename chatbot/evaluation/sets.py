"""Question sets for ``chatbot eval``: YAML, CSV or JSONL files -> :class:`QuestionSet`.

A case is a message (or a list of turns, for a conversation) with expectations::

    name: answerable
    top_k: 3                       # per file; a case may override it
    cases:
      - id: botox-duration
        message: How long does Botox last?
        expect_text: ["3–6 months"]            # one must appear in a returned passage
        expect_passages: [doc:section]         # or: one of these passages in the top k
        expect_documents: [doc-a, doc-b]       # all must be cited
        expect_type: answer                    # answer | not_found | smalltalk | urgent
        expect_type_not: urgent                # kinds the reply must not be
        forbid_text: ["cure"]                  # must not appear in the reply or passages
        relevance: {passage-id: 2}             # graded relevance for nDCG@10
        holdout: true                          # informational, carried into reports

CSV and JSONL hold one case per row; in CSV a list is a JSON array or ``|``-separated
text. A batch question file is JSONL with ``id`` and ``text`` only. Every problem
raises :class:`EvalFileError` naming the file, the case and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.dialogue.reply import ReplyType

__all__ = ["Case", "Expectation", "QuestionSet", "Turn", "parse_kind"]

SUFFIXES = (".yaml", ".yml", ".csv", ".jsonl")
DEFAULT_TOP_K = 3
MAX_TOP_K = 1000

_KINDS = {
    "answer": ReplyType.ANSWER,
    "answered": ReplyType.ANSWER,
    "not_found": ReplyType.NOT_FOUND,
    "not found": ReplyType.NOT_FOUND,
    "notfound": ReplyType.NOT_FOUND,
    "not-found": ReplyType.NOT_FOUND,
    "decline": ReplyType.NOT_FOUND,
    "smalltalk": ReplyType.SMALLTALK,
    "small talk": ReplyType.SMALLTALK,
    "small_talk": ReplyType.SMALLTALK,
    "small-talk": ReplyType.SMALLTALK,
    "urgent": ReplyType.URGENT,
}
LIST_FIELDS = ("expect_text", "expect_passages", "expect_documents", "forbid_text", "expect_type_not")
TURN_FIELDS = frozenset({"message", "text", "expect_type", "relevance", "top_k", *LIST_FIELDS})
CASE_FIELDS = TURN_FIELDS | {"id", "turns", "holdout", "note", "tags"}
FILE_FIELDS = frozenset({"name", "description", "top_k", "cases"})


def parse_kind(value: str) -> ReplyType | None:
    """'not found', 'not_found', 'small talk' ... -> :class:`ReplyType` (None if unknown)."""
    return _KINDS.get(" ".join(value.strip().lower().split()))


@dataclass(frozen=True, slots=True)
class Expectation:
    """What one reply must (and must not) contain."""

    texts: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    type: ReplyType | None = None
    not_types: tuple[ReplyType, ...] = ()
    forbid: tuple[str, ...] = ()
    relevance: Mapping[str, int] = field(default_factory=dict)
    top_k: int | None = None

    @property
    def retrieval(self) -> bool:
        """True when the turn names passages or phrases, so rank metrics apply."""
        return bool(self.texts or self.passages or any(grade > 0 for grade in self.relevance.values()))

    @property
    def answerable(self) -> bool:
        """An answer is expected (false declines are counted on these)."""
        return self.type is ReplyType.ANSWER or (self.type is None and self.retrieval)

    @property
    def empty(self) -> bool:
        return not (self.retrieval or self.documents or self.type or self.not_types or self.forbid)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in (
            ("expect_type", self.type.value if self.type else None),
            ("expect_type_not", [kind.value for kind in self.not_types]),
            ("expect_text", list(self.texts)),
            ("expect_passages", list(self.passages)),
            ("expect_documents", list(self.documents)),
            ("forbid_text", list(self.forbid)),
            ("relevance", dict(self.relevance)),
            ("top_k", self.top_k),
        ):
            if value:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a case and what its reply must show."""

    message: str
    expect: Expectation


@dataclass(frozen=True, slots=True)
class Case:
    """A question, or a conversation of several turns, with its expectations."""

    id: str
    set_name: str
    turns: tuple[Turn, ...]
    holdout: bool = False
    note: str = ""

    @property
    def key(self) -> str:
        """Unique across the sets of one run: ``set/id``."""
        return f"{self.set_name}/{self.id}"

    @property
    def is_conversation(self) -> bool:
        return len(self.turns) > 1


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """The cases of one file."""

    name: str
    path: Path
    cases: tuple[Case, ...]
    top_k: int = DEFAULT_TOP_K
    description: str = ""

    @property
    def batch_only(self) -> bool:
        """Plain questions with no expectation at all (an external benchmark's queries)."""
        return all(turn.expect.empty for case in self.cases for turn in case.turns)


