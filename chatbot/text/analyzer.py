"""Text analysis shared by passages and queries, so the two cannot drift.

normalise (unicode, dashes, quotes, "per cent") -> tokenise (words, numbers, ranges,
percentages) -> stopwords -> Snowball stems -> concept tokens from the synonyms file.
Only the parts of nltk that need no downloaded data are used (the Snowball stemmer
and ``edit_distance``); the stopword list ships in ``chatbot/data``.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import compress

from chatbot.text.lexicon import Synonyms, _word_list, load_general_words, load_stopwords
from chatbot.text.normalise import _FILLERS, _TOKEN, _TOKEN_ASCII, normalise
from chatbot.text.spelling import Vocabulary, _one_letter_from, sounds_like
from chatbot.text.stem import stem, stem_all
from chatbot.text.wordnet import WordNetTable

__all__ = ["Analyzer", "Correction", "Query", "QueryWord"]

CONCEPT_PREFIX = "="
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MAX_QUERY_CHARS = 20_000
_PLAIN_TYPO_MIN_LETTERS = 6  # shortest misspelt stopword or general word that is corrected
_SYNONYM_TYPO_MIN_LETTERS = 7  # shortest misspelt synonym word (not in the documents) that is corrected
_ENGLISH_TYPO_MAX_LETTERS = 30  # WordNet's longest single words are shorter; a longer token is no typo of one
_ENGLISH_TYPO_MIN_LETTERS = 5  # shortest misspelt English word (a WordNet lemma one edit away) that is corrected
DURATION_CONCEPT = "duration"
PERCENT_CONCEPT = "percent"
_TIME_UNITS = frozenset(
    {"second", "minut", "hour", "day", "night", "week", "month", "year"}
    # as typed in notes and chats ("3 mths", "2 wks"): Snowball leaves abbreviations alone
    | {"sec", "secs", "min", "mins", "hr", "hrs", "wk", "wks", "mth", "mths", "yr", "yrs"}
)
# Words that make a following unit of time a duration like a number does ("two weeks",
# "a few days", "within weeks"), as Snowball stems.
_COUNT_WORDS = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}  # ten and up: see _NUMBER_WORDS
    | {"few", "sever", "coupl", "within"}
)
# Numbers from ten up written as words ("is it like ninety percent"), read as digits so
# that they meet the documents' figures ("90%"). One to nine stay words: "one" is too often
# not a number ("which one"), and they count as count words for durations anyway.
_NUMBER_WORDS = dict(
    zip(
        [
            *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
            *("nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred"),
        ],
        map(str, [*range(10, 20), *range(20, 100, 10), 100]),
        strict=True,
    )
)


def _is_number(token: str) -> bool:
    return token[:1].isdigit() or token[:1] in "<>"


def number_forms(token: str) -> list[str]:
    """'>90%' -> ['>90%', '90%', '90']; '3-6' -> ['3-6', '3', '6']."""
    forms = [token]
    percent = token.endswith("%")
    for number in _NUMBER.findall(token):
        if percent and number + "%" not in forms:
            forms.append(number + "%")
        if number not in forms:
            forms.append(number)
    return forms


@dataclass(frozen=True, slots=True)
class Correction:
    """A query word replaced by the closest corpus word."""

    original: str
    corrected: str

    def to_dict(self) -> dict[str, str]:
        return {"from": self.original, "to": self.corrected}


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A content word of a query and the index terms that stand for it."""

    surface: str
    terms: tuple[str, ...]
    general: bool = False  # a general English word: its absence from the corpus is no evidence
    # Terms (among ``terms``) that only WordNet relates to the word (treat -> treatment): searched
    # at a lower weight than the word's own (see chatbot.retrieval.rerank.search_terms).
    expansions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """An analysed question: index terms, content words, spelling corrections."""

    text: str
    terms: tuple[str, ...]
    words: tuple[QueryWord, ...]
    corrections: tuple[Correction, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms


class Analyzer:
    """Turns passages and questions into BM25 terms the same way."""

    def __init__(self, *, stopwords: frozenset[str], synonyms: Synonyms, general: frozenset[str] | None = None) -> None:
        self.stopwords = stopwords
        self.synonyms = synonyms
        self._packaged_general = general is None
        self.general = load_general_words() if general is None else general

    @classmethod
    def default(cls, synonyms: Synonyms | None = None) -> Analyzer:
        return cls(stopwords=load_stopwords(), synonyms=synonyms or Synonyms.empty())

    @cached_property
    def _plain_words(self) -> Vocabulary:
        """The stopwords and general words (as written) as a vocabulary, for misspellings of them."""
        general = _word_list("general_words.txt", None) if self._packaged_general else frozenset()
        # Counted by length, so that of two words one letter away the longer wins: a
        # dropped letter is the commonest typo ("actualy" is "actually", not "actual").
        return Vocabulary({word: len(word) for word in self.stopwords | general})

    def _plain_word(self, token: str) -> str | None:
        """The stopword or general word ``token`` misspells by one letter, or None.

        Only words of six letters or more, or five when a letter was left out ("befor"),
        and never by dropping one of the typed letters ("flying" is not a misspelt
        "lying"): a question's topic word must not turn into a word that does not count.
        """
        if len(token) < _PLAIN_TYPO_MIN_LETTERS - 1:
            return None
        found = _one_letter_from(self._plain_words, token)
        if found is None or len(found) < len(token):
            return None
        if len(token) < _PLAIN_TYPO_MIN_LETTERS and len(found) != len(token) + 1:
            return None
        return found

    @cached_property
    def _synonym_words(self) -> Vocabulary:
        """The single words of the synonym wordings, for misspellings of words the documents lack."""
        words = {token for wordings in self.synonyms.concepts.values() for wording in wordings
                 for token in self.tokens(wording) if token.isalpha()}  # fmt: skip
        return Vocabulary(dict.fromkeys(words, 1))

    def _synonym_word(self, token: str) -> str | None:
        """The synonym word ``token`` misspells by a left-out letter or two swapped ones.

        Only words of seven letters or more, and never by changing a letter: real words
        the documents lack are often one changed letter from a synonym ("caller" /
        "calmer", "shaving" / "shaking"), while "dangrous" and "opration" left one out.
        """
        if len(token) < _SYNONYM_TYPO_MIN_LETTERS:
            return None
        found = _one_letter_from(self._synonym_words, token)
        if found is None and token.endswith("s"):  # a plural of a listed word ("tabelts": "tablet" + s)
            singular = _one_letter_from(self._synonym_words, token[:-1])
            found = singular + "s" if singular else None
        if found is None or (len(found) != len(token) + 1 and sorted(found) != sorted(token)):
            return None
        return found

    def tokens(self, text: str) -> list[str]:
        """Normalised surface tokens, stopwords included ("'s" dropped, "ninety" read as "90")."""
        text = normalise(text)
        found = (_TOKEN_ASCII if text.isascii() else _TOKEN).findall(text)
        if "'s" in text:
            found = [token[:-2] if token.endswith("'s") else token for token in found]
        if not _NUMBER_WORDS.keys().isdisjoint(found):
            found = [_NUMBER_WORDS.get(token, token) for token in found]
        return found

    def _concepts(self, stems: list[str]) -> list[tuple[int, int, str]]:
        """(start, end, concept) for the synonym phrases found in a stem sequence.

        The longest wording wins: a phrase inside a longer phrase of another concept
        does not count ("put to sleep" is anaesthesia, not sleep; "back to work" is
        recovery, not work). Phrases of the same span (a word in two concepts, such
        as "MRI" for both MRI and scan) all count. A number followed by a unit of time
        ("3-6 months", "2 weeks") is a duration; a percentage (">90%") is a percent.
        """
        found: list[tuple[int, int, str]] = []
        phrases = self.synonyms.phrases
        # Phrases are matched with articles and possessives left out (see _FILLERS);
        # ``where`` maps a position in the shortened sequence back to the original.
        if _FILLERS.isdisjoint(stems):
            where: list[int] | range = range(len(stems))
            kept = stems
        else:
            keep = list(map(operator.not_, map(_FILLERS.__contains__, stems)))
            where = list(compress(range(len(stems)), keep))
            kept = list(compress(stems, keep))
        # Visit only where a phrase can start, and the stems that are not plain words
        # (numbers are their own stem); compress/map keep the scan over every stem in C.
        for i in compress(range(len(kept)), map(phrases.get, kept)):
            for phrase, concept in phrases[kept[i]]:
                end = i + len(phrase)
                if tuple(kept[i:end]) == phrase:
                    found.append((where[i], where[end - 1] + 1, concept))
        for i in compress(range(len(stems)), map(operator.not_, map(str.isalpha, stems))):
            if stems[i].endswith("%"):
                found.append((i, i + 1, PERCENT_CONCEPT))
        # A unit of time after a number or a count word ("3-6 months", "two weeks",
        # "a couple of days", "within weeks") is a duration.
        for j in compress(range(len(stems)), map(_TIME_UNITS.__contains__, stems)):
            k = j - 1
            while k >= 0 and stems[k] in _FILLERS:
                k -= 1
            if k >= 0 and (stems[k][:1].isdigit() or stems[k] in _COUNT_WORDS):
                found.append((k, j + 1, DURATION_CONCEPT))
        ordered = sorted(set(found), key=lambda m: (m[0], m[0] - m[1], m[2]))
        # Only a longer match can contain another (indexing speed: most matches are one word).
        longer: dict[int, list[int]] = {}  # start -> ends of multi-word matches
        for s, e, _c in ordered:
            if e - s > 1:
                longer.setdefault(s, []).append(e)
        if not longer:
            return ordered
        reach = max(e - s for s, ends in longer.items() for e in ends)
        return [
            (start, end, concept)
            for start, end, concept in ordered
            if not any(
                end <= e and e - s > end - start
                for s in range(max(0, end - reach), start + 1)
                for e in longer.get(s, ())
            )
        ]

    def _analyse(self, tokens: list[str], *, query: bool = False) -> tuple[list[str], list[QueryWord]]:
        """Index terms and content words of a token sequence.

        A passage is indexed under its content stems, number forms and every concept
        it mentions. A question is searched by meaning: a word or phrase that belongs
        to a concept is searched as that concept only, so either wording finds the
        same passages ("put to sleep" is anaesthesia, not sleep); other words by their
        stem; numbers always by their number forms. (The document's exact wording
        still ranks a little higher: see :func:`chatbot.retrieval.rerank.rerank`.)
        """
        stems = stem_all(tokens)
        content = [token not in self.stopwords for token in tokens]
        # A phrase of two or more words is specific enough even when every word is a stopword ("done again").
        concepts = [m for m in self._concepts(stems) if m[1] - m[0] > 1 or content[m[0]]]
        if not query:
            # Kept words are their stems; numbers (their own stem) expand to their forms. The
            # runs of plain words between numbers are copied with compress, in C.
            terms: list[str] = []
            previous = 0
            for i in compress(range(len(stems)), map(operator.not_, map(str.isalpha, stems))):
                terms.extend(compress(stems[previous:i], content[previous:i]))
                if content[i]:
                    terms.extend(number_forms(tokens[i]) if _is_number(tokens[i]) else [stems[i]])
                previous = i + 1
            terms.extend(compress(stems[previous:], content[previous:]))
            terms.extend(CONCEPT_PREFIX + concept for _s, _e, concept in concepts)
            return terms, []
        spans: dict[tuple[int, int], list[str]] = {}
        for start, end, concept in concepts:
            spans.setdefault((start, end), []).append(CONCEPT_PREFIX + concept)
        covered = {i for start, end in spans for i in range(start, end)}
        units: list[tuple[int, QueryWord]] = []
        for (start, end), names in spans.items():
            numbers = [form for i in range(start, end) if _is_number(tokens[i]) for form in number_forms(tokens[i])]
            surface = " ".join(tokens[start:end])
            units.append((start, QueryWord(surface=surface, terms=tuple(dict.fromkeys([*numbers, *names])))))
        for i, token in enumerate(tokens):
            if content[i] and i not in covered:
                word_terms = number_forms(token) if _is_number(token) else [stems[i]]
                units.append((i, QueryWord(surface=token, terms=tuple(word_terms), general=stems[i] in self.general)))
        units.sort(key=lambda unit: unit[0])
        words = [word for _i, word in units]
        return [term for word in words for term in word.terms], words

    def terms(self, text: str) -> list[str]:
        """Index terms of a passage: content stems, number forms and concept tokens."""
        return self._analyse(self.tokens(text))[0]

    def query(
        self, text: str, vocabulary: Vocabulary | None = None, *, known_terms: frozenset[str] = frozenset()
    ) -> Query:
        """Analyse a question; misspelt words unknown to the corpus are corrected."""
        tokens = self.tokens(text[:MAX_QUERY_CHARS])
        corrections: list[Correction] = []
        if vocabulary is not None:
            counts, phrases = vocabulary.counts, self.synonyms.phrases
            for i, token in enumerate(tokens):
                if token in self.stopwords or token in counts:
                    continue
                stemmed = stem(token)
                if stemmed in known_terms or phrases.get(stemmed) or stemmed in self.general:
                    continue
                english = token in _wordnet()  # an English word is no misspelling of another word
                fixed = vocabulary.closest(token)
                if fixed and fixed != token and (not english or _same_word_form(token, fixed)):
                    corrections.append(Correction(original=token, corrected=fixed))
                    tokens[i] = fixed
                    continue
                derived = vocabulary.derived(token)
                if derived:  # another form of the same word, not a misspelling: not reported
                    tokens[i] = derived
                    continue
                plain = self._plain_word(token)
                if plain:  # a misspelt "actually" or "definitely": how it is asked, not reported
                    tokens[i] = plain
                    continue
                wording = self._synonym_word(token)
                if wording:  # a misspelt synonym ("dangrous", "opration"): reported like any correction
                    corrections.append(Correction(original=token, corrected=wording))
                    tokens[i] = wording
                    continue
                if english:  # an English word the corpus lacks is not a misspelling
                    continue
                fixed = sounds_like(vocabulary, token) or _english_word(token, known_terms)
                if fixed:  # spelt by ear ("botoks"), or a misspelt English word ("painfull")
                    corrections.append(Correction(original=token, corrected=fixed))
                    tokens[i] = fixed
        terms, words = self._analyse(tokens, query=True)
        if known_terms and vocabulary is not None:  # a visitor's question (batch ranking is left as it is)
            words = self._expand(words, known_terms)
            terms = [term for word in words for term in word.terms]
        return Query(text=text, terms=tuple(terms), words=tuple(words), corrections=tuple(corrections))

    def _expand(self, words: list[QueryWord], known_terms: frozenset[str]) -> list[QueryWord]:
        """Each plain word with the corpus terms of its WordNet derivations and inflection bases.

        "How do they treat it?" also finds "treatment", "paralysed" finds "paralysis":
        general English knowledge from WordNet 3.0 (chatbot/data/wordnet.tsv.gz), never a word
        list of ours. Only terms the corpus has are added, as :attr:`QueryWord.expansions`,
        searched at a lower weight than the question's own words. A word in a synonym
        concept is left alone (the clinic's file already says what it means).
        """
        expanded: list[QueryWord] = []
        for word in words:
            if len(word.terms) != 1 or not word.surface.isalpha() or word.terms[0].startswith(CONCEPT_PREFIX):
                expanded.append(word)
                continue
            extra = tuple(
                term for term in _related_stems(word.surface) if term in known_terms and term != word.terms[0]
            )
            if extra:
                word = QueryWord(word.surface, (*word.terms, *extra), word.general, extra)
            expanded.append(word)
        return expanded


def _wordnet() -> WordNetTable:
    return WordNetTable.default()


def _same_word_form(token: str, fixed: str) -> bool:
    """Whether the corpus word ``fixed`` is another form of the English word ``token``.

    A word English has (WordNet's lemma or an inflection of one) is no misspelling, however
    close a corpus word is: "cancel" is not "cancer", "shoulder" not "should", "black" not
    "back". It is only taken for another form of the same word that WordNet links to it
    (safer -> safe, fully -> full) or a synonym in a common sense of both.
    """
    table = _wordnet()
    return fixed in table.derivations(token) or fixed in table.synonyms(token) or stem(fixed) == stem(token)


def _english_word(token: str, known_terms: frozenset[str]) -> str | None:
    """The English word (a WordNet lemma one edit away) that ``token`` misspells, when the corpus has
    it or one of its forms ("painfull" -> "painful", which the corpus has as "pain"), else None."""
    if not _ENGLISH_TYPO_MIN_LETTERS <= len(token) <= _ENGLISH_TYPO_MAX_LETTERS or not token.isalpha():
        return None
    for word in _wordnet().one_edit_lemmas(token):
        if stem(word) in known_terms or not known_terms.isdisjoint(_related_stems(word)):
            return word
    return None


@lru_cache(maxsize=8192)
def _related_stems(word: str) -> tuple[str, ...]:
    """Stems of a word's WordNet derivations and inflection bases that share its start (bounded cache).

    Only forms of the same word: WordNet's derivation links also join words that merely share a
    sense ("genetic" -> "origin"), which would make a word the corpus lacks look known. A form
    counts when it begins with the same letters as the word, for at least four letters and half
    the shorter of the two (treat/treatment, paralysed/paralysis, worsen/worse, swollen/swelling).
    """
    word = word.lower()
    return tuple(
        dict.fromkeys(stem(form) for form in WordNetTable.default().derivations(word) if _same_word(word, form))
    )


def _same_word(word: str, form: str) -> bool:
    shared = 0
    for a, b in zip(word, form, strict=False):
        if a != b:
            break
        shared += 1
    return shared >= max(4, min(len(word), len(form)) // 2)


def vocabulary_of(analyzer: Analyzer, texts: Iterable[str]) -> Vocabulary:
    """Count the alphabetic surface words of ``texts``.

    (The synonym wordings were tried as correction targets too, and dropped: real words
    the corpus lacks were "corrected" into them, "caller" into "calmer", "shave" into
    "shake".)
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(token for token in analyzer.tokens(text) if token.isalpha())
    return Vocabulary(counts)
