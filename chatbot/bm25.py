"""A typed BM25+ index over term lists: exact rank_bm25 scores, fast enough for 100k passages.

Why BM25+ (``rank_bm25.BM25Plus``) and not BM25Okapi: Okapi's IDF,
``log((N - df + 0.5) / (df + 0.5))``, is zero or negative for a term found in half
or more of the passages. In a clinic's small corpus the words that matter most
("spasm", "facial", "MVD") are in half the passages, so Okapi would ignore them or
push passages that contain them down. BM25+ uses ``log((N + 1) / df)`` (always
positive) and a lower bound ``delta`` per matching term, which also stops long
passages from being penalised below short ones. Its one quirk is that a passage
matching no query term still scores ``sum(idf * delta)``: the same constant for
every passage, so it changes no ranking, and :meth:`BM25Index.search` returns only
passages that match at least one term.

:meth:`BM25Index.scores` equals ``BM25Plus(corpus).get_scores(query)`` (a
differential test proves it). Instead of looping over every passage per term, the
index stores, per term, the passages containing it and their precomputed term
weights; a query adds those postings into a score vector with numpy and selects the
top k with ``argpartition`` over the touched passages only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import IndexBuildError

__all__ = ["BM25Index", "BM25Params", "ScoredPassage"]


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25+ parameters; validated on construction."""

    k1: float = 1.2
    b: float = 0.75
    delta: float = 1.0

    def __post_init__(self) -> None:
        for name, value, low, high in (("k1", self.k1, 0.0, 3.0), ("b", self.b, 0.0, 1.0), ("delta", self.delta, 0.0, 3.0)):
            if not (isinstance(value, (int, float)) and low <= value <= high) or math.isnan(value):
                raise IndexBuildError(f"BM25 parameter {name} must be between {low} and {high}, got {value!r}")


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    """A passage position, its BM25+ score and how much of it comes from matches."""

    index: int
    score: float
    matched: float


class BM25Index:
    """Inverted BM25+ index over ``corpus`` (one term list per passage)."""

    def __init__(self, corpus: Sequence[Sequence[str]], *, params: BM25Params | None = None) -> None:
        if not corpus:
            raise IndexBuildError("cannot build a BM25 index over an empty corpus")
        self.params = params or BM25Params()
        self.size = len(corpus)
        lengths = np.fromiter((len(doc) for doc in corpus), dtype=np.float64, count=self.size)
        total = float(lengths.sum())
        self.avgdl = total / self.size if total else 1.0
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for position, doc in enumerate(corpus):
            for term, tf in Counter(doc).items():
                entry = postings.get(term)
                if entry is None:
                    entry = postings[term] = ([], [])
                entry[0].append(position)
                entry[1].append(float(tf))
        k1, b = self.params.k1, self.params.b
        norm = k1 * (1.0 - b + b * lengths / self.avgdl)
        self.idf: dict[str, float] = {}
        self._postings: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]] = {}
        for term, (positions, tfs) in postings.items():
            idx = np.asarray(positions, dtype=np.int32)
            tf = np.asarray(tfs, dtype=np.float64)
            idf = math.log((self.size + 1) / len(positions))
            self.idf[term] = idf
            self._postings[term] = (idx, idf * (tf * (k1 + 1.0)) / (norm[idx] + tf))

    def __contains__(self, term: object) -> bool:
        return term in self._postings

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self._postings)

    def document_frequency(self, term: str) -> int:
        entry = self._postings.get(term)
        return 0 if entry is None else len(entry[0])

    def baseline(self, query: Sequence[str]) -> float:
        """The score every passage gets for ``query`` even when it matches nothing."""
        return float(sum(self.idf.get(term, 0.0) for term in query) * self.params.delta)

    def best_possible(self, query: Sequence[str]) -> float:
        """The matched score a passage would get with every known query term, infinitely often."""
        return float(sum(self.idf.get(term, 0.0) for term in query) * (self.params.k1 + 1.0))

    def matched_scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """Per passage, the part of the score that comes from matching terms."""
        scores = np.zeros(self.size, dtype=np.float64)
        for term in query:
            entry = self._postings.get(term)
            if entry is not None:
                scores[entry[0]] += entry[1]
        return scores

    def scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """BM25+ score of every passage; equals rank_bm25's ``BM25Plus.get_scores``."""
        return self.matched_scores(query) + self.baseline(query)

    def search(self, query: Sequence[str], *, top_k: int) -> list[ScoredPassage]:
        """The ``top_k`` best passages matching at least one term; ties by position."""
        if top_k < 1:
            raise IndexBuildError(f"top_k must be at least 1, got {top_k}")
        known = [term for term in query if term in self._postings]
        if not known:
            return []
        if len(known) == 1:
            candidates, weights = self._postings[known[0]]
            matched = weights
        else:
            scores = self.matched_scores(known)
            candidates = np.unique(np.concatenate([self._postings[term][0] for term in set(known)]))
            matched = scores[candidates]
        if len(candidates) > top_k:
            cut = np.argpartition(-matched, top_k - 1)[:top_k]
            threshold = matched[cut].min()
            keep = np.flatnonzero(matched >= threshold)  # every tie at the cut, for a stable order
            candidates, matched = candidates[keep], matched[keep]
        order = np.lexsort((candidates, -matched))[:top_k]
        base = self.baseline(query)
        return [
            ScoredPassage(index=int(candidates[i]), score=float(matched[i]) + base, matched=float(matched[i]))
            for i in order
        ]
