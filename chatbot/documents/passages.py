"""Document -> passages: section-aware, sentence-safe splitting with provenance.

A passage belongs to one section, never cuts a sentence, keeps a bullet list with
the sentence that introduces it and is never only a heading. Sizes aim at what a
patient reads at a glance: blocks are packed up to ``max_words`` (default 120) and a
short remainder (under ``min_words``, default 30) joins the passage before it when
the result stays under ``max_words * 1.5``. Each passage keeps its character offsets
into the document text, so ``document.text[start:end] == passage.text``.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from chatbot.documents.model import Block, Document, slugify

__all__ = ["Passage", "SplitOptions", "split", "split_all", "split_sentences"]

_SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "dr", "mr", "mrs", "ms", "prof", "vs", "etc", "approx", "no", "fig", "st"})
# Title case keeps these short words lowercase inside a heading ("Blood Flow to the Heart Is Blocked").
_TITLE_CASE_SMALL_WORDS = frozenset(
    {"a", "an", "the", "and", "or", "nor", "but", "of", "to", "in", "on", "for", "with", "at", "by", "from", "as",
     "is", "are", "vs", "via", "per"}
)  # fmt: skip
_RUN_IN_HEADING_MAX_WORDS = 10
_LOWERCASE_WORD = re.compile(r"\b[a-z][a-z'-]*\b")


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of a document a patient can read at a glance, with where it came from."""

    id: str
    document_id: str
    title: str
    section_path: tuple[str, ...]
    text: str
    start: int
    end: int
    source: str
    page: int | None = None
    row_id: str | None = None
    question: str | None = None
    url: str | None = None

    @property
    def section(self) -> str:
        """The heading path below the document title, joined for display."""
        return " > ".join(self.section_path[1:]) or self.title

    @property
    def search_text(self) -> str:
        """What is indexed: headings and title count with the body text."""
        parts = [*self.section_path, self.question or "", self.text]
        return "\n".join(part for part in parts if part)

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True, slots=True)
class SplitOptions:
    """Passage size bounds, in words."""

    max_words: int = 120
    min_words: int = 30

    def __post_init__(self) -> None:
        if not 10 <= self.max_words <= 2000:
            raise ValueError(f"max_words must be between 10 and 2000, got {self.max_words}")
        if not 0 <= self.min_words < self.max_words:
            raise ValueError(f"min_words must be between 0 and max_words ({self.max_words}), got {self.min_words}")


@dataclass(frozen=True, slots=True)
class _Unit:
    start: int
    end: int
    words: int
    heading: bool = False


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``, shifted by ``offset``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        # Only the last word matters; a bounded window keeps this linear when many candidate
        # ends are skipped in a row ("A. B. C. ..." would otherwise rescan the whole head each time).
        head = text[max(start, match.start() - 200) : match.start() + 1]
        last_word = re.split(r"\s", head.rstrip(".!?\"')]"))[-1].lower()
        if last_word.rstrip(".") in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        end = match.end()
        piece = text[start:end].rstrip()
        spans.append((offset + start, offset + start + len(piece)))
        start = end
    if text[start:].strip():
        piece = text[start:].rstrip()
        spans.append((offset + start, offset + start + len(piece)))
    return spans


def run_in_heading(sentence: str, lowercase_words: frozenset[str] | set[str]) -> int:
    """Length of a heading run into the start of ``sentence``, or 0 when it has none.

    Web pages flattened to text lose their sub-headings' line breaks: "Bone Density Tests The test
    used to diagnose osteoporosis is called a bone density test." The heading is a run of title-case
    words (capitalised words, numbers, acronyms and title case's small lowercase words, ending on a
    capitalised word) followed by a capitalised word that starts a plain sentence (its next word is
    lowercase). Every capitalised word involved must occur in lowercase elsewhere in the document,
    so names ("The United States Preventive Services Task Force recommends ...") are not headings.
    """
    tokens = sentence.split(maxsplit=_RUN_IN_HEADING_MAX_WORDS + 2)
    best = repeated = 0
    offset = 0
    for j in range(1, min(len(tokens) - 1, _RUN_IN_HEADING_MAX_WORDS + 1)):
        token = tokens[j - 1]
        offset = sentence.index(token, offset) + len(token)
        titled = _title_word(token, lowercase_words)
        if not (titled or token in _TITLE_CASE_SMALL_WORDS):
            break
        first, after = tokens[j], tokens[j + 1]
        if (
            titled
            and not token[0].isdigit()
            and first[:1].isupper()
            and first.isalpha()
            and first.lower() in lowercase_words
            and after[:1].islower()
            and (len(first) > 1 or j > 1)  # "Vitamin A is ..." is no heading
        ):
            cut = sentence.index(first, offset)
            if first.lower() == token.lower():  # "Diabetes Diabetes is ...": the heading repeated
                repeated = cut
            # A sentence's second word is seldom one of title case's small words: "Blood Flow to the
            # Heart Is Blocked | The heart works", never "Blood | Flow to the Heart"; "Systolic Pressure
            # is the pressure ..." is a sentence, not a heading and one.
            elif after.lower() not in _TITLE_CASE_SMALL_WORDS:
                best = cut
    return best or repeated


def _title_word(token: str, lowercase_words: frozenset[str] | set[str]) -> bool:
    """A capitalised common word ("Tests", "Heart's", "Follow-ups"), an acronym or a number ("9-1-1")."""
    core = token.strip("'")
    if not core:
        return False
    if core[0].isdigit():
        return all(c.isdigit() or c in "-,/" for c in core)
    if not core[0].isupper() or not all(c.isalpha() or c in "'-" for c in core):
        return False
    if core.isupper():
        return len(core) >= 2
    base = core.split("'")[0].lower()
    return base in lowercase_words


