"""Text analysis shared by passages and queries, so the two cannot drift.

normalise (unicode, dashes, quotes, "per cent") -> tokenise (words, numbers, ranges,
percentages) -> stopwords -> Snowball stems -> concept tokens from the synonyms file.
Only the parts of nltk that need no downloaded data are used (the Snowball stemmer
and ``edit_distance``); the stopword list ships in ``chatbot/data``.
"""

from __future__ import annotations

import bisect
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from itertools import compress, repeat
from pathlib import Path
from typing import Any

import yaml
from nltk.metrics.distance import edit_distance
from nltk.stem.snowball import SnowballStemmer

from chatbot.errors import CorpusError

__all__ = [
    "Analyzer",
    "Correction",
    "Query",
    "QueryWord",
    "Synonyms",
    "Vocabulary",
    "load_general_words",
    "load_stopwords",
    "load_synonyms",
    "normalise",
]

CONCEPT_PREFIX = "="
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u00b4`"), "'") | dict.fromkeys(
    map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"'
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u00ad"))
_PERCENT_WORDS = re.compile(r"(\d)\s*(?:per\s?cent|percent|pct)\b")
_COMPARATORS = re.compile(
    r"(?:more than|over|above|greater than)\s+(?=\d)|(?:less than|under|below|fewer than)\s+(?=\d)"
)
# Numbers (with an optional comparator, range and percent sign) or words; no nested
# quantifiers, so matching is linear in the input length.
_TOKEN = re.compile(r"[<>]?\d{1,12}(?:[.,]\d{1,6})?(?:-\d{1,12}(?:[.,]\d{1,6})?)?%?|[^\W\d_]{1,60}(?:'[^\W\d_]{1,20})?")
# The same tokens for lowercase ASCII text (letters are then a-z), about 40% faster to scan.
_TOKEN_ASCII = re.compile(
    r"[a-z]{1,60}(?:'[a-z]{1,20})?|[<>]?[0-9]{1,12}(?:[.,][0-9]{1,6})?(?:-[0-9]{1,12}(?:[.,][0-9]{1,6})?)?%?"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MAX_QUERY_CHARS = 20_000
_PLAIN_TYPO_MIN_LETTERS = 6  # shortest misspelt stopword or general word that is corrected
_SYNONYM_TYPO_MIN_LETTERS = 7  # shortest misspelt synonym word (not in the documents) that is corrected
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
# Articles and possessives, skipped inside synonym phrases on both sides, so "hole in
# the head", "hole in head" and "back to my job" match "hole in the head" and "back to job".
_FILLERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "their", "our", "its", "of"})


def _is_number(token: str) -> bool:
    return token[:1].isdigit() or token[:1] in "<>"


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
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations)$"), r"iz\1"),  # stabilise, personalised
    (re.compile(r"(?<=[a-z])ys(e|es|ed|ing)$"), r"yz\1"),  # paralyse, analyse
    (re.compile(r"(?<=[^aeiou])tre(s)?$"), r"ter\1"),  # centre, litre, theatre
)


#: The letters each rule above needs, tested before running its pattern (indexing speed).
_SPELLING_NEEDS = ("ae", "oe", "our", "is", "ys", "tre")


def american(word: str) -> str:
    """One lowercase word with British spellings folded to American ones."""
    for (pattern, replacement), needed in zip(_SPELLING, _SPELLING_NEEDS, strict=True):
        if needed in word:
            word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of one lowercase word, British spelling folded (cached: stemming dominates indexing)."""
    if not word[:1].isalpha():
        return word
    return str(_stemmer.stem(american(word)))


_HAS_DIGIT = re.compile(r"\d")


_STEMS: dict[str, str] = {}


def stem_all(tokens: list[str]) -> list[str]:
    """:func:`stem` of every token, through a plain dict (indexing looks up millions of tokens)."""
    stems = list(map(_STEMS.get, tokens))
    if None in stems:
        if len(_STEMS) > 500_000:
            _STEMS.clear()
        # Visit only the new tokens (most texts have a few among a hundred known ones).
        for i in compress(range(len(stems)), map(operator.is_, stems, repeat(None))):
            stems[i] = _STEMS[tokens[i]] = stem(tokens[i])
    return stems  # type: ignore[return-value]  # no None is left


def normalise(text: str) -> str:
    """Unicode-normalised, lowercase text with dashes, quotes, accents and invisible characters folded."""
    if text.isascii():  # NFKC and the folding tables change nothing in ASCII but the backquote
        text = text.replace("`", "'").lower()
    else:
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DASHES).translate(_QUOTES)
        text = text.lower()
        if not text.isascii():
            # Accents and other combining marks folded away ("café" -> "cafe"); lowercasing
            # can also create them ("İ" -> "i" + dot above), which would split a word.
            decomposed = unicodedata.normalize("NFKD", text)
            text = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))
    if not _HAS_DIGIT.search(text):  # both rewrites below need a digit
        return text
    text = _PERCENT_WORDS.sub(r"\1%", text)

    def comparator(match: re.Match[str]) -> str:
        return ">" if match.group(0).startswith(("more", "over", "above", "greater")) else "<"

    return _COMPARATORS.sub(comparator, text)


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


