"""Spelling correction: the corpus vocabulary and the closest word to a misspelling."""

from __future__ import annotations

import bisect
from collections.abc import Mapping

import jellyfish
from nltk.metrics.distance import edit_distance

from chatbot.text.stem import _DERIVATIONS

__all__ = ["Vocabulary"]


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
        self._sounds: dict[str, list[str]] | None = None

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

    def _sound_index(self) -> dict[str, list[str]]:
        if self._sounds is None:
            sounds: dict[str, list[str]] = {}
            for word in sorted(self.counts):
                if word.isalpha() and len(word) >= _SOUND_MIN_LETTERS:
                    sounds.setdefault(sound_key(word), []).append(word)
            self._sounds = sounds
        return self._sounds

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


_SOUND_MIN_LETTERS = 5  # shorter words have too few consonants for their sound to tell them apart


def sound_key(word: str) -> str:
    """The word's Metaphone key (Lawrence Philips, 1990, through jellyfish): how it sounds in English."""
    return str(jellyfish.metaphone(word))


def sounds_like(vocabulary: Vocabulary, word: str) -> str | None:
    """The corpus word spelt as ``word`` sounds ("botoks" -> "botox", "hemifaishal" -> "hemifacial"), or None.

    For words that are neither in the corpus nor English (the caller checks): a spelling
    by ear keeps the consonant sounds (Metaphone key) but may be several letters off, the
    first included ("fisiotherapy"). The candidate must have the same key and be at most
    a third of its letters away (two for short words); of several, the nearest, then the
    most frequent.
    """
    if not _SOUND_MIN_LETTERS <= len(word) <= vocabulary._longest + 3 or not word.isalpha():
        return None  # a word far longer than any corpus word sounds like none of them (a crafted 1,000 letters)
    index = vocabulary._sound_index()
    key = sound_key(word)
    best: tuple[int, int, str] | None = None
    for candidate in index.get(key, ()):
        distance = edit_distance(word, candidate, transpositions=True)
        if distance > max(2, len(candidate) // 3):
            continue
        item = (distance, -vocabulary.counts[candidate], candidate)
        if best is None or item < best:
            best = item
    return best[2] if best else None


def _one_letter_from(words: Vocabulary, token: str) -> str | None:
    """The word of ``words`` nearest ``token`` when it is exactly one edit away, else None."""
    found = words.closest(token)
    return found if found is not None and edit_distance(token, found, transpositions=True) == 1 else None


