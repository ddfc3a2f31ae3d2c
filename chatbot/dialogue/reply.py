"""Replies: the reply model (:class:`Reply`, :class:`Citation`), the not-found
decision and the composition of a reply from hits.

The reply structure is the JSON contract of ``chatbot ask --json`` and
``POST /api/chat`` (``REPLY_SCHEMA_VERSION``); change it only with a new version.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import orjson

from chatbot.documents.passages import Passage, split_sentences
from chatbot.retrieval.index import Hit, PassageIndex
from chatbot.text.analyzer import CONCEPT_PREFIX, Correction, Query
from chatbot.text.stem import stem

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


@dataclass(frozen=True, slots=True)
class Decision:
    """The evidence behind answering or declining, kept for QA reports."""

    answer: bool
    coverage: float
    relevance: float
    known_share: float
    reason: str
    missing: tuple[str, ...] = field(default=())


UNKNOWN_WORD_WEIGHT = 1.5  # a word the corpus lacks weighs this many one-passage words
GENERAL_WORD_WEIGHT = 0.5  # a general word ("work", "make") tells half as much as a topical one


_BODY_IDF_MAX_PASSAGES = 5_000
_BODY_IDF: weakref.WeakKeyDictionary[PassageIndex, dict[str, float]] = weakref.WeakKeyDictionary()


def body_idf(index: PassageIndex) -> dict[str, float]:
    """IDF over passage text and section headings, without the document title.

    A title is indexed with every passage of its document (so a search finds it),
    which makes its words look common: "MVD" in one document's title would weigh
    almost nothing when judging what a question is about. Computed once per index
    (a second analysis pass), so only for corpora of up to a few thousand passages;
    a larger corpus uses the index's IDF, where one title weighs little anyway.
    """
    if len(index) > _BODY_IDF_MAX_PASSAGES:
        return index.bm25.idf
    table = _BODY_IDF.get(index)
    if table is None:
        counts: dict[str, int] = {}
        for passage in index.passages:
            text = "\n".join([*passage.section_path[1:], passage.question or "", passage.text])
            for term in set(index.analyzer.terms(text)):
                counts[term] = counts.get(term, 0) + 1
        size = len(index) + 1
        table = {term: math.log(size / df) for term, df in counts.items()}
        for term, value in index.bm25.idf.items():  # title-only terms keep their index IDF
            table.setdefault(term, value)
        _BODY_IDF[index] = table
    return table


def word_weights(query: Query, index: PassageIndex) -> list[float]:
    """How much each content word of the question tells: the IDF of its rarest term.

    A word the corpus has never seen (no stem, number or concept of it is indexed)
    weighs more than the rarest word it has (``UNKNOWN_WORD_WEIGHT`` words found in
    one passage): it is likely what the question is about, and no passage can
    answer it. More weight declines more near misses ("How much does MVD cost?")
    but also more questions put in words the lists lack ("Can MVD *damage*
    hearing?"); 1.25 was the best balance on questions the tuning never saw (2.0
    declined a quarter of one such round of answerable questions, for no more
    correct declines).
    """
    idf = body_idf(index)
    unknown = UNKNOWN_WORD_WEIGHT * math.log(len(index) + 1)
    weights = []
    for word in query.words:
        # A number the documents never use is usually the asker's own detail ("I am 62"), not the subject.
        absent = 0.0 if word.general or word.surface[:1].isdigit() else unknown
        weight = max((idf[t] for t in word.terms if t in idf), default=absent)
        weights.append(weight * GENERAL_WORD_WEIGHT if word.general else weight)
    return weights


def search_terms(query: Query) -> Query:
    """The question's BM25 terms, weighted by repetition (BM25 sums one score per term).

    A topical word weighs 2 and a general word 1: "How does Botox work?" is about
    Botox first, and "work" (rare in a small corpus, so of high IDF) must not pull
    "How MVD Works" ahead of the Botox passages. The terms are the same, so the
    same passages are found. A term stands for the question once, however many of
    its words lead to it: "How long does Botox *last*?" asks about one duration, and
    counting it twice would pull whichever passage lists the most durations.
    """
    repeats: dict[str, int] = {}
    for word in query.words:
        for term in word.terms:
            repeats[term] = max(repeats.get(term, 0), 1 if word.general else 2)
    terms = [term for term, count in repeats.items() for _ in range(count)]
    return dataclasses.replace(query, terms=tuple(terms))


def exact_share(hit: Hit, index: PassageIndex, query: Query, weights: Sequence[float]) -> float:
    """The weighted share of the question's synonym words the passage uses in the same wording.

    A word with synonyms is searched as its concept, so "vein" finds "blood
    vessel" too; a passage that says "vein" is still the closer answer.
    """
    total = sum(weights)
    if not total:
        return 0.0
    terms = index.terms_of(hit.passage)
    found = 0.0
    for word, weight in zip(query.words, weights, strict=True):
        synonym = " " not in word.surface and any(t.startswith(CONCEPT_PREFIX) for t in word.terms)
        if synonym and stem(word.surface) in terms:
            found += weight
    return found / total


def share_covered(query: Query, weights: Sequence[float], terms: frozenset[str] | set[str]) -> float:
    """The weighted share of the question's content words found among ``terms``."""
    total = sum(weights)
    if not total:
        return 0.0
    found = sum(w for word, w in zip(query.words, weights, strict=True) if not terms.isdisjoint(word.terms))
    return found / total


