"""Text analysis shared by passages and queries, so the two cannot drift.

normalise (unicode, dashes, quotes, "per cent") -> tokenise (words, numbers, ranges,
percentages) -> stopwords -> Snowball stems -> concept tokens from the synonyms file.
Only the parts of nltk that need no downloaded data are used (the Snowball stemmer
and ``edit_distance``); the stopword list ships in ``chatbot/data``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from nltk.metrics.distance import edit_distance
from nltk.stem.snowball import SnowballStemmer

from .errors import CorpusError

__all__ = [
    "Analyzer",
    "Correction",
    "Query",
    "QueryWord",
    "Synonyms",
    "Vocabulary",
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
_COMPARATORS = re.compile(r"(?:more than|over|above|greater than)\s+(?=\d)|(?:less than|under|below|fewer than)\s+(?=\d)")
# Numbers (with an optional comparator, range and percent sign) or words; no nested
# quantifiers, so matching is linear in the input length.
_TOKEN = re.compile(r"[<>]?\d{1,12}(?:[.,]\d{1,6})?(?:-\d{1,12}(?:[.,]\d{1,6})?)?%?|[^\W\d_]{1,60}(?:'[^\W\d_]{1,20})?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MAX_QUERY_CHARS = 20_000

_stemmer = SnowballStemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of one lowercase word (cached: stemming dominates indexing)."""
    if not word[:1].isalpha():
        return word
    return str(_stemmer.stem(word))


def normalise(text: str) -> str:
    """Unicode-normalised, lowercase text with dashes, quotes and invisible characters folded."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DASHES).translate(_QUOTES)
    text = text.lower()
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


def load_stopwords(path: Path | None = None) -> frozenset[str]:
    """The packaged stopword list (or another file in the same format)."""
    if path is None:
        text = resources.files("chatbot").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(word for word in words if word)


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


class Vocabulary:
    """Surface words of the corpus with counts; finds the closest word to a misspelling."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        self._deletes: dict[str, list[str]] | None = None

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

    def closest(self, word: str) -> str | None:
        """The corpus word nearest ``word`` within 1 edit (2 for 8+ letters), or None."""
        if len(word) < 5 or not word.isalpha():
            return None
        limit = 2 if len(word) >= 8 else 1
        index = self._index()
        candidates: set[str] = set()
        for form in self._delete_forms(word, limit):
            candidates.update(index.get(form, ()))
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            distance = edit_distance(word, candidate, transpositions=True)
            if distance > limit:
                continue
            key = (distance, -self.counts[candidate], candidate)
            if best is None or key < best:
                best = key
        return best[2] if best else None


class Analyzer:
    """Turns passages and questions into BM25 terms the same way."""

    def __init__(self, *, stopwords: frozenset[str], synonyms: Synonyms) -> None:
        self.stopwords = stopwords
        self.synonyms = synonyms

    @classmethod
    def default(cls, synonyms: Synonyms | None = None) -> Analyzer:
        return cls(stopwords=load_stopwords(), synonyms=synonyms or Synonyms.empty())

    def tokens(self, text: str) -> list[str]:
        """Normalised surface tokens, stopwords included ("'s" dropped)."""
        out = []
        for token in _TOKEN.findall(normalise(text)):
            if token.endswith("'s"):
                token = token[:-2]
            out.append(token)
        return out

    def _concepts(self, stems: list[str]) -> list[tuple[int, int, str]]:
        """(start, end, concept) for every synonym phrase found in a stem sequence."""
        found: list[tuple[int, int, str]] = []
        covered: dict[str, int] = {}  # concept -> end of its last match
        for i, first in enumerate(stems):
            for phrase, concept in self.synonyms.phrases.get(first, ()):  # longest first
                end = i + len(phrase)
                if covered.get(concept, -1) >= end or tuple(stems[i:end]) != phrase:
                    continue
                found.append((i, end, concept))
                covered[concept] = end
        return found

    def _analyse(self, tokens: list[str]) -> tuple[list[str], list[QueryWord]]:
        stems = [stem(token) for token in tokens]
        concepts = self._concepts(stems)
        terms: list[str] = []
        words: list[QueryWord] = []
        for i, token in enumerate(tokens):
            if token in self.stopwords:
                continue
            word_terms = [stems[i]] if not token[0].isdigit() and not token[0] in "<>" else number_forms(token)
            word_terms += [CONCEPT_PREFIX + c for s, e, c in concepts if s <= i < e]
            terms.extend(word_terms if token[0].isdigit() or token[0] in "<>" else [stems[i]])
            words.append(QueryWord(surface=token, terms=tuple(dict.fromkeys(word_terms))))
        terms.extend(CONCEPT_PREFIX + concept for _s, _e, concept in concepts)
        return terms, words

    def terms(self, text: str) -> list[str]:
        """Index terms of a passage: content stems, number forms and concept tokens."""
        return self._analyse(self.tokens(text))[0]

    def query(self, text: str, vocabulary: Vocabulary | None = None, *, known_terms: frozenset[str] = frozenset()) -> Query:
        """Analyse a question; misspelt words unknown to the corpus are corrected."""
        tokens = self.tokens(text[:MAX_QUERY_CHARS])
        corrections: list[Correction] = []
        if vocabulary is not None:
            for i, token in enumerate(tokens):
                if token in self.stopwords or token in vocabulary or stem(token) in known_terms:
                    continue
                if self.synonyms.phrases.get(stem(token)):
                    continue
                fixed = vocabulary.closest(token)
                if fixed and fixed != token:
                    corrections.append(Correction(original=token, corrected=fixed))
                    tokens[i] = fixed
        terms, words = self._analyse(tokens)
        return Query(text=text, terms=tuple(terms), words=tuple(words), corrections=tuple(corrections))


def vocabulary_of(analyzer: Analyzer, texts: Iterable[str]) -> Vocabulary:
    """Count the alphabetic surface words of ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(token for token in analyzer.tokens(text) if token.isalpha())
    return Vocabulary(counts)
