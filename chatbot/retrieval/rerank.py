"""Rerank features: how much of the question a passage covers, in one sentence, in its heading
and in the question's own wording, weighted by how telling each word is (:func:`word_weights`).
"""

from __future__ import annotations

import dataclasses
import math
import re
import weakref
from collections.abc import Sequence

from chatbot.documents.passages import Passage, split_sentences
from chatbot.retrieval.index import Hit, PassageIndex
from chatbot.retrieval.questiontypes import heading_types, question_types
from chatbot.text.analyzer import CONCEPT_PREFIX, Query
from chatbot.text.stem import stem

__all__ = [
    "GENERAL_WORD_WEIGHT",
    "LIST_MARK",
    "LIST_REPLY_WORDS",
    "UNKNOWN_WORD_WEIGHT",
    "Shares",
    "body_idf",
    "heading_terms",
    "question_shares",
    "rerank",
    "search_terms",
    "sentence_units",
    "share_covered",
    "word_weights",
]


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
    counting it twice would pull whichever passage lists the most durations. A form that
    only WordNet relates to the word ("treatment" for "treat") weighs 1.
    """
    repeats: dict[str, int] = {}
    for word in query.words:
        for term in word.terms:
            weight = 1 if word.general or term in word.expansions else 2
            repeats[term] = max(repeats.get(term, 0), weight)
    terms = [term for term, count in repeats.items() for _ in range(count)]
    return dataclasses.replace(query, terms=tuple(terms))


def share_covered(query: Query, weights: Sequence[float], terms: frozenset[str] | set[str]) -> float:
    """The weighted share of the question's content words found among ``terms``."""
    total = sum(weights)
    if not total:
        return 0.0
    found = sum(w for word, w in zip(query.words, weights, strict=True) if not terms.isdisjoint(word.terms))
    return found / total


