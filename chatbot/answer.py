"""Replies: the reply model (:class:`Reply`, :class:`Citation`), the not-found
decision and the composition of a reply from hits.

The reply structure is the JSON contract of ``chatbot ask --json`` and
``POST /api/chat`` (``REPLY_SCHEMA_VERSION``); change it only with a new version.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .analysis import Correction, Query
from .index import Hit, PassageIndex
from .passages import Passage, split_sentences

__all__ = [
    "REPLY_SCHEMA_VERSION",
    "Citation",
    "Decision",
    "Reply",
    "ReplyPassage",
    "ReplyType",
    "decide",
]

REPLY_SCHEMA_VERSION = 1


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
        return f"{self.label} {self.document}, {self.section}{page} ({self.source})"


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
            "schema_version": REPLY_SCHEMA_VERSION,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The evidence behind answering or declining, kept for QA reports."""

    answer: bool
    coverage: float
    relevance: float
    known_share: float
    reason: str
    missing: tuple[str, ...] = field(default=())


def word_weights(query: Query, index: PassageIndex) -> list[float]:
    """How much each content word of the question tells: the IDF of its rarest term.

    A word the corpus has never seen (no stem, number or concept of it is indexed)
    weighs more than the rarest word it has: it is what the question is most
    specifically about, and no passage can answer it.
    """
    idf = index.bm25.idf
    unknown = math.log(len(index) + 1) + math.log(2)
    return [
        max((idf[t] for t in word.terms if t in idf), default=0.0 if word.general else unknown) for word in query.words
    ]


def share_covered(query: Query, weights: Sequence[float], terms: frozenset[str] | set[str]) -> float:
    """The weighted share of the question's content words found among ``terms``."""
    total = sum(weights)
    if not total:
        return 0.0
    found = sum(w for word, w in zip(query.words, weights, strict=True) if any(t in terms for t in word.terms))
    return found / total


def decide(query: Query, hits: Sequence[Hit], index: PassageIndex, *, min_coverage: float, min_relevance: float) -> Decision:
    """Answer only when the best passage covers enough of the question.

    ``coverage``: the IDF-weighted share of the question's content words whose
    terms (stem, number form or synonym concept) occur in the best passage; a word
    absent from the whole corpus counts as the most informative word there is, so
    "How much does MVD cost?" (MVD everywhere, "cost" nowhere) covers little.
    ``relevance``: the best passage's matched score over the query's best possible
    score. ``known_share``: share of content words the corpus knows at all.
    """
    words = query.words
    if not words:
        return Decision(False, 0.0, 0.0, 0.0, "the question has no searchable words")
    known = [w for w in words if any(term in index.known_terms for term in w.terms)]
    known_share = len(known) / len(words)
    if not hits:
        return Decision(False, 0.0, 0.0, known_share, "no passage matches", tuple(w.surface for w in words))
    best_terms = index.terms_of(hits[0].passage)
    missing = tuple(w.surface for w in words if not any(term in best_terms for term in w.terms))
    coverage = share_covered(query, word_weights(query, index), best_terms)
    possible = index.best_possible(query)
    relevance = hits[0].matched / possible if possible else 0.0
    if coverage < min_coverage:
        return Decision(False, coverage, relevance, known_share, "the best passage covers too little of the question", missing)
    if relevance < min_relevance:
        return Decision(False, coverage, relevance, known_share, "the best passage matches too weakly", missing)
    return Decision(True, coverage, relevance, known_share, "answered", missing)


_LIST_MARK = re.compile(r"^\s*(?:[-*+\u2022\u00b7]|\d{1,3}[.)])\s+")
_UNITS: weakref.WeakKeyDictionary[PassageIndex, dict[str, tuple[tuple[str, frozenset[str]], ...]]] = (
    weakref.WeakKeyDictionary()
)


def sentence_units(passage: Passage, index: PassageIndex) -> tuple[tuple[str, frozenset[str]], ...]:
    """The sentences and list items of a passage with their index terms.

    Each unit also carries the terms of the passage's section headings (not the
    document title, which every passage of a document shares): under "Risks &
    Complications", the item "Hearing loss" is about a risk.
    """
    cache = _UNITS.setdefault(index, {})
    units = cache.get(passage.id)
    if units is None:
        heading = frozenset(index.analyzer.terms("\n".join(passage.section_path[1:])))
        found: list[tuple[str, frozenset[str]]] = []
        for line in passage.text.split("\n"):
            for start, end in split_sentences(line):
                sentence = _LIST_MARK.sub("", line[start:end]).strip()
                if sentence:
                    found.append((sentence, heading | frozenset(index.analyzer.terms(sentence))))
        units = cache[passage.id] = tuple(found)
    return units


