"""The BM25+ index: exact rank_bm25 scores, the variant choice, edge cases, the top-k step."""

from __future__ import annotations

import random

import numpy as np
import pytest
import rank_bm25

from chatbot.errors import IndexBuildError
from chatbot.retrieval.bm25 import BM25Index, BM25Params, top_positions

TINY = [
    ["facial", "spasm", "botox", "injection", "month"],
    ["facial", "nerve", "artery", "compress", "spasm", "spasm"],
    ["surgeri", "mvd", "craniotomi", "teflon", "pad", "nerve", "artery"],
    ["botox", "last", "month", "month", "repeat"],
    ["recoveri", "hospit", "day", "headach"],
    ["risk", "hear", "loss", "facial", "weak", "csf", "leak", "infect", "stroke"],
]

QUERIES = [
    ["botox", "month"],
    ["spasm"],
    ["facial", "facial", "nerve"],  # repeated terms count twice, as in rank_bm25
    ["unknown", "artery"],
    ["unknown"],
    [],
    ["csf", "leak", "risk", "hear", "stroke", "infect", "weak", "loss"],
]


@pytest.mark.parametrize(
    "params",
    [BM25Params(), BM25Params(k1=1.5, b=0.75, delta=1.0), BM25Params(0.5, 0.0, 0.0), BM25Params(3.0, 1.0, 3.0)],
)
@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_rank_bm25_bm25plus(params: BM25Params, query: list[str]) -> None:
    ours = BM25Index(TINY, params=params).scores(query)
    reference = rank_bm25.BM25Plus(TINY, k1=params.k1, b=params.b, delta=params.delta).get_scores(query)
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)


