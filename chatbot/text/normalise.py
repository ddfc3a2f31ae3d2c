"""Text normalisation: the folding tables (dashes, quotes, invisible characters) and the forms built on them.

:func:`normalise` is the analyser's form (passages and questions); :func:`fold` is the same with
white space squeezed (evaluation phrase checks); :func:`normalise_message` is the triage form
(punctuation dropped, words padded with spaces for the urgent, small-talk and personal patterns).
The three differ in their outputs, so they stay three functions over the one set of tables.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "normalise", "normalise_message"]


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_SINGLE_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u00b4`"), "'")
_QUOTES = _SINGLE_QUOTES | dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"')
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u00ad"))
_PERCENT_WORDS = re.compile(r"(\d)\s*(?:per\s?cent|percent|pct)\b")
_COMPARATORS = re.compile(
    r"(?:more than|over|above|greater than)\s+(?=\d)|(?:less than|under|below|fewer than)\s+(?=\d)"
)
_HAS_DIGIT = re.compile(r"\d")

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


def fold(text: str) -> str:
    """Text for phrase matching: the analyser's normalisation (case, unicode dashes and
    quotes folded) with runs of white space made one space."""
    return " ".join(normalise(text).split())


# Numbers (with an optional comparator, range and percent sign) or words; no nested
# quantifiers, so matching is linear in the input length.
_TOKEN = re.compile(r"[<>]?\d{1,12}(?:[.,]\d{1,6})?(?:-\d{1,12}(?:[.,]\d{1,6})?)?%?|[^\W\d_]{1,60}(?:'[^\W\d_]{1,20})?")
# The same tokens for lowercase ASCII text (letters are then a-z), about 40% faster to scan.
_TOKEN_ASCII = re.compile(
    r"[a-z]{1,60}(?:'[a-z]{1,20})?|[<>]?[0-9]{1,12}(?:[.,][0-9]{1,6})?(?:-[0-9]{1,12}(?:[.,][0-9]{1,6})?)?%?"
)

# Articles and possessives, skipped inside synonym phrases on both sides, so "hole in
# the head", "hole in head" and "back to my job" match "hole in the head" and "back to job".
_FILLERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "their", "our", "its", "of"})


MAX_CHECKED_CHARS = 2_000


_NON_WORD = re.compile(r"[^\w?]+")
_SPACES = re.compile(r"\s+")


def normalise_message(text: str) -> str:
    """Lowercase, NFKC, apostrophes dropped ("can't" -> "cant"), punctuation to spaces.

    The triage checks take this form; a caller running several of them on one message
    normalises it once and passes it as ``normalised``.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_CHECKED_CHARS]).translate(_SINGLE_QUOTES).lower()
    text = text.replace("'", "")
    text = _NON_WORD.sub(" ", text).replace("?", " ? ")
    return " " + _SPACES.sub(" ", text).strip() + " "