def _word_list(name: str, path: Path | None) -> frozenset[str]:
    if path is None:
        text = resources.files("chatbot").joinpath(f"data/{name}").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(word for word in words if word)


def load_stopwords(path: Path | None = None) -> frozenset[str]:
    """The packaged stopword list (or another file in the same format)."""
    return _word_list("stopwords.txt", path)


def load_general_words(path: Path | None = None) -> frozenset[str]:
    """Stems of the packaged list of general English words (see ``data/general_words.txt``)."""
    return frozenset(stem(word) for word in _word_list("general_words.txt", path))


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Concept -> phrases, compiled to stem sequences for matching."""

    concepts: Mapping[str, tuple[str, ...]]
    phrases: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]]  # first stem -> ((stems, concept), ...)
    source: str = ""

    @classmethod
    def from_mapping(cls, concepts: Mapping[str, Iterable[str]], *, source: str = "") -> Synonyms:
        table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        clean: dict[str, tuple[str, ...]] = {}
        for concept, variants in concepts.items():
            clean[concept] = tuple(variants)
            for variant in (concept, *variants):
                stems = tuple(stem(token) for token in _TOKEN.findall(normalise(variant)))
                if len(stems) > 1 and any(s not in _FILLERS for s in stems):
                    stems = tuple(s for s in stems if s not in _FILLERS)
                if stems:
                    table.setdefault(stems[0], []).append((stems, concept))
        phrases = {
            first: tuple(sorted(set(entries), key=lambda entry: (-len(entry[0]), entry)))
            for first, entries in table.items()
        }
        return cls(concepts=clean, phrases=phrases, source=source)

    @classmethod
    def empty(cls) -> Synonyms:
        return cls(concepts={}, phrases={})


def load_synonyms(path: Path) -> Synonyms:
    """Read a synonyms YAML file (``concepts: {name: [phrase, ...]}``); errors name file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(path, f"cannot read the synonyms file: {exc}") from None
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CorpusError(
            path, f"broken synonyms file: {getattr(exc, 'problem', None) or exc}", line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
        raise CorpusError(path, "the synonyms file must have a 'concepts:' mapping of name: [phrases]", line=1)
    concepts: dict[str, list[str]] = {}
    for name, variants in data["concepts"].items():
        line = next((i + 1 for i, row in enumerate(text.splitlines()) if row.strip().startswith(f"{name}:")), None)
        if not isinstance(variants, list) or not all(isinstance(v, (str, int)) for v in variants):
            raise CorpusError(path, f"concept {name!r} must be a list of words or phrases", line=line)
        concepts[str(name)] = [str(v) for v in variants]
    return Synonyms.from_mapping(concepts, source=str(path))


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


_VOWELS = frozenset("aeiouy")
_LOOKUP_CACHE = 4096  # words whose spelling lookups a Vocabulary keeps


def _typo_like(word: str, candidate: str) -> bool:
    """Whether two edits look like a misspelling rather than another word.

    Two changed letters in a word of the same length are only a misspelling when
    they are vowels ("carbamezapine"); "invented" is not a misspelling of
    "inserted". Edits that drop or add a letter ("decompresion") are accepted.
    """
    if len(word) != len(candidate):
        return True
    changed = [(a, b) for a, b in zip(word, candidate, strict=True) if a != b]
    return all(a in _VOWELS and b in _VOWELS for a, b in changed)


class Vocabulary:
    """Surface words of the corpus with counts; finds the closest word to a misspelling."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        self._deletes: dict[str, list[str]] | None = None
        self._longest = max(map(len, self.counts), default=0)
        self._sorted: list[str] | None = None
        # Answers for words already looked up (a word's answer never changes), bounded.
        self._closest: dict[str, str | None] = {}
        self._derived: dict[str, str | None] = {}

    def __contains__(self, word: object) -> bool:
        return word in self.counts

    def __len__(self) -> int:
        return len(self.counts)

    @staticmethod
    def _delete_forms(word: str, depth: int) -> set[str]:
        forms = {word}
        frontier = {word}
        for _ in range(depth):
            frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
            forms |= frontier
        return forms

    def _index(self) -> dict[str, list[str]]:
        if self._deletes is None:
            deletes: dict[str, list[str]] = {}
            for word in sorted(self.counts):
                if not word.isalpha() or len(word) < 4:
                    continue
                for form in self._delete_forms(word, 2 if len(word) >= 7 else 1):
                    deletes.setdefault(form, []).append(word)
            self._deletes = deletes
        return self._deletes

    def derived(self, word: str) -> str | None:
        """The most frequent corpus word made from ``word`` by a derivational suffix, or None.

        The stemmer leaves derivations apart ("leak"/"leakage", "paralyse"/"paralysis");
        a question word the corpus lacks is searched as such a derivation when the
        corpus has one.
        """
        if len(word) < 4 or not word.isalpha():
            return None
        if word in self._derived:
            return self._derived[word]
        found = self._derived_uncached(word)
        if len(self._derived) >= _LOOKUP_CACHE:
            self._derived.clear()
        self._derived[word] = found
        return found

    def _derived_uncached(self, word: str) -> str | None:
        if self._sorted is None:
            self._sorted = sorted(self.counts)
        best: tuple[int, str] | None = None
        for base in dict.fromkeys((word, word[:-1] if word.endswith(("e", "y")) else word)):
            position = bisect.bisect_left(self._sorted, base)
            while position < len(self._sorted) and self._sorted[position].startswith(base):
                candidate = self._sorted[position]
                if candidate[len(base) :] in _DERIVATIONS:
                    key = (-self.counts[candidate], candidate)
                    if best is None or key < (-best[0], best[1]):
                        best = (self.counts[candidate], candidate)
                position += 1
        return best[1] if best else None

    def closest(self, word: str) -> str | None:
        """The corpus word nearest ``word`` within 1 edit (2 for 8+ letters), or None.

        Two edits are accepted only when they look like a misspelling (see
        :func:`_typo_like`). A four-letter word is only completed with one missing letter ("botx" ->
        "botox"): a changed letter in so short a word too often makes another real
        word ("cost" -> "most").
        """
        if len(word) < 4 or not word.isalpha():
            return None
        if word in self._closest:
            return self._closest[word]
        found = self._closest_uncached(word)
        if len(self._closest) >= _LOOKUP_CACHE:
            self._closest.clear()
        self._closest[word] = found
        return found

    def _closest_uncached(self, word: str) -> str | None:
        limit = 2 if len(word) >= 8 else 1
        if len(word) - limit > self._longest:  # no corpus word is that close (ReDoS test: 60-letter words)
            return None
        index = self._index()
        candidates: set[str] = set()
        for form in self._delete_forms(word, limit):
            candidates.update(index.get(form, ()))
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            if candidate[0] != word[0]:
                # Typing rarely gets the first letter wrong, and a real word the corpus lacks
                # often is one letter from a corpus word at its start ("round" -> "around").
                continue
            distance = edit_distance(word, candidate, transpositions=True)
            if distance > limit or (len(word) == 4 and len(candidate) != 5):
                continue
            if distance == 2 and not _typo_like(word, candidate):
                continue
            key = (distance, -self.counts[candidate], candidate)
            if best is None or key < best:
                best = key
        return best[2] if best else None


def _one_letter_from(words: Vocabulary, token: str) -> str | None:
    """The word of ``words`` nearest ``token`` when it is exactly one edit away, else None."""
    found = words.closest(token)
    return found if found is not None and edit_distance(token, found, transpositions=True) == 1 else None


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
        still ranks a little higher: see :func:`chatbot.dialogue.reply.rerank`.)
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
                fixed = vocabulary.closest(token)
                if fixed and fixed != token:
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
        terms, words = self._analyse(tokens, query=True)
        return Query(text=text, terms=tuple(terms), words=tuple(words), corrections=tuple(corrections))


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