def test_scores_equal_rank_bm25_on_a_corpus_large_enough_for_dense_vectors() -> None:
    rng = random.Random(7)
    words = [f"w{i}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(300)]
    corpus = [rng.choices(words, weights, k=rng.randint(5, 40)) for _ in range(5000)]
    index = BM25Index(corpus)
    reference = rank_bm25.BM25Plus(corpus, k1=1.2, b=0.75, delta=1.0)
    assert index.document_frequency("w0") > 5000 // 8  # common enough to be held densely
    for _ in range(10):
        query = rng.choices(words, weights, k=rng.randint(3, 8))
        ours = index.scores(query)
        np.testing.assert_allclose(ours, reference.get_scores(query), rtol=1e-12, atol=1e-12)
        matched = index.matched_scores(query) > 0
        want = sorted(np.flatnonzero(matched), key=lambda i: (-ours[i], i))[:10]
        assert [hit.index for hit in index.search(query, top_k=10)] == want


def test_why_bm25plus_okapi_ignores_a_term_found_in_half_the_passages() -> None:
    """rank_bm25's own BM25Okapi: a term in half the passages gets IDF 0, so the passages
    that contain the patient's word score exactly like those that do not. BM25+ ranks them first."""
    corpus = [["spasm", "eye"], ["spasm", "cheek"], ["botox", "month"], ["surgeri", "nerve"]]
    okapi = rank_bm25.BM25Okapi(corpus)
    assert okapi.idf["spasm"] == pytest.approx(0.0)
    assert list(okapi.get_scores(["spasm"])) == pytest.approx([0.0, 0.0, 0.0, 0.0])
    plus = BM25Index(corpus)
    scores = plus.scores(["spasm"])
    assert scores[0] == scores[1] > scores[2] == scores[3]
    assert [hit.index for hit in plus.search(["spasm"], top_k=4)] == [0, 1]


def test_bm25plus_baseline_scores_non_matching_passages_but_search_skips_them() -> None:
    index = BM25Index(TINY)
    scores = index.scores(["teflon"])
    assert scores.min() > 0  # BM25+'s delta: every passage gets idf * delta
    assert scores[0] == pytest.approx(index.baseline(["teflon"]))
    assert [hit.index for hit in index.search(["teflon"], top_k=6)] == [2]
    hit = index.search(["teflon"], top_k=1)[0]
    assert hit.score == pytest.approx(scores[2])
    assert hit.matched == pytest.approx(scores[2] - index.baseline(["teflon"]))


def test_empty_corpus_is_an_error_not_a_division_by_zero() -> None:
    with pytest.raises(IndexBuildError, match="empty corpus"):
        BM25Index([])


def test_a_corpus_of_empty_passages_finds_nothing() -> None:
    index = BM25Index([[], []])
    assert index.search(["spasm"], top_k=3) == []
    assert list(index.scores(["spasm"])) == [0.0, 0.0]


@pytest.mark.parametrize("query", [[], ["unknown"], ["nothing", "here"]])
def test_unknown_or_empty_queries_give_no_hits(query: list[str]) -> None:
    assert BM25Index(TINY).search(query, top_k=3) == []


def test_top_k_above_the_corpus_size_returns_every_matching_passage() -> None:
    index = BM25Index(TINY)
    hits = index.search(["facial", "month"], top_k=100)
    assert sorted(hit.index for hit in hits) == [0, 1, 3, 5]
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_ties_are_broken_by_corpus_position() -> None:
    corpus = [["other"], ["same", "word"], ["other"], ["same", "word"], ["same", "word"]]
    index = BM25Index(corpus)
    assert [hit.index for hit in index.search(["same"], top_k=3)] == [1, 3, 4]
    assert [hit.index for hit in index.search(["same"], top_k=2)] == [1, 3]


@pytest.mark.parametrize("top_k", [0, -1])
def test_top_k_must_be_positive(top_k: int) -> None:
    with pytest.raises(IndexBuildError, match="top_k"):
        BM25Index(TINY).search(["spasm"], top_k=top_k)


@pytest.mark.parametrize(
    ("field", "value"),
    [("k1", -0.1), ("k1", 3.5), ("b", 1.1), ("b", -0.5), ("delta", 4.0), ("k1", float("nan")), ("b", "0.5")],
)
def test_bm25_params_are_validated(field: str, value: object) -> None:
    with pytest.raises(IndexBuildError, match=field):
        BM25Params(**{field: value})  # type: ignore[arg-type]


def test_best_possible_bounds_every_matched_score() -> None:
    index = BM25Index(TINY)
    for query in QUERIES:
        assert index.matched_scores(query).max(initial=0.0) <= index.best_possible(query) + 1e-12


def test_postings_and_document_frequency() -> None:
    index = BM25Index(TINY)
    positions, weights = index.postings("spasm")
    assert list(positions) == [0, 1]
    assert weights[1] > weights[0]  # "spasm" twice in passage 1
    assert index.document_frequency("spasm") == 2
    assert index.document_frequency("absent") == 0
    assert len(index.postings("absent")[0]) == 0
    assert "spasm" in index and "absent" not in index
    assert "mvd" in index.terms
    assert index.nbytes > 0


@pytest.mark.parametrize("size", [5, 1_000, 70_000])
@pytest.mark.parametrize("k", [1, 3, 10])
def test_top_positions_equals_a_full_stable_sort(size: int, k: int) -> None:
    rng = np.random.default_rng(size + k)
    scores = np.round(rng.random(size) * 20, 1)  # many ties
    scores[rng.random(size) < 0.3] = 0.0  # passages that match nothing
    want = sorted(np.flatnonzero(scores > 0), key=lambda i: (-scores[i], i))[:k]
    assert list(top_positions(scores, k)) == want


def test_top_positions_with_fewer_matches_than_k_and_all_ties() -> None:
    scores = np.zeros(100_000)
    scores[[5, 99_999, 17]] = 1.0
    assert list(top_positions(scores, 10)) == [5, 17, 99_999]
    assert list(top_positions(np.ones(100_000), 3)) == [0, 1, 2]
    assert list(top_positions(np.zeros(10), 3)) == []
