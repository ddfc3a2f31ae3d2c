"""The not-found decision: answer from the top hits, or decline, and the evidence behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chatbot.retrieval.index import Hit, PassageIndex
from chatbot.retrieval.rerank import question_shares, share_covered
from chatbot.text.analyzer import Query

__all__ = ["Decision", "decide"]


@dataclass(frozen=True, slots=True)
class Decision:
    """The evidence behind answering or declining, kept for QA reports."""

    answer: bool
    coverage: float
    relevance: float
    known_share: float
    reason: str
    missing: tuple[str, ...] = field(default=())


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
    shares = question_shares(query, index)
    weights = [0.0 if word.general else weight for word, weight in zip(words, shares.weights, strict=True)]
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