def _units(blocks: list[Block], text: str, options: SplitOptions, lowercase_words: frozenset[str]) -> list[_Unit]:
    """Sentences and lists as indivisible units; a list is glued to its intro sentence."""
    units: list[_Unit] = []
    for index, block in enumerate(blocks):
        if block.kind == "list":
            items = [(m.start() + block.start, m.end() + block.start) for m in re.finditer(r"[^\n]+", block.text)]
            groups: list[list[tuple[int, int]]] = [[]]
            for span in items:
                words = sum(len(text[s:e].split()) for s, e in groups[-1])
                if groups[-1] and words + len(text[span[0] : span[1]].split()) > options.max_words:
                    groups.append([])
                groups[-1].append(span)
            for n, group in enumerate(groups):
                unit = _Unit(group[0][0], group[-1][1], sum(len(text[s:e].split()) for s, e in group))
                introduced = n == 0 and units and index > 0 and blocks[index - 1].kind == "paragraph"
                if introduced:
                    intro = units.pop()
                    unit = _Unit(intro.start, unit.end, intro.words + unit.words)
                units.append(unit)
        else:
            for s, e in split_sentences(block.text, block.start):
                cut = run_in_heading(text[s:e], lowercase_words)
                if cut:
                    head_end = s + len(text[s : s + cut].rstrip())
                    units.append(_Unit(s, head_end, len(text[s:head_end].split()), heading=True))
                    s += cut
                units.append(_Unit(s, e, len(text[s:e].split())))
    return units


def _pack(units: list[_Unit], options: SplitOptions) -> list[tuple[int, int]]:
    passages: list[list[_Unit]] = []
    current = 0  # words in passages[-1]
    for unit in units:
        # A run-in sub-heading starts a new passage once the current one is long enough to stand alone.
        if (
            passages
            and not (unit.heading and current >= options.min_words)
            and (passages[-1][-1].heading or current + unit.words <= options.max_words)
        ):
            passages[-1].append(unit)
            current += unit.words
        else:
            passages.append([unit])
            current = unit.words
    if len(passages) > 1:
        tail_words = sum(u.words for u in passages[-1])
        before_words = sum(u.words for u in passages[-2])
        if tail_words < options.min_words and tail_words + before_words <= options.max_words * 1.5:
            passages[-2].extend(passages.pop())
    return [(group[0].start, group[-1].end) for group in passages]


def _sections(blocks: Iterable[Block], heading_starts: Sequence[int] = ()) -> Iterator[list[Block]]:
    """Runs of blocks under one heading; two headings with the same name stay apart."""
    group: list[Block] = []
    for block in blocks:
        heading_between = bool(group) and bisect_left(heading_starts, group[-1].end) < bisect_left(
            heading_starts, block.start
        )
        if group and (block.section_path != group[0].section_path or block.page != group[0].page or heading_between):
            yield group
            group = []
        group.append(block)
    if group:
        yield group


def _passage_id(document_id: str, section_path: tuple[str, ...], text: str) -> str:
    normalised = " ".join(text.lower().split())
    digest = hashlib.sha1("\n".join([*section_path[1:], normalised]).encode("utf-8")).hexdigest()[:8]
    section = slugify(section_path[-1], max_length=40) if len(section_path) > 1 else "intro"
    return f"{document_id}:{section}:{digest}"


def split(document: Document, options: SplitOptions | None = None) -> list[Passage]:
    """Split one document into passages (FAQ rows become one passage each)."""
    options = options or SplitOptions()
    passages: list[Passage] = []
    seen: dict[str, int] = {}

    def add(
        passage_id: str, block: Block, start: int, end: int, text: str, path: tuple[str, ...] | None = None
    ) -> None:
        if passage_id in seen:
            seen[passage_id] += 1
            passage_id = f"{passage_id}-{seen[passage_id]}"
        else:
            seen[passage_id] = 1
        passages.append(
            Passage(
                id=passage_id,
                document_id=document.id,
                title=document.title,
                section_path=block.section_path if path is None else path,
                text=text,
                start=start,
                end=end,
                source=block.url or document.source,
                page=block.page,
                row_id=block.row_id,
                question=block.question,
                url=block.url,
            )
        )

    heading_starts = sorted(heading.start for heading in document.headings)
    lowercase_words: frozenset[str] | None = None  # read once, and only for a document with prose
    for group in _sections(document.blocks, heading_starts):
        if group[0].kind == "faq":
            for block in group:
                add(f"{document.id}:{block.row_id}", block, block.start, block.end, block.text)
            continue
        if lowercase_words is None:
            lowercase_words = frozenset(_LOWERCASE_WORD.findall(document.text))
        units = _units(group, document.text, options, lowercase_words)
        run_in = [unit for unit in units if unit.heading]
        for start, end in _pack(units, options):
            text = document.text[start:end]
            if text.strip():
                path = group[0].section_path
                sub = _run_in_heading_of(run_in, start, end, document.text)
                if sub:
                    path = (*path, sub)
                add(_passage_id(document.id, path, text), group[0], start, end, text, path)
    return passages


def _run_in_heading_of(run_in: list[_Unit], start: int, end: int, text: str) -> str:
    """The run-in sub-heading a passage sits under: the last one before it, else the one it opens with."""
    before = [unit for unit in run_in if unit.start <= start]
    unit = before[-1] if before else next((unit for unit in run_in if unit.start < end), None)
    return "" if unit is None else text[unit.start : unit.end].strip().rstrip(":")


def split_all(documents: Iterable[Document], options: SplitOptions | None = None) -> list[Passage]:
    """Passages of every document, in corpus order."""
    return [passage for document in documents for passage in split(document, options)]