def sentence_share(hit: Hit, index: PassageIndex, query: Query, weights: Sequence[float]) -> float:
    """The weighted share of the question found together in one sentence of the passage."""
    return max((share_covered(query, weights, terms) for _s, terms in sentence_units(hit.passage, index)), default=0.0)


def rerank(query: Query, hits: Sequence[Hit], index: PassageIndex, *, proximity: float = 1.0) -> list[Hit]:
    """Order BM25 hits by their score times (1 + proximity x sentence share).

    BM25 scores a passage as a bag of words; an answer usually sits in one sentence
    or list item. A passage whose single sentence holds what the question asks
    about ("Botox ... relief for 3-6 months") goes before one that has the same
    words scattered over unrelated items. Ties keep the BM25 order; scores shown to
    the user stay the BM25 scores.
    """
    if len(hits) < 2 or not query.words:
        return list(hits)
    weights = word_weights(query, index)
    keyed = [
        (-(hit.matched * (1.0 + proximity * sentence_share(hit, index, query, weights))), position, hit)
        for position, hit in enumerate(hits)
    ]
    return [hit for *_key, hit in sorted(keyed, key=lambda item: (item[0], item[1]))]


def best_sentence(hit: Hit, index: PassageIndex, query: Query) -> str:
    """The sentence or list item of a passage that covers most of the question (first wins ties)."""
    weights = word_weights(query, index)
    best = ("", -1.0)
    for sentence, terms in sentence_units(hit.passage, index):
        own = terms - frozenset(index.analyzer.terms("\n".join(hit.passage.section_path[1:]))) 
        score = share_covered(query, weights, terms) + 0.01 * share_covered(query, weights, own)
        if score > best[1]:
            best = (sentence, score)
    return best[0]


def pick_passages(hits: Sequence[Hit], *, top_k: int, second_source_ratio: float) -> list[Hit]:
    """The top ``top_k`` hits, making room for another document's strong passage.

    When a document not yet shown has a passage scoring at least
    ``second_source_ratio`` of the best, its best passage replaces the weakest
    passage of a document shown more than once: where both sources speak, both
    appear. The order is the ranking order.
    """
    chosen = list(hits[:top_k])
    if not chosen:
        return chosen
    top = chosen[0].matched
    for hit in hits[top_k:]:
        shown = {h.passage.document_id for h in chosen}
        if hit.passage.document_id in shown or hit.matched < second_source_ratio * top:
            continue
        counts = {doc: sum(1 for h in chosen if h.passage.document_id == doc) for doc in shown}
        for i in range(len(chosen) - 1, 0, -1):
            if counts[chosen[i].passage.document_id] > 1:
                chosen[i] = hit
                break
    rank = {id(hit): position for position, hit in enumerate(hits)}
    return sorted(chosen, key=lambda h: rank[id(h)])


def cite(hits: Sequence[Hit]) -> tuple[ReplyPassage, ...]:
    """Numbered citations [1], [2] ... for the chosen hits."""
    out = []
    for number, hit in enumerate(hits, start=1):
        passage = hit.passage
        out.append(
            ReplyPassage(
                id=passage.id,
                text=passage.text,
                score=hit.score,
                citation=Citation(
                    label=f"[{number}]",
                    document_id=passage.document_id,
                    document=passage.title,
                    section=passage.section,
                    source=passage.source,
                    passage_id=passage.id,
                    page=passage.page,
                ),
                matched_terms=tuple(term for term in hit.matched_terms if not term.startswith("=")),
            )
        )
    return tuple(out)


def answer_text(hits: Sequence[Hit], index: PassageIndex, query: Query) -> str:
    """A short extractive reply: the best sentence of [1], and of the first passage from another document."""
    first = best_sentence(hits[0], index, query)
    text = f"{first} [1]"
    for number, hit in enumerate(hits[1:], start=2):
        if hit.passage.document_id != hits[0].passage.document_id:
            other = best_sentence(hit, index, query)
            if other:
                text += f" Another of our documents says: {other} [{number}]"
            break
    return text
