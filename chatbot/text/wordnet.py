"""General English knowledge from a general resource: WordNet 3.0.

- `WordNetTable`: derivations (paralysed -> paralysis, infected -> infection, worsen -> worse) and
  synonyms (pill <-> tablet, physician <-> doctor) from the packaged table `chatbot/data/wordnet.tsv.gz`,
  which `scripts/build_wordnet_table.py` builds from WordNet 3.0 at development time. Callers add these
  at a lower weight than the question's own words.
- (wordfreq's English frequencies are used at development time only, by the build script, to leave out
  synonyms that are rare English; the decision features built on them were measured and not kept: see
  docs/retrieval.md.)

Nothing here reads the network or any file outside the installed packages.
"""

from __future__ import annotations

import gzip
import threading
from importlib import resources
from pathlib import Path
from typing import ClassVar

_TABLE = "data/wordnet.tsv.gz"

# WordNet's detachment rules for regular inflections (morphy(7WN)), tried once on a word that is not
# an irregular form; a result counts only if WordNet lists it as a lemma of that part of speech.
_DETACHMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "n": (("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}  # fmt: skip

_EMPTY: tuple[str, ...] = ()


def _split(field: str) -> tuple[str, ...]:
    return tuple(field.split(",")) if field else _EMPTY


class WordNetTable:
    """Derivations and synonyms of single lowercase English words, from the packaged WordNet table.

    A row is kept as its raw text and split when asked for: loading stays one pass over the lines.
    Words are expected in lowercase; synonyms may be phrases ("physical therapy"), derivations are
    single words.
    """

    _default: ClassVar[WordNetTable | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    __slots__ = ("_rows",)

    def __init__(self, text: str) -> None:
        rows: dict[str, str] = {}
        for line in text.splitlines():
            word, tab, rest = line.partition("\t")
            if tab and not word.startswith("#"):
                rows[word] = rest
        self._rows = rows

    @classmethod
    def from_file(cls, path: Path) -> WordNetTable:
        return cls(gzip.decompress(path.read_bytes()).decode("utf-8"))

    @classmethod
    def default(cls) -> WordNetTable:
        """The packaged table, loaded on first use and shared by the whole process."""
        table = cls._default
        if table is None:
            with cls._lock:
                table = cls._default
                if table is None:
                    data = resources.files("chatbot").joinpath(_TABLE).read_bytes()
                    table = cls._default = cls(gzip.decompress(data).decode("utf-8"))
        return table

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, word: object) -> bool:
        """True for a WordNet lemma or an inflection of one ("paralysed", "swollen")."""
        if not isinstance(word, str):
            return False
        fields = self._fields(word)
        return (fields is not None and bool(fields[0])) or bool(self.bases(word))

    def _fields(self, word: str) -> list[str] | None:
        rest = self._rows.get(word)
        return None if rest is None else rest.split("\t")

    def bases(self, word: str) -> tuple[str, ...]:
        """The lemmas a word is an inflection of (swollen -> swell, paralysed -> paralyse), as morphy finds them.

        Irregular forms come from WordNet's exception lists (in the table); regular ones from WordNet's
        detachment rules, kept only where the result is a lemma of the rule's part of speech.
        """
        fields = self._fields(word)
        irregular: dict[str, list[str]] = {}
        if fields is not None and fields[3]:
            for entry in fields[3].split(","):
                pos, _, base = entry.partition(":")
                irregular.setdefault(pos, []).append(base)
        found: list[str] = []
        for pos, rules in _DETACHMENTS.items():
            if pos in irregular:
                candidates = irregular[pos]
            else:
                candidates = [
                    word[: -len(old)] + new for old, new in rules if word.endswith(old) and len(word) > len(old)
                ]
            for base in candidates:
                if base == word or base in found:
                    continue
                base_fields = self._fields(base)
                if base_fields is not None and pos in base_fields[0]:
                    found.append(base)
        return tuple(found)

    def one_edit_lemmas(self, word: str) -> tuple[str, ...]:
        """The WordNet lemmas one edit from ``word`` (a letter dropped, added, changed or two swapped)."""
        letters = "abcdefghijklmnopqrstuvwxyz"
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        edits = {a + b[1:] for a, b in splits if b}
        edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
        edits |= {a + c + b for a, b in splits for c in letters}
        edits.discard(word)
        rows = self._rows
        return tuple(sorted(edit for edit in edits if rows.get(edit, "\t")[:1] not in ("\t", "")))

    def derivations(self, word: str) -> tuple[str, ...]:
        """Other forms of the word: its inflection bases and the derivations of it and of them.

        paralysed -> paralyse, paralysis, paralytic; infected -> infect, infection; worsen -> worse.
        """
        bases = self.bases(word)
        found: dict[str, None] = dict.fromkeys(bases)
        for form in (word, *bases):
            fields = self._fields(form)
            if fields is not None:
                found.update(dict.fromkeys(_split(fields[1])))
        found.pop(word, None)
        return tuple(found)

    def synonyms(self, word: str) -> tuple[str, ...]:
        """WordNet synonyms in the word's common senses (pill -> tablet); of its bases if it is no lemma itself.

        A word that is a lemma gets only its own synonyms: "tired" is an adjective in its own right, and
        the synonyms of the verb "tire" (tyre) would be wrong for it.
        """
        fields = self._fields(word)
        if fields is not None and fields[0]:
            return _split(fields[2])
        found: dict[str, None] = {}
        for base in self.bases(word):
            base_fields = self._fields(base)
            if base_fields is not None:
                found.update(dict.fromkeys(_split(base_fields[2])))
        found.pop(word, None)
        return tuple(found)


def general_expansions(word: str, table: WordNetTable | None = None) -> tuple[str, ...]:
    """Derivations then synonyms of a word, without repeats and never the word itself."""
    source = WordNetTable.default() if table is None else table
    word = word.lower()
    found: dict[str, None] = dict.fromkeys(source.derivations(word))
    found.update(dict.fromkeys(source.synonyms(word)))
    found.pop(word, None)
    return tuple(found)
