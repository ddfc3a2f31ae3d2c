"""What a QA run produces: each turn's reply and ranked passages with their grades, each case's verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatbot.config import setting_range
from chatbot.documents.passages import Passage
from chatbot.evaluation.sets import Case, Expectation

__all__ = ["CaseResult", "RankedPassage", "TurnResult"]


#: Rank metrics look this deep (MRR@10, nDCG@10).
DEPTH = 10
#: Checks show what a visitor would see: at most the ``top_k`` setting's maximum.
MAX_CHECK_TOP_K: int = setting_range("top_k")[1]


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


