"""Replies: the reply model (:class:`Reply`, :class:`Citation`), the not-found
decision and the composition of a reply from hits.

The reply structure is the JSON contract of ``chatbot ask --json`` and
``POST /api/chat`` (``REPLY_SCHEMA_VERSION``); change it only with a new version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

import orjson

from chatbot.text.analyzer import Correction

__all__ = ["Citation", "REPLY_SCHEMA_VERSION", "Reply", "ReplyPassage", "ReplyType"]

REPLY_SCHEMA_VERSION = 2  # 2: the `tier` field (urgent replies: emergency or urgent_today)


class ReplyType(str, Enum):
    """The kind of reply; the same values as the API's ``type`` field."""

    ANSWER = "answer"
    NOT_FOUND = "not_found"
    SMALLTALK = "smalltalk"
    URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a quoted passage comes from."""

    label: str
    document_id: str
    document: str
    section: str
    source: str
    passage_id: str
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "document_id": self.document_id,
            "document": self.document,
            "section": self.section,
            "source": self.source,
            "passage_id": self.passage_id,
            "page": self.page,
        }

    def display(self) -> str:
        """'[1] Title, Section (p. 3)' for terminals and copied answers."""
        page = f", p. {self.page}" if self.page is not None else ""
        section = "" if self.section == self.document else f", {self.section}"
        return f"{self.label} {self.document}{section}{page} ({self.source})"


@dataclass(frozen=True, slots=True)
class ReplyPassage:
    """A quoted passage with its citation."""

    id: str
    text: str
    score: float
    citation: Citation
    matched_terms: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "score": round(self.score, 6),
            "citation": self.citation.to_dict(),
            "matched_terms": list(self.matched_terms),
        }


@dataclass(frozen=True, slots=True)
class Reply:
    """Everything the chatbot says in answer to one message."""

    type: ReplyType
    reply: str
    disclaimer: str
    notice: str
    passages: tuple[ReplyPassage, ...] = ()
    suggestions: tuple[str, ...] = ()
    context: str | None = None
    corrections: tuple[Correction, ...] = ()
    personal_advice: bool = False
    emergency_number: str | None = None
    crisis_line: str | None = None
    tier: str | None = None  # urgent replies only: "emergency" (call now) or "urgent_today" (a doctor today)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "reply": self.reply,
            "passages": [passage.to_dict() for passage in self.passages],
            "disclaimer": self.disclaimer,
            "notice": self.notice,
            "suggestions": list(self.suggestions),
            "context": self.context,
            "corrections": [correction.to_dict() for correction in self.corrections],
            "personal_advice": self.personal_advice,
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
            "tier": self.tier,
            "schema_version": REPLY_SCHEMA_VERSION,
        }

    def to_json_bytes(self) -> bytes:
        """The reply as UTF-8 JSON (what ``POST /api/chat`` sends).

        Encoded by orjson, several times faster than ``json.dumps`` on a reply that
        quotes three passages. Only a visitor's own words can hold a lone surrogate
        (``"\\ud800"`` in the request), which UTF-8 cannot carry: such a reply is
        encoded by ``json`` with the surrogate sent as "?".
        """
        data = self.to_dict()
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            return json.dumps(data, ensure_ascii=False).encode("utf-8", "replace")

