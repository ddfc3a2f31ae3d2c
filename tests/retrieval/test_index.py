"""The passage index: BM25+ over passages with headings and titles, ranked hits, edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rank_bm25

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.documents.load import load_corpus
from chatbot.documents.passages import Passage, split_all
from chatbot.errors import IndexBuildError
from chatbot.retrieval.index import PassageIndex
from chatbot.text.analyzer import Analyzer


def passage(n: int, text: str, section: str = "Section", document: str = "doc") -> Passage:
    return Passage(
        id=f"{document}:{n}",
        document_id=document,
        title="Leaflet",
        section_path=("Leaflet", section),
        text=text,
        start=0,
        end=len(text),
        source=f"{document}.md",
    )


@pytest.fixture
def small_index(corpus_dir: Path) -> PassageIndex:
    return PassageIndex(split_all(load_corpus(corpus_dir).documents), analyzer=Analyzer.default())


def test_no_passages_is_an_error() -> None:
    with pytest.raises(IndexBuildError, match="no passages"):
        PassageIndex([], analyzer=Analyzer.default())


def test_scores_equal_rank_bm25_over_the_bundled_passages(bot: Bot) -> None:
    index = bot.index
    terms = [index.analyzer.terms(p.search_text) for p in index.passages]
    params = index.bm25.params
    reference = rank_bm25.BM25Plus(terms, k1=params.k1, b=params.b, delta=params.delta)
    for question in ("How long does Botox last?", "risks of MVD surgery", "hemifacial spasm causes", "xyz"):
        query = index.query(question)
        np.testing.assert_allclose(index.bm25.scores(query.terms), reference.get_scores(list(query.terms)), rtol=1e-12)


def test_headings_and_title_are_searched_with_the_text(small_index: PassageIndex) -> None:
    # "Surgery" is only the section heading of the second passage, never in its text
    hits = small_index.search(small_index.query("surgery"), top_k=3)
    assert hits[0].passage.section_path[-1] == "Surgery"
    assert "surgery" not in hits[0].passage.text.lower()


def test_hits_are_best_first_with_matched_terms_from_the_query(small_index: PassageIndex) -> None:
    query = small_index.query("How long do botulinum toxin injections last?")
    hits = small_index.search(query, top_k=3)
    assert hits[0].passage.section_path[-1] == "Botox"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        assert hit.matched_terms
        assert set(hit.matched_terms) <= set(query.terms)
        assert set(hit.matched_terms) <= small_index.terms_of(hit.passage)
        assert hit.score > hit.matched > 0


@pytest.mark.parametrize("question", ["", "the of and", "quantum xylophone", "???"])
def test_stopword_only_or_unknown_word_queries_find_nothing(small_index: PassageIndex, question: str) -> None:
    assert small_index.search(small_index.query(question), top_k=3) == []


def test_top_k_above_the_corpus_size_is_fine(small_index: PassageIndex) -> None:
    hits = small_index.search(small_index.query("botox surgery artery nerve"), top_k=1000)
    assert 1 <= len(hits) <= len(small_index) == 2
    assert len({h.passage.id for h in hits}) == len(hits)


def test_ties_are_broken_in_corpus_order_every_time() -> None:
    passages = [passage(n, "Botox injections relax the muscle.", document=f"doc{n % 3}") for n in range(7)]
    index = PassageIndex(passages, analyzer=Analyzer.default())
    query = index.query("botox")
    first = [h.passage.id for h in index.search(query, top_k=5)]
    assert first == [p.id for p in passages[:5]]
    for _ in range(3):
        assert [h.passage.id for h in index.search(query, top_k=5)] == first


def test_passage_lookup_by_id(small_index: PassageIndex) -> None:
    first = small_index.passages[0]
    assert small_index.passage(first.id) is first
    assert small_index.passage("no-such-id") is None


def test_without_spelling_correction_a_misspelling_finds_nothing(small_index: PassageIndex) -> None:
    assert small_index.search(small_index.query("botx", correct_spelling=False), top_k=3) == []
    corrected = small_index.query("injectoins")
    assert corrected.corrections and small_index.search(corrected, top_k=3)


def test_bm25_parameters_come_from_settings(corpus_dir: Path) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir, bm25_k1=2.0, bm25_b=0.3, bm25_delta=0.5))
    assert (bot.index.bm25.params.k1, bot.index.bm25.params.b, bot.index.bm25.params.delta) == (2.0, 0.3, 0.5)


def test_a_large_corpus_analysed_in_parallel_gets_the_same_terms(bot: Bot) -> None:
    """`chatbot eval --run` and the other commands analyse a large corpus in forked
    processes; the encoded terms must be those of the one-process build, term ids included,
    and so must the index built from them."""
    from chatbot.retrieval.bm25 import BM25Index, EncodedTerms
    from chatbot.retrieval.index import encode_passages

    texts = [p.search_text for p in bot.index.passages] * 3
    analyzer = bot.index.analyzer
    reference = EncodedTerms.of([analyzer.terms(text) for text in texts])
    for workers in (1, 2, 3):
        encoded = encode_passages(analyzer, texts, workers=workers, min_parallel=2)
        assert encoded.vocabulary == reference.vocabulary
        np.testing.assert_array_equal(encoded.lengths, reference.lengths)
        np.testing.assert_array_equal(encoded.flat, reference.flat)
    built, direct = BM25Index(encode_passages(analyzer, texts, workers=2, min_parallel=2)), BM25Index(
        [analyzer.terms(text) for text in texts]
    )
    query = bot.index.query("how long does botox last").terms
    np.testing.assert_array_equal(built.scores(query), direct.scores(query))
