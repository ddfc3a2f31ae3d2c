"""The search index: passages, the analyzer and a BM25+ index -> ranked :class:`Hit` lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from chatbot.documents.passages import Passage
from chatbot.errors import IndexBuildError
from chatbot.forking import forked_slices
from chatbot.retrieval.bm25 import BM25Index, BM25Params, EncodedTerms, top_positions
from chatbot.text.analyzer import Analyzer, Query, vocabulary_of
from chatbot.text.spelling import Vocabulary
from chatbot.text.stem import indexing

__all__ = ["PARALLEL_MIN_PASSAGES", "Hit", "PassageIndex", "encode_passages"]

#: Corpora smaller than this are analysed in one process (forking costs more than it saves).
PARALLEL_MIN_PASSAGES = 4_000


def _encode_slice(job: tuple[Analyzer, Sequence[str]], start: int, end: int) -> EncodedTerms:
    analyzer, texts = job
    return EncodedTerms.of([analyzer.terms(text) for text in texts[start:end]])


def encode_passages(
    analyzer: Analyzer, texts: Sequence[str], *, workers: int = 1, min_parallel: int = PARALLEL_MIN_PASSAGES
) -> EncodedTerms:
    """Index terms of every text, encoded as term ids; large corpora in ``workers`` forked processes.

    Analysis (tokens, Snowball stems, synonym concepts) is pure Python and dominates the
    build of a large index, so a 20,000-row FAQ is split into one slice per process
    (:func:`chatbot.forking.forked_slices`; only for callers with no other threads). Each
    worker sends back its slice as term ids and its own vocabulary, not a string per
    term, and the parts merge into exactly the encoding of one pass over all texts.
    """
    if len(texts) < min_parallel:
        workers = 1
    step = -(-len(texts) // max(1, workers))
    with indexing():  # the stems dict may grow while indexing, then drops back within its bound
        parts = forked_slices(_encode_slice, (analyzer, texts), len(texts), workers=workers, slice_size=max(1, step))
        return EncodedTerms.merge(list(parts))


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage that matched a query, its BM25+ score and the query terms it contains."""

    passage: Passage
    score: float
    matched: float
    matched_terms: tuple[str, ...]


class PassageIndex:
    """BM25+ over passages (title and headings indexed with the body text)."""

    def __init__(
        self,
        passages: Sequence[Passage],
        *,
        analyzer: Analyzer,
        params: BM25Params | None = None,
        workers: int = 1,
        encoded: EncodedTerms | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """Index ``passages``; a saved index passes their ``encoded`` terms and ``vocabulary`` instead of analysing."""
        if not passages:
            raise IndexBuildError("no passages to index; the corpus has no text")
        self.passages = tuple(passages)
        self.analyzer = analyzer
        if encoded is None:
            encoded = encode_passages(analyzer, [passage.search_text for passage in self.passages], workers=workers)
        self.bm25 = BM25Index(encoded, params=params)
        self.known_terms = self.bm25.terms
        self._by_id = {passage.id: i for i, passage in enumerate(self.passages)}
        self._terms_of = lru_cache(maxsize=4096)(self._passage_terms)
        self._vocabulary = vocabulary

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def vocabulary(self) -> Vocabulary:
        """Surface words for spelling correction, counted on first use (batch ranking never needs them)."""
        if self._vocabulary is None:
            self._vocabulary = vocabulary_of(self.analyzer, (p.search_text for p in self.passages))
        return self._vocabulary

    def _passage_terms(self, position: int) -> frozenset[str]:
        return frozenset(self.analyzer.terms(self.passages[position].search_text))

    def passage(self, passage_id: str) -> Passage | None:
        position = self._by_id.get(passage_id)
        return None if position is None else self.passages[position]

    def terms_of(self, passage: Passage) -> frozenset[str]:
        """The index terms of one passage."""
        return self._terms_of(self._by_id[passage.id])

    def query(self, text: str, *, correct_spelling: bool = True) -> Query:
        """Analyse a question against this corpus' vocabulary."""
        return self.analyzer.query(text, self.vocabulary if correct_spelling else None, known_terms=self.known_terms)

    def search(self, query: Query, *, top_k: int, with_terms: bool = True) -> list[Hit]:
        """Passages matching at least one query term, best first (ties: corpus order)."""
        found = self.bm25.ranked(query.terms, top_k=min(top_k, len(self.passages)))
        passages = self.passages
        if not with_terms:
            return [Hit(passages[i], score, matched, ()) for i, score, matched in found]
        unique = tuple(dict.fromkeys(query.terms))
        terms_of = self._terms_of
        hits = []
        for i, score, matched in found:
            own = terms_of(i)
            hits.append(Hit(passages[i], score, matched, tuple([term for term in unique if term in own])))
        return hits

    def positions(self, query: Query, *, top_k: int) -> tuple[list[int], list[float]]:
        """The ranking of :meth:`search` as passage positions and scores, without a Hit per passage.

        At ``--top-k 1000`` over a thousand questions, creating a million Hit objects took
        longer than the ranking itself (``chatbot eval --run``); a differential test holds
        this equal to :meth:`search`.
        """
        known = [term for term in query.terms if term in self.bm25]
        if not known:
            return [], []
        matched = self.bm25.matched_scores(known)
        positions = top_positions(matched, min(top_k, len(self.passages)))
        scores = matched[positions] + self.bm25.baseline(query.terms)
        return positions.tolist(), scores.tolist()

    def best_possible(self, query: Query) -> float:
        return self.bm25.best_possible(query.terms)