class _Shares:
    """Per-question shares, computed once per question instead of once per hit and unit.

    Gives exactly the values of :func:`share_covered`, :func:`sentence_share` and
    :func:`exact_share` (the same weights added in the same order). A term set is
    reduced to the set of question words it touches (a bit mask, from the few terms it
    shares with the question: one C-level set intersection), and the share of each
    distinct mask is summed once.
    """

    __slots__ = ("words", "terms", "weights", "total", "_all", "_asked", "_bits", "_exact", "_memo")

    def __init__(self, query: Query, weights: Sequence[float]) -> None:
        self.words = query.words  # kept: with ``terms``, its identity marks the question this belongs to
        self.terms = query.terms
        self.weights = weights
        self.total = sum(weights)
        bits: dict[str, int] = {}  # term -> the words (bit i: word i) that have it
        for i, word in enumerate(query.words):
            for term in word.terms:
                bits[term] = bits.get(term, 0) | (1 << i)
        self._bits = bits
        self._all = frozenset(bits)
        # sentence_share looks at a unit's terms among the question's terms only.
        self._asked = self._all & frozenset(query.terms)
        self._exact = tuple(
            (stem(word.surface), w)
            for word, w in zip(query.words, weights, strict=True)
            if " " not in word.surface and any(t.startswith(CONCEPT_PREFIX) for t in word.terms)
        )
        self._memo: dict[int, float] = {0: 0.0}

    def _share(self, found: frozenset[str]) -> float:
        mask = 0
        bits = self._bits
        for term in found:
            mask |= bits[term]
        share = self._memo.get(mask)
        if share is None:
            total = self.total
            share = sum(w for i, w in enumerate(self.weights) if mask >> i & 1) / total if total else 0.0
            self._memo[mask] = share
        return share

    def covered(self, terms: frozenset[str]) -> float:
        """:func:`share_covered` of ``terms``."""
        return self._share(terms & self._all)

    def exact(self, terms: frozenset[str]) -> float:
        """:func:`exact_share` of a passage with these index terms."""
        total = self.total
        if not total:
            return 0.0
        found = 0.0
        for word_stem, weight in self._exact:
            if word_stem in terms:
                found += weight
        return found / total

    def sentence(self, units: Sequence[frozenset[str]]) -> float:
        """:func:`sentence_share` of a passage whose units (with their headings) have these terms."""
        best = 0.0
        asked = self._asked
        share = self._share
        for terms in units:
            found = terms & asked
            if found:
                value = share(found)
                if value > best:
                    best = value
        return best


_SHARES: weakref.WeakKeyDictionary[PassageIndex, _Shares] = weakref.WeakKeyDictionary()


