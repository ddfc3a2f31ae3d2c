"""Messages and rule terms as stems, through the retrieval analyser's normalise and stem.

One pipeline serves rule terms and messages, so they cannot drift: normalise ->
tokens (words, numbers, blood-pressure readings, punctuation) -> "'s" and apostrophes
dropped -> contractions rewritten from the context rules ("isn't" -> "not") -> for a
message, a misspelt word of five letters or more corrected to a red-flag word one edit
away ("breething", "unconsious") -> Snowball stem. Articles and possessives are skipped
inside phrases on both sides, as the analyser does for synonyms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nltk.metrics.distance import edit_distance

from chatbot.text.lexicon import load_general_words, load_stopwords
from chatbot.text.normalise import normalise
from chatbot.text.stem import stem

__all__ = ["BOUNDARY_CLAUSE", "BOUNDARY_SENTENCE", "FILLERS", "Analysed", "PhraseTable", "TextAnalyser"]

FILLERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "their", "our", "of"})
BOUNDARY_SENTENCE = frozenset({".", "!", "?", ";", "\n"})
BOUNDARY_CLAUSE = frozenset({",", ":", "-"})
_NUMBER_WORDS = frozenset(
    ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    + ["fifteen", "twenty", "thirty", "forty", "fifty"]
)
_TOKEN = re.compile(
    r"(\d{2,3})\s*[/>]\s*(\d{2,3})(?!\d)|\d{1,12}(?:[.,]\d{1,6})?|[^\W\d_]{1,60}(?:'[^\W\d_]{1,20})?|@[a-z_]{1,30}|[.!?;,:\n]|\s-{1,3}\s"
)
_MIN_TYPO_LETTERS = 5
_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Analysed:
    """A message as stems (punctuation kept as its own token) and the surface word of each."""

    stems: list[str]
    surface: list[str]


class PhraseTable:
    """Phrases (stem tuples) by first stem, longest first, each with a label."""

    def __init__(self, entries: Iterable[tuple[tuple[str, ...], str]]) -> None:
        table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for stems, label in entries:
            if stems:
                table.setdefault(stems[0], []).append((stems, label))
        self.table = {
            first: sorted(set(items), key=lambda item: (-len(item[0]), item)) for first, items in table.items()
        }

    def find(self, stems: list[str]) -> list[tuple[int, int, str]]:
        """(start, end, label) of every phrase in ``stems`` (positions in ``stems``; fillers skipped)."""
        table = self.table
        if FILLERS.isdisjoint(stems):
            where: list[int] = list(range(len(stems)))
            kept = stems
        else:
            where = [i for i, s in enumerate(stems) if s not in FILLERS]
            kept = [stems[i] for i in where]
        found: list[tuple[int, int, str]] = []
        for i, first in enumerate(kept):
            entries = table.get(first)
            if entries is None:
                continue
            for phrase, label in entries:
                n = len(phrase)
                if n == 1 or tuple(kept[i : i + n]) == phrase:
                    found.append((where[i], where[i + n - 1] + 1, label))
        return found


class TextAnalyser:
    """The shared pipeline; ``vocabulary`` is the rule words that misspellings are corrected to."""

    def __init__(self, rewrite: Mapping[str, str]) -> None:
        self.single = {k: tuple(v.split()) for k, v in rewrite.items() if " " not in k}
        self.double = {tuple(k.split()): tuple(v.split()) for k, v in rewrite.items() if " " in k}
        self.known = load_stopwords() | load_general_words() | {w for w in _plain_words()}
        self._vocab_stems: set[str] = set()
        self._deletes: dict[str, list[str]] = {}
        self._words: dict[str, tuple[str, ...]] = {}

    def set_vocabulary(self, words: Iterable[str]) -> None:
        """The surface words of every rule term and cue (the targets of spelling correction)."""
        deletes: dict[str, list[str]] = {}
        for word in sorted(set(words)):
            if not word.isalpha():
                continue
            self._vocab_stems.add(stem(word))
            if len(word) >= _MIN_TYPO_LETTERS - 1:
                for form in {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}:
                    deletes.setdefault(form, []).append(word)
        self._deletes = deletes
        self._words.clear()

    def _correct(self, word: str) -> str:
        if len(word) < _MIN_TYPO_LETTERS or not word.isalpha() or word in self.known:
            return word
        if stem(word) in self._vocab_stems:
            return word
        candidates: set[str] = set()
        for form in {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}:
            candidates.update(self._deletes.get(form, ()))
        best = sorted(c for c in candidates if c[0] == word[0] and _typo_like(word, c))
        return best[0] if best else word

    def words(self, text: str) -> tuple[list[str], list[str]]:
        """Surface words and punctuation of ``text``, contractions rewritten (no stemming yet)."""
        words: list[str] = []
        surface: list[str] = []
        for match in _TOKEN.finditer(normalise(text)):
            token = match.group(0)
            if match.group(1) is not None:
                high = int(match.group(1)) >= 180 or int(match.group(2)) >= 120
                words.append("@bp_crisis" if high else "@bp")
                surface.append(token)
                continue
            if token[0].isdigit():
                words.append("@year" if len(token) == 4 and token[:2] in ("19", "20") else "@num")
                surface.append(token)
                continue
            if token in _NUMBER_WORDS:  # "for two years" is "for 2 years"
                words.append("@num")
                surface.append(token)
                continue
            if token[0] == "@":
                words.append(token)
                surface.append(token)
                continue
            if token[0] in " \t":
                token = "-"
            if token.endswith("'s"):
                token = token[:-2]
            token = token.replace("'", "")
            for part in self.single.get(token, (token,)):
                words.append(part)
                surface.append(token)
        if self.double:
            i = 0
            while i < len(words) - 1:
                pair = self.double.get((words[i], words[i + 1]))
                if pair is not None:
                    words[i : i + 2] = pair
                    surface[i : i + 2] = [f"{surface[i]} {surface[i + 1]}"] * len(pair)
                i += 1
        return words, surface

    def stems_of(self, words: list[str], *, correct: bool) -> list[str]:
        out = []
        cache = self._words
        for word in words:
            if word[0] in "@.!?;,:-\n":
                out.append(word)
                continue
            if correct:
                stemmed = cache.get(word)
                if stemmed is None:
                    if len(cache) > _CACHE_LIMIT:
                        cache.clear()
                    stemmed = cache[word] = (stem(self._correct(word)),)
                out.append(stemmed[0])
            else:
                out.append(stem(word))
        return out

    def message(self, text: str) -> Analysed:
        words, surface = self.words(text)
        return Analysed(stems=self.stems_of(words, correct=True), surface=surface)

    def term(self, text: str) -> tuple[str, ...]:
        """A rule term as stems, articles and possessives dropped unless it is only those."""
        if text.startswith("@"):  # a token class: "@bp_crisis", "@year", "@num" (see :meth:`words`)
            return tuple(text.split())
        stems = self.stems_of(self.words(text)[0], correct=False)
        kept = tuple(s for s in stems if s not in FILLERS)
        return kept or tuple(stems)


def _typo_like(word: str, candidate: str) -> bool:
    """One edit that looks like a typo: a letter left out, added or swapped, or one vowel for another.

    A changed consonant too often makes another real word ("cooking" / "choking",
    "breeding" / "bleeding"), which must not raise an alarm.
    """
    if edit_distance(word, candidate, transpositions=True) != 1:
        return False
    if len(word) != len(candidate):
        return True
    changed = [(a, b) for a, b in zip(word, candidate, strict=True) if a != b]
    return len(changed) == 2 or all(a in _VOWELS and b in _VOWELS for a, b in changed)


_VOWELS = frozenset("aeiouy")


def _plain_words() -> Iterable[str]:
    """Common real words that are one letter from a red-flag word and must not be 'corrected' into it."""
    return ("breeding", "smelling", "feeding", "sitting", "healing", "seating", "fitting", "hearing", "bleeping")
