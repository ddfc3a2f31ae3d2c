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
weights (one CSR-style pair of arrays); a query adds those postings into a score
vector with numpy. Terms found in a large share of the passages also keep a dense
weight vector, because adding a dense vector is several times cheaper than
scattering the same number of postings. The top-k step never sorts every score: a
strided sample gives a lower bound for the k-th best score, and only the passages
at or above it are sorted (see :func:`top_positions`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from chatbot.errors import IndexBuildError

__all__ = ["BM25Index", "BM25Params", "EncodedTerms", "ScoredPassage", "top_positions"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Corpora smaller than this keep no dense vectors (scattering is cheap enough).
DENSE_MIN_PASSAGES = 4096
#: A term gets a dense vector when it is in at least 1/DENSE_SHARE of the passages.
DENSE_SHARE = 8 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 32
#: Upper bound on the memory spent on dense vectors.
DENSE_BUDGET_BYTES = 256 * 1024 * 1024
#: Corpora up to this size are searched with plain Python dicts: for a few hundred
#: passages numpy's per-call overhead costs more than the additions themselves.
SMALL_MAX_PASSAGES = 512
# numpy >= 2 has a fast ufunc.at; older versions are faster with fancy-index +=.
_FAST_ADD_AT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25+ parameters; validated on construction."""

    k1: float = 1.2
    b: float = 0.75
    delta: float = 1.0

    def __post_init__(self) -> None:
        bounds = (("k1", self.k1, 0.0, 3.0), ("b", self.b, 0.0, 1.0), ("delta", self.delta, 0.0, 3.0))
        for name, value, low, high in bounds:
            if not (isinstance(value, (int, float)) and low <= value <= high) or math.isnan(value):
                raise IndexBuildError(f"BM25 parameter {name} must be between {low} and {high}, got {value!r}")


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    """A passage position, its BM25+ score and how much of it comes from matches."""

    index: int
    score: float
    matched: float


def top_positions(scores: FloatArray, k: int) -> IntArray:
    """Positions of the ``k`` highest positive ``scores``, best first, ties by position.

    Exact, without sorting every score: the k-th best of a strided sample is a lower
    bound for the k-th best overall (the sample's k best are all in ``scores``), so
    every passage of the true top k, ties at the cut included, is at or above it.
    Only those (about ``k * stride``) are sorted.
    """
    if k < 1:
        raise IndexBuildError(f"top_k must be at least 1, got {k}")
    n = len(scores)
    threshold = 0.0
    if n > 64 * k:
        stride = max(1, n // max(64 * k, math.isqrt(k * n)))
        sample = scores[::stride]
        if len(sample) > k:
            threshold = float(np.partition(sample, len(sample) - k)[len(sample) - k])
    candidates = np.flatnonzero(scores >= threshold) if threshold > 0.0 else np.flatnonzero(scores > 0.0)
    values = scores[candidates]
    if len(candidates) > 8 * k:  # many ties or a poor sample: cut before sorting
        kth = values[np.argpartition(values, len(values) - k)[len(values) - k]]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:k]
    return candidates[order].astype(np.int64, copy=False)


@dataclass(frozen=True)
class EncodedTerms:
    """Passages' term lists as term ids: what the index is built from.

    ``vocabulary[i]`` is term id ``i``, in order of first occurrence; ``lengths`` holds each
    passage's number of terms and ``flat`` every passage's term ids, one after another.
    Parts encoded separately (by forked workers) merge into the encoding of the whole.
    """

    vocabulary: list[str]
    lengths: npt.NDArray[np.int64]
    flat: npt.NDArray[np.int64]

    @classmethod
    def of(cls, corpus: Sequence[Sequence[str]]) -> EncodedTerms:
        """Encode term lists (map/__getitem__ keep the pass over every term in C)."""
        ids: dict[str, int] = {term: i for i, term in enumerate(dict.fromkeys(chain.from_iterable(corpus)))}
        lengths = np.fromiter(map(len, corpus), dtype=np.int64, count=len(corpus))
        flat = np.fromiter(map(ids.__getitem__, chain.from_iterable(corpus)), dtype=np.int64, count=int(lengths.sum()))
        return cls(vocabulary=list(ids), lengths=lengths, flat=flat)

    @classmethod
    def merge(cls, parts: Sequence[EncodedTerms]) -> EncodedTerms:
        """The encoding of the parts' passages in order: the same ids as encoding them at once."""
        if len(parts) == 1:
            return parts[0]
        ids: dict[str, int] = {}
        flats, lengths = [], []
        for part in parts:
            remap = np.fromiter(
                (ids.setdefault(term, len(ids)) for term in part.vocabulary), dtype=np.int64, count=len(part.vocabulary)
            )
            flats.append(remap[part.flat])
            lengths.append(part.lengths)
        return cls(vocabulary=list(ids), lengths=np.concatenate(lengths), flat=np.concatenate(flats))


class BM25Index:
    """Inverted BM25+ index over ``corpus`` (one term list per passage, or their encoding)."""

    def __init__(self, corpus: Sequence[Sequence[str]] | EncodedTerms, *, params: BM25Params | None = None) -> None:
        encoded = corpus if isinstance(corpus, EncodedTerms) else EncodedTerms.of(corpus)
        if not len(encoded.lengths):
            raise IndexBuildError("cannot build a BM25 index over an empty corpus")
        self.params = params or BM25Params()
        self.size = n = len(encoded.lengths)
        # Term ids for every token, in passage order (first occurrence first); one sort groups them by term.
        ids: dict[str, int] = {term: i for i, term in enumerate(encoded.vocabulary)}
        lengths, flat = encoded.lengths, encoded.flat
        total = int(lengths.sum())
        self.avgdl = total / n if total else 1.0
        passage_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        pairs, tf = np.unique(flat * n + passage_of, return_counts=True)  # sorted by term, then passage
        term_of = pairs // n
        positions = (pairs % n).astype(np.int32)
        starts = np.searchsorted(term_of, np.arange(len(ids) + 1, dtype=np.int64))
        df = np.diff(starts)
        k1, b = self.params.k1, self.params.b
        norm = k1 * (1.0 - b + b * lengths.astype(np.float64) / self.avgdl)
        idf_by_id = np.log((n + 1) / df.astype(np.float64))
        tf_f = tf.astype(np.float64)
        self._positions = positions
        self._weights: FloatArray = idf_by_id[term_of] * (tf_f * (k1 + 1.0)) / (norm[positions] + tf_f)
        del flat, passage_of, pairs, term_of, tf, tf_f
        self._term_ids = ids
        self._starts = starts
        self.idf: dict[str, float] = {term: float(idf_by_id[i]) for term, i in ids.items()}
        # Small corpora: per term, (position, weight) pairs as Python numbers, added in the
        # same order as matched_scores adds them, so the sums are the same floats.
        self._small: dict[str, tuple[tuple[int, float], ...]] | None = None
        if n <= SMALL_MAX_PASSAGES:
            position_list, weight_list = positions.tolist(), self._weights.tolist()
            bounds = starts.tolist()
            self._small = {
                term: tuple(zip(position_list[lo:hi], weight_list[lo:hi], strict=True))
                for term, i in ids.items()
                for lo, hi in ((bounds[i], bounds[i + 1]),)
            }
        self._dense: dict[int, FloatArray] = {}
        if n >= DENSE_MIN_PASSAGES:
            budget = DENSE_BUDGET_BYTES // (8 * n)
            for term_id in np.argsort(-df, kind="stable")[:budget]:
                if df[term_id] * DENSE_SHARE < n:
                    break
                vector = np.zeros(n, dtype=np.float64)
                lo, hi = starts[term_id], starts[term_id + 1]
                vector[positions[lo:hi]] = self._weights[lo:hi]
                self._dense[int(term_id)] = vector

    def __contains__(self, term: object) -> bool:
        return term in self._term_ids

    @property
    def dense_terms(self) -> int:
        """How many common terms also keep a dense weight vector."""
        return len(self._dense)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's numpy arrays (postings, weights, dense vectors)."""
        arrays = [self._positions, self._weights, self._starts, *self._dense.values()]
        return sum(int(array.nbytes) for array in arrays)

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self._term_ids)

    def document_frequency(self, term: str) -> int:
        term_id = self._term_ids.get(term)
        return 0 if term_id is None else int(self._starts[term_id + 1] - self._starts[term_id])

    def postings(self, term: str) -> tuple[npt.NDArray[np.int32], FloatArray]:
        """Passage positions containing ``term`` and the term's BM25+ weight in each."""
        term_id = self._term_ids.get(term)
        if term_id is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
        lo, hi = self._starts[term_id], self._starts[term_id + 1]
        return self._positions[lo:hi], self._weights[lo:hi]

    def baseline(self, query: Sequence[str]) -> float:
        """The score every passage gets for ``query`` even when it matches nothing."""
        return float(sum(self.idf.get(term, 0.0) for term in query) * self.params.delta)

    def best_possible(self, query: Sequence[str]) -> float:
        """The matched score a passage would get with every known query term, infinitely often."""
        return float(sum(self.idf.get(term, 0.0) for term in query) * (self.params.k1 + 1.0))

    def matched_scores(self, query: Sequence[str]) -> FloatArray:
        """Per passage, the part of the score that comes from matching terms (0 if none match)."""
        scores = np.zeros(self.size, dtype=np.float64)
        for term in query:
            term_id = self._term_ids.get(term)
            if term_id is None:
                continue
            dense = self._dense.get(term_id)
            if dense is not None:
                np.add(scores, dense, out=scores)
                continue
            lo, hi = self._starts[term_id], self._starts[term_id + 1]
            if _FAST_ADD_AT:
                np.add.at(scores, self._positions[lo:hi], self._weights[lo:hi])
            else:  # pragma: no cover - numpy < 2; positions are unique per term
                scores[self._positions[lo:hi]] += self._weights[lo:hi]
        return scores

    def scores(self, query: Sequence[str]) -> FloatArray:
        """BM25+ score of every passage; equals rank_bm25's ``BM25Plus.get_scores``."""
        return self.matched_scores(query) + self.baseline(query)

    def search(self, query: Sequence[str], *, top_k: int) -> list[ScoredPassage]:
        """The ``top_k`` best passages matching at least one term; ties by position."""
        return [
            ScoredPassage(index=i, score=score, matched=matched)
            for i, score, matched in self.ranked(query, top_k=top_k)
        ]

    def ranked(self, query: Sequence[str], *, top_k: int) -> list[tuple[int, float, float]]:
        """:meth:`search` as plain ``(position, score, matched)`` tuples (no objects to build)."""
        if top_k < 1:
            raise IndexBuildError(f"top_k must be at least 1, got {top_k}")
        known = [term for term in query if term in self._term_ids]
        if not known:
            return []
        if self._small is not None:
            return self._ranked_small(self._small, known, query, top_k)
        matched = self.matched_scores(known)
        base = self.baseline(query)
        return [(int(i), float(matched[i]) + base, float(matched[i])) for i in top_positions(matched, top_k)]

    def _ranked_small(
        self, small: dict[str, tuple[tuple[int, float], ...]], known: list[str], query: Sequence[str], top_k: int
    ) -> list[tuple[int, float, float]]:
        """:meth:`ranked` over a small corpus with dicts: the same sums, in the same order."""
        totals: dict[int, float] = {}
        get = totals.get
        for term in known:
            for position, weight in small[term]:
                totals[position] = get(position, 0.0) + weight
        base = self.baseline(query)
        best = sorted((item for item in totals.items() if item[1] > 0.0), key=_best_first)[:top_k]
        return [(i, value + base, value) for i, value in best]


def _best_first(item: tuple[int, float]) -> tuple[float, int]:
    return (-item[1], item[0])
