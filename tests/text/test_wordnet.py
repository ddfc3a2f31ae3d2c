"""General English knowledge: the packaged WordNet table."""

from __future__ import annotations

import pytest

from chatbot.text.wordnet import WordNetTable, general_expansions


@pytest.fixture(scope="module")
def table() -> WordNetTable:
    return WordNetTable.default()


@pytest.mark.parametrize(
    ("word", "related"),
    [
        ("paralysed", "paralysis"),  # inflection (paralyse) then its derivation
        ("paralysis", "paralyse"),
        ("worsen", "worse"),
        ("worse", "worsen"),
        ("infected", "infection"),
        ("swollen", "swelling"),  # irregular participle: swell, then its derivation
        ("dizzy", "dizziness"),
        ("numbness", "numb"),
        ("breathless", "breathlessness"),
    ],
)
def test_derivations_link_forms_of_one_word(table: WordNetTable, word: str, related: str) -> None:
    assert related in table.derivations(word)


SYNONYMS = [
    ("pill", "tablet"),
    ("tablet", "pill"),
    ("physician", "doctor"),
    ("doctor", "physician"),
    ("physiotherapy", "physical therapy"),
]


@pytest.mark.parametrize(("word", "synonym"), SYNONYMS)
def test_synonyms_both_ways(table: WordNetTable, word: str, synonym: str) -> None:
    assert synonym in table.synonyms(word)


def test_a_rare_sense_brings_no_synonym(table: WordNetTable) -> None:
    # "doctor" is listed in WordNet's first sense of "repair" (to doctor = to mend), a sense of "doctor"
    # that WordNet's tagged texts almost never use: neither word expands to the other.
    assert "repair" not in general_expansions("doctor")
    assert "doctor" not in general_expansions("repair")


def test_an_adjective_lemma_does_not_take_the_synonyms_of_a_verb_it_looks_like(table: WordNetTable) -> None:
    assert "tire" in table.derivations("tired")
    assert "tyre" not in general_expansions("tired")


def test_regular_rules_stop_where_wordnet_lists_an_exception(table: WordNetTable) -> None:
    assert table.bases("paralysed") == ("paralyse",)
    assert "numb" not in table.bases("number")  # adj.exc blocks numb+er


@pytest.mark.parametrize("word", ["xqzv", "physio", "", "dvt"])
def test_unknown_words_expand_to_nothing(table: WordNetTable, word: str) -> None:
    assert word not in table
    assert table.derivations(word) == ()
    assert table.synonyms(word) == ()
    assert general_expansions(word) == ()


def test_known_words_and_inflections_are_in_the_table(table: WordNetTable) -> None:
    assert "knee" in table
    assert "knees" in table
    assert "swollen" in table


def test_expansions_combine_without_repeats_or_the_word_itself() -> None:
    expansions = general_expansions("Infected")
    assert "infection" in expansions
    assert "infected" not in expansions
    assert len(expansions) == len(set(expansions))
    assert set(general_expansions("pill")) >= {"tablet"}


def test_every_synonym_is_lowercase_words_and_every_derivation_one_word(table: WordNetTable) -> None:
    for word in ("doctor", "pill", "physiotherapy", "breathlessness", "surgery", "tell", "about"):
        for synonym in table.synonyms(word):
            assert synonym == synonym.lower() and all(part.isalpha() for part in synonym.split(" "))
        for form in table.derivations(word):
            assert form.isalpha() and form == form.lower()


def test_the_default_table_is_loaded_once_per_process() -> None:
    assert WordNetTable.default() is WordNetTable.default()