def _shares(query: Query, index: PassageIndex) -> _Shares:
    """The question's :class:`_Shares` (with :func:`word_weights`), kept for its next use.

    Ranking, the decision and the reply all look at the same question in turn; one
    entry per index is enough (a question is recognised by its own word and term tuples).
    """
    cached = _SHARES.get(index)
    if cached is not None and cached.words is query.words and cached.terms is query.terms:
        return cached
    shares = _SHARES[index] = _Shares(query, word_weights(query, index))
    return shares


def decide(
    query: Query, hits: Sequence[Hit], index: PassageIndex, *, min_coverage: float, min_relevance: float
) -> Decision:
    """Answer only when the best passage covers enough of the question.

    ``coverage``: the IDF-weighted share of the question's topical words (general
    words such as "make" or "show" say how it is asked, not what about) whose terms
    (stem, number form or synonym concept) occur together in the best passage; a
    word absent from the whole corpus counts as the most informative word there
    is, so "How much does MVD cost?" (MVD everywhere, "cost" nowhere) covers
    little. One passage, not several together: "What are the side effects of
    Botox?" must not be answered by a passage on Botox and another on the side
    effects of tablets.
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
    best = index.terms_of(hits[0].passage)
    missing = tuple(w.surface for w in words if not any(term in best for term in w.terms))
    weights = [
        0.0 if word.general else weight for word, weight in zip(words, _shares(query, index).weights, strict=True)
    ]
    coverage = share_covered(query, weights, best) if any(weights) else 1.0
    possible = index.best_possible(query)
    relevance = hits[0].matched / possible if possible else 0.0
    if coverage < min_coverage - 1e-9:  # 0.5 computed as 0.49999999999999994 is 0.5
        return Decision(
            False, coverage, relevance, known_share, "the best passage covers too little of the question", missing
        )
    if relevance < min_relevance:
        return Decision(False, coverage, relevance, known_share, "the best passage matches too weakly", missing)
    return Decision(True, coverage, relevance, known_share, "answered", missing)


_LIST_MARK = re.compile(r"^\s*(?:[-*+\u2022\u00b7]|\d{1,3}[.)])\s+")
Unit = tuple[str, frozenset[str], frozenset[str]]  # text to quote, its own terms, with the headings' terms
_UNITS: weakref.WeakKeyDictionary[PassageIndex, dict[str, tuple[Unit, ...]]] = weakref.WeakKeyDictionary()
_HEADINGS: weakref.WeakKeyDictionary[PassageIndex, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()
# Per passage, what rerank looks at: the terms of each unit (with headings), of its own heading, of the passage.
_RERANK: weakref.WeakKeyDictionary[
    PassageIndex, dict[str, tuple[tuple[frozenset[str], ...], frozenset[str], frozenset[str]]]
] = weakref.WeakKeyDictionary()
_WORD_COUNTS: weakref.WeakKeyDictionary[PassageIndex, dict[str, tuple[int, ...]]] = weakref.WeakKeyDictionary()
_SHORT_ITEM_WORDS = 6  # a list item this short reads better with its list
_LIST_REPLY_WORDS = 60  # ... unless the whole list is longer than this


def sentence_units(passage: Passage, index: PassageIndex) -> tuple[Unit, ...]:
    """The sentences and list items of a passage: (text to quote, own terms, terms with headings).

    Each unit's terms include those of the passage's section headings (not the
    document title, which every passage of a document shares): under "Risks &
    Complications", the item "Hearing loss" is about a risk. A list item is one
    unit. A short item of a list introduced by a sentence ending in ":" is quoted
    with that sentence and its list ("... usually by: AICA; PICA; Vertebral
    artery."), and so is that introducing sentence, when the whole stays short.
    """
    cache = _UNITS.get(index)
    if cache is None:
        cache = _UNITS.setdefault(index, {})
    units = cache.get(passage.id)
    if units is not None:
        return units
    heading = frozenset(index.analyzer.terms("\n".join(passage.section_path[1:])))
    found: list[Unit] = []

    def unit(shown: str, text: str) -> Unit:
        own = frozenset(index.analyzer.terms(text))
        return (shown, own, own | heading)

    lines = passage.text.split("\n")
    intro: int | None = None  # position in ``found`` of the sentence before a list
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        if not _LIST_MARK.match(lines[i]):
            sentences = [lines[i][start:end].strip() for start, end in split_sentences(lines[i])]
            for sentence in sentences:
                if sentence:
                    found.append(unit(sentence, sentence))
            intro = len(found) - 1 if found and found[-1][0].endswith(":") else None
            i += 1
            continue
        items: list[str] = []
        while i < len(lines) and (not lines[i].strip() or _LIST_MARK.match(lines[i])):
            item = _LIST_MARK.sub("", lines[i]).strip()
            if item:
                items.append(item)
            i += 1
        whole = None
        if intro is not None:
            joined = f"{found[intro][0]} {'; '.join(item.rstrip('.;') for item in items)}."
            if len(joined.split()) <= _LIST_REPLY_WORDS:
                whole = joined
                found[intro] = (joined, *found[intro][1:])
        for item in items:
            shown = whole if whole and len(item.split()) < _SHORT_ITEM_WORDS else item
            found.append(unit(shown, item))
        intro = None
    units = cache[passage.id] = tuple(found)
    return units


def sentence_share(hit: Hit, index: PassageIndex, query: Query, weights: Sequence[float]) -> float:
    """The weighted share of the question found together in one sentence of the passage."""
    wanted = frozenset(query.terms)
    seen: set[frozenset[str]] = set()
    best = 0.0
    for _text, _own, terms in sentence_units(hit.passage, index):
        found = terms & wanted
        if found and found not in seen:
            seen.add(found)
            best = max(best, share_covered(query, weights, found))
    return best


def heading_share(hit: Hit, index: PassageIndex, query: Query, weights: Sequence[float]) -> float:
    """The weighted share of the question named by the passage's own heading.

    The own heading is the innermost one; for a document's opening passage, which
    has none, it is the document title (the opening is about what the title says).
    """
    return share_covered(query, weights, _heading_terms(hit.passage, index))


def _heading_terms(passage: Passage, index: PassageIndex) -> frozenset[str]:
    cache = _HEADINGS.get(index)
    if cache is None:
        cache = _HEADINGS.setdefault(index, {})
    terms = cache.get(passage.id)
    if terms is None:
        terms = cache[passage.id] = frozenset(index.analyzer.terms(passage.section_path[-1]))
    return terms


def rerank(
    query: Query,
    hits: Sequence[Hit],
    index: PassageIndex,
    *,
    proximity: float = 1.0,
    heading: float = 0.25,
    exact: float = 1.0,
) -> list[Hit]:
    """Order BM25 hits by score x (1 + proximity x sentence share + heading x heading share
    + exact x exact-wording share).

    BM25 scores a passage as a bag of words; an answer usually sits in one sentence
    or list item, under a heading that names the subject. A passage whose single
    sentence holds what the question asks about ("Botox ... relief for 3-6 months")
    goes before one that has the same words scattered over unrelated items, and a
    passage whose own heading names the subject ("How MVD Works") before one that
    mentions it in passing, and one in the question's own wording ("vein") before
    one that uses a synonym ("blood vessel"); this is where exact wording counts,
    so that either wording still finds the same passages. Passages that share only
    general words with the question are dropped when others share a topical one.
    Ties keep the BM25 order; the scores shown to the user stay the BM25 scores.
    """
    if len(hits) < 2 or not query.words:
        return list(hits)
    topical = frozenset(term for word in query.words if not word.general for term in word.terms)
    if any(not topical.isdisjoint(hit.matched_terms) for hit in hits):
        # A passage sharing only a general word with the question ("work") is not about it.
        hits = [hit for hit in hits if not topical.isdisjoint(hit.matched_terms)]
    shares = _shares(query, index)
    tables = _RERANK.get(index)
    if tables is None:
        tables = _RERANK.setdefault(index, {})

    def boost(hit: Hit) -> float:
        # The same sums as sentence_share, heading_share and exact_share, from per-question tables.
        passage = hit.passage
        table = tables.get(passage.id)
        if table is None:
            units = tuple(terms for _text, _own, terms in sentence_units(passage, index))
            table = tables[passage.id] = (units, _heading_terms(passage, index), index.terms_of(passage))
        return (
            1.0
            + proximity * shares.sentence(table[0])
            + heading * shares.covered(table[1])
            + exact * shares.exact(table[2])
        )

    keyed = [(-(hit.matched * boost(hit)), position, hit) for position, hit in enumerate(hits)]
    return [hit for *_key, hit in sorted(keyed, key=lambda item: (item[0], item[1]))]


def _best_unit(hit: Hit, index: PassageIndex, shares: _Shares) -> tuple[str, float]:
    """The unit of a passage covering most of the question, and that share.

    Ties go to the unit whose own words (not its headings) cover more, then to the
    shorter, then to the first. When the question is about what the passage's own
    heading names ("What are the symptoms?" under "Symptoms") and no single item
    says more than the heading, the passage is a list of answers: its opening items
    are quoted together.
    """
    best: tuple[str, float, float, int] = ("", -1.0, -1.0, 0)
    covered = shares.covered
    cache = _WORD_COUNTS.get(index)
    if cache is None:
        cache = _WORD_COUNTS.setdefault(index, {})
    units = sentence_units(hit.passage, index)
    lengths = cache.get(hit.passage.id)
    if lengths is None:
        lengths = cache[hit.passage.id] = tuple(-len(text.split()) for text, _own, _terms in units)
    for (text, own_terms, terms), length in zip(units, lengths, strict=True):
        key = (covered(own_terms), covered(terms), length)
        if key > best[1:]:
            best = (text, *key)
    heading = covered(_heading_terms(hit.passage, index))
    if heading > 0 and heading >= best[1] and len(hit.passage.section_path) > 1:
        items = _opening_items(hit.passage)
        if len(items) > 1:
            return "; ".join(item.rstrip(".;") for item in items) + ".", max(best[2], heading)
    return best[0], best[2]


def _opening_items(passage: Passage) -> list[str]:
    """The list items a passage opens with, as many as fit in a short reply."""
    items: list[str] = []
    words = 0
    for line in passage.text.split("\n"):
        if not line.strip():
            continue
        if not _LIST_MARK.match(line):
            break
        item = _LIST_MARK.sub("", line).strip()
        words += len(item.split())
        if items and words > _LIST_REPLY_WORDS:
            break
        items.append(item)
    return items


def best_sentence(hit: Hit, index: PassageIndex, query: Query) -> str:
    """The sentence or list item of a passage that covers most of the question."""
    return _best_unit(hit, index, _Shares(query, word_weights(query, index)))[0]


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
                # Stems as they are; a synonym concept ("=botox") by its name in the synonyms file.
                matched_terms=tuple(dict.fromkeys(term.removeprefix(CONCEPT_PREFIX) for term in hit.matched_terms)),
            )
        )
    return tuple(out)


def _labelled(text: str, label: str) -> str:
    """'... 3-6 months.' -> '... 3-6 months [1].'"""
    text = text.rstrip()
    end = text[-1] if text and text[-1] in ".!?" else "."
    return f"{text.rstrip('.!?;:, ')} {label}{end}"


def answer_text(hits: Sequence[Hit], index: PassageIndex, query: Query) -> str:
    """A short extractive reply with [n] labels.

    The sentence (or list) of passage [1] that covers most of the question; then,
    when a passage from another document is shown and its best sentence covers at
    least half as much, that sentence too, so where the sources differ ("3-6
    months" against "3-4 months") the patient sees both.
    """
    if not hits:
        return ""
    shares = _shares(query, index)
    first, first_share = _best_unit(hits[0], index, shares)
    text = _labelled(first, "[1]")
    for number, hit in enumerate(hits[1:], start=2):
        if hit.passage.document_id == hits[0].passage.document_id:
            continue
        other, share = _best_unit(hit, index, shares)
        if other and other != first and share >= 0.5 * first_share:
            text += f" Another of our documents says: {_labelled(other, f'[{number}]')}"
        break
    return text