class Shares:
    """Per-question shares, computed once per question instead of once per hit and unit.

    Gives exactly the values of :func:`share_covered` over the passage's terms, over its
    best sentence's terms and over its synonym words in the question's own wording (the
    same weights added in the same order). A term set is
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
        # A sentence's share looks at a unit's terms among the question's terms only.
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
        """The weighted share of the question's synonym words a passage with these terms uses in the same wording.

        A word with synonyms is searched as its concept, so "vein" finds "blood vessel" too;
        a passage that says "vein" is still the closer answer.
        """
        total = self.total
        if not total:
            return 0.0
        found = 0.0
        for word_stem, weight in self._exact:
            if word_stem in terms:
                found += weight
        return found / total

    def sentence(self, units: Sequence[frozenset[str]]) -> float:
        """The best share of the question found together in one unit (sentence or item, with its headings)."""
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


_SHARES: weakref.WeakKeyDictionary[PassageIndex, Shares] = weakref.WeakKeyDictionary()


def question_shares(query: Query, index: PassageIndex) -> Shares:
    """The question's :class:`Shares` (with :func:`word_weights`), kept for its next use.

    Ranking, the decision and the reply all look at the same question in turn; one
    entry per index is enough (a question is recognised by its own word and term tuples).
    """
    cached = _SHARES.get(index)
    if cached is not None and cached.words is query.words and cached.terms is query.terms:
        return cached
    shares = _SHARES[index] = Shares(query, word_weights(query, index))
    return shares


LIST_MARK = re.compile(r"^\s*(?:[-*+\u2022\u00b7]|\d{1,3}[.)])\s+")
Unit = tuple[str, frozenset[str], frozenset[str]]  # text to quote, its own terms, with the headings' terms
_UNITS: weakref.WeakKeyDictionary[PassageIndex, dict[str, tuple[Unit, ...]]] = weakref.WeakKeyDictionary()
_HEADINGS: weakref.WeakKeyDictionary[PassageIndex, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()
# Per passage, what rerank looks at: the terms of each unit (with headings), of its own heading, of the passage.
_RERANK: weakref.WeakKeyDictionary[
    PassageIndex, dict[str, tuple[tuple[frozenset[str], ...], frozenset[str], frozenset[str]]]
] = weakref.WeakKeyDictionary()
_SHORT_ITEM_WORDS = 6  # a list item this short reads better with its list
LIST_REPLY_WORDS = 60  # ... unless the whole list is longer than this


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
        if not LIST_MARK.match(lines[i]):
            sentences = [lines[i][start:end].strip() for start, end in split_sentences(lines[i])]
            for sentence in sentences:
                if sentence:
                    found.append(unit(sentence, sentence))
            intro = len(found) - 1 if found and found[-1][0].endswith(":") else None
            i += 1
            continue
        items: list[str] = []
        while i < len(lines) and (not lines[i].strip() or LIST_MARK.match(lines[i])):
            item = LIST_MARK.sub("", lines[i]).strip()
            if item:
                items.append(item)
            i += 1
        whole = None
        if intro is not None:
            joined = f"{found[intro][0]} {'; '.join(item.rstrip('.;') for item in items)}."
            if len(joined.split()) <= LIST_REPLY_WORDS:
                whole = joined
                found[intro] = (joined, *found[intro][1:])
        for item in items:
            shown = whole if whole and len(item.split()) < _SHORT_ITEM_WORDS else item
            found.append(unit(shown, item))
        intro = None
    units = cache[passage.id] = tuple(found)
    return units


def heading_terms(passage: Passage, index: PassageIndex) -> frozenset[str]:
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
    kind: float = 0.3,
) -> list[Hit]:
    """Order BM25 hits by score x (1 + proximity x sentence share + heading x heading share
    + exact x exact-wording share + kind when the heading answers the kind of question asked).

    BM25 scores a passage as a bag of words; an answer usually sits in one sentence
    or list item, under a heading that names the subject. A passage whose single
    sentence holds what the question asks about ("Botox ... relief for 3-6 months")
    goes before one that has the same words scattered over unrelated items, and a
    passage whose own heading names the subject ("How MVD Works") before one that
    mentions it in passing, and one in the question's own wording ("vein") before
    one that uses a synonym ("blood vessel"); this is where exact wording counts,
    so that either wording still finds the same passages. A heading that answers the kind
    of question asked ("What causes X?" for "why does X happen?", :mod:`questiontypes`) counts
    too: 0.3 helped on the bundled and the dev sets alike, 0.6 cost the bundled corpus three
    first places. Passages that share only
    general words with the question are dropped when others share a topical one.
    Ties keep the BM25 order; the scores shown to the user stay the BM25 scores.
    """
    if len(hits) < 2 or not query.words:
        return list(hits)
    topical = frozenset(term for word in query.words if not word.general for term in word.terms)
    if any(not topical.isdisjoint(hit.matched_terms) for hit in hits):
        # A passage sharing only a general word with the question ("work") is not about it.
        hits = [hit for hit in hits if not topical.isdisjoint(hit.matched_terms)]
    shares = question_shares(query, index)
    tables = _RERANK.get(index)
    if tables is None:
        tables = _RERANK.setdefault(index, {})

    asked = question_types(query.text) if kind else frozenset()

    def boost(hit: Hit) -> float:
        # Sentence, heading and exact-wording shares, from per-question tables.
        passage = hit.passage
        typed = kind if asked and not asked.isdisjoint(heading_types(passage.section_path[-1])) else 0.0
        if not typed and asked and passage.question:
            typed = kind if not asked.isdisjoint(heading_types(passage.question)) else 0.0
        table = tables.get(passage.id)
        if table is None:
            units = tuple(terms for _text, _own, terms in sentence_units(passage, index))
            table = tables[passage.id] = (units, heading_terms(passage, index), index.terms_of(passage))
        return (
            1.0
            + typed
            + proximity * shares.sentence(table[0])
            + heading * shares.covered(table[1])
            + exact * shares.exact(table[2])
        )

    keyed = [(-(hit.matched * boost(hit)), position, hit) for position, hit in enumerate(hits)]
    return [hit for *_key, hit in sorted(keyed, key=lambda item: (item[0], item[1]))]

