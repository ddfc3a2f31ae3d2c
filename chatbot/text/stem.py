"""Stems: British spellings folded to American ones, then the Snowball stemmer (cached)."""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import compress, repeat

from nltk.stem.snowball import SnowballStemmer

__all__ = ["INDEXING_STEMS_WORDS", "STEMS_DICT_WORDS", "STEM_CACHE_WORDS", "american", "indexing", "stem", "stem_all"]


_stemmer = SnowballStemmer("english")
# Derivational suffixes the Snowball stemmer does not remove or that change a stem.
_DERIVATIONS = frozenset(
    {"age", "ness", "ity", "ation", "ion", "ment", "al", "ic", "ous", "ive", "ure", "ance", "ence", "is", "ical"}
    | {"ly", "ily"}  # adverbs: "temporary" is searched as the documents' "temporarily"
)


# British -> American spelling, applied before stemming to passages and questions alike,
# so "anaesthetic"/"anesthetic", "tumour"/"tumor", "paralyse"/"paralyze" meet. Rules, not
# a word list: a rule that also rewrites an unrelated word is harmless as long as it
# does not make two different words equal, because both sides go through it.
_SPELLING = (
    (re.compile(r"(?<=[^aeiou])ae(?=[^aeiou])"), "e"),  # anaesthesia, haemorrhage, paediatric
    (re.compile(r"^oe(?=[dsn])"), "e"),  # oedema, oesophagus, oestrogen
    (re.compile(r"(?<=[a-z]{3})our(s|ed|ing|ous)?$"), r"or\1"),  # tumour, behaviour, colour
    # travelled, cancelled, counselling, tranquilliser: an "l" doubled after the vowel of a later
    # syllable ("filling", "telling" and "swelling" have one syllable before the "ll" and keep it)
    (re.compile(r"^([^aeiouy]*[aeiouy]+[^aeiouy]+[aeiouy]*[aei])ll(?=ing|ed|er|ers|is|iz|ous|ery)"), r"\1l"),
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|er|ers|ation|ations)$"), r"iz\1"),  # stabilise, tranquilliser
    (re.compile(r"(?<=[a-z])ys(e|es|ed|ing)$"), r"yz\1"),  # paralyse, analyse
    (re.compile(r"(?<=[^aeiou])tre(s)?$"), r"ter\1"),  # centre, litre, theatre
)


#: The letters each rule above needs, tested before running its pattern (indexing speed).
_SPELLING_NEEDS = ("ae", "oe", "our", "ll", "is", "ys", "tre")


def american(word: str) -> str:
    """One lowercase word with British spellings folded to American ones."""
    for (pattern, replacement), needed in zip(_SPELLING, _SPELLING_NEEDS, strict=True):
        if needed in word:
            word = pattern.sub(replacement, word)
    return word


#: Bounds of the two stem caches, in words. Every unseen word a visitor sends lands in
#: them, so they are kept to a few megabytes (about 300 bytes a word for both): 100,000
#: unique junk words once grew a worker by about 30 MB. A corpus with more distinct words
#: than this only re-stems some of them while indexing.
STEM_CACHE_WORDS = 4096
STEMS_DICT_WORDS = 8192
#: While a corpus is indexed (:func:`indexing`) the dict may hold this many words: a 20,000-row
#: FAQ has far more distinct words than the bound above, and re-stemming them made indexing slow.
INDEXING_STEMS_WORDS = 500_000
_limit = [STEMS_DICT_WORDS]


@contextmanager
def indexing() -> Iterator[None]:
    """Within: the stems dict may grow to :data:`INDEXING_STEMS_WORDS`; after: back within its bound."""
    _limit[0] = INDEXING_STEMS_WORDS
    try:
        yield
    finally:
        _limit[0] = STEMS_DICT_WORDS
        if len(_STEMS) > _limit[0]:
            _STEMS.clear()


@lru_cache(maxsize=STEM_CACHE_WORDS)
def stem(word: str) -> str:
    """Snowball stem of one lowercase word, British spelling folded (cached: stemming dominates indexing)."""
    if not word[:1].isalpha():
        return word
    return str(_stemmer.stem(american(word)))


_STEMS: dict[str, str] = {}


def stem_all(tokens: list[str]) -> list[str]:
    """:func:`stem` of every token, through a plain dict (indexing looks up millions of tokens)."""
    stems = list(map(_STEMS.get, tokens))
    if None in stems:
        if len(_STEMS) > _limit[0]:
            _STEMS.clear()
        # Visit only the new tokens (most texts have a few among a hundred known ones).
        for i in compress(range(len(stems)), map(operator.is_, stems, repeat(None))):
            stems[i] = _STEMS[tokens[i]] = stem(tokens[i])
    return stems  # type: ignore[return-value]  # no None is left
