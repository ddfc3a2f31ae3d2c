"""The reply text and its citations: the passages shown, the best unit of each, [n] labels."""

from __future__ import annotations

import dataclasses
import re
import weakref
from collections.abc import Sequence

from chatbot.dialogue.reply import Citation, ReplyPassage
from chatbot.documents.passages import Passage
from chatbot.retrieval.index import Hit, PassageIndex
from chatbot.retrieval.rerank import (
    LIST_MARK,
    LIST_REPLY_WORDS,
    Shares,
    heading_terms,
    question_shares,
    sentence_units,
)
from chatbot.text.analyzer import CONCEPT_PREFIX, Query

__all__ = ["answer_text", "cite", "number_as_cited", "pick_passages"]

#: A second document's sentence is quoted only when it covers at least this share of what the first covers:
#: about as well, not merely a word of the question ("hospital" in a sentence on the cause of the condition).
_SECOND_SOURCE_SHARE = 0.8
_WORD_COUNTS: weakref.WeakKeyDictionary[PassageIndex, dict[str, tuple[int, ...]]] = weakref.WeakKeyDictionary()


def _best_unit(hit: Hit, index: PassageIndex, shares: Shares) -> tuple[str, float]:
    """The unit of a passage covering most of the question, and that share.

    Ties go to the unit whose own words (not its headings) cover more, then to the
    shorter, then to the first. When the question is about what the passage's own
    heading names ("What are the symptoms?" under "Symptoms") and no single item
    says more than the heading, the passage is a list of answers: its opening items
    are quoted together.
    """
    best: tuple[str, float, float, int] = ("", -1.0, -1.0, 0)
    covered = shares.covered
    cache = _WORD_COUNTS.get(index)
    if cache is None:
        cache = _WORD_COUNTS.setdefault(index, {})
    units = sentence_units(hit.passage, index)
    lengths = cache.get(hit.passage.id)
    if lengths is None:
        lengths = cache[hit.passage.id] = tuple(-len(text.split()) for text, _own, _terms in units)
    own_heading = heading_terms(hit.passage, index)
    heading = covered(own_heading)
    if heading > 0 and len(hit.passage.section_path) > 1:
        return _aspect_unit(hit.passage, units, lengths, own_heading, shares)
    for (text, own_terms, terms), length in zip(units, lengths, strict=True):
        key = (covered(own_terms), covered(terms), length)
        if key > best[1:]:
            best = (text, *key)
    return best[0], best[2]


def _aspect_unit(
    passage: Passage,
    units: Sequence[tuple[str, frozenset[str], frozenset[str]]],
    lengths: Sequence[int],
    own_heading: frozenset[str],
    shares: Shares,
) -> tuple[str, float]:
    """The unit of a passage whose own heading names what is asked ("risks" under "Risks & Complications").

    The heading says what the question asks about; the rest of the question names the
    subject the search already found, so a sentence is not better for naming it again
    ("Microvascular decompression is safe ..."). Units are compared on the part of the
    question their heading answers; then a unit that carries the heading's own words (its
    "complications") before one that matches only through a synonym ("safe"); then a
    list (the risks themselves) before a sentence; then on the whole question, the
    shorter, the first. When no single item says more than the heading, the passage's
    opening list is quoted.
    """
    covered = shares.covered
    heading_words = frozenset(term for term in own_heading if not term.startswith(CONCEPT_PREFIX))
    best: tuple[str, float, float] = ("", -1.0, -1.0)
    best_key: tuple[float, bool, bool, float, float, int] = (-1.0, False, False, -1.0, -1.0, 0)
    for (text, own_terms, terms), length in zip(units, lengths, strict=True):
        own = covered(own_terms)
        key = (
            covered(own_terms & own_heading),
            not heading_words.isdisjoint(own_terms),
            text.count("; ") >= 2,
            own,
            covered(terms),
            length,
        )
        if key > best_key:
            best, best_key = (text, own, key[4]), key
    heading = covered(own_heading)
    if heading >= best[1]:
        items = _opening_items(passage)
        if len(items) > 1:
            return "; ".join(item.rstrip(".;") for item in items) + ".", max(best[2], heading)
    return best[0], best[2]


def _opening_items(passage: Passage) -> list[str]:
    """The list items a passage opens with, as many as fit in a short reply."""
    items: list[str] = []
    words = 0
    for line in passage.text.split("\n"):
        if not line.strip():
            continue
        if not LIST_MARK.match(line):
            break
        item = LIST_MARK.sub("", line).strip()
        words += len(item.split())
        if items and words > LIST_REPLY_WORDS:
            break
        items.append(item)
    return items


def pick_passages(hits: Sequence[Hit], *, top_k: int, second_source_ratio: float) -> list[Hit]:
    """The top ``top_k`` hits, making room for another document's strong passage.

    When a document not yet shown has a passage scoring at least
    ``second_source_ratio`` of the best, its best passage replaces the weakest
    passage of a document shown more than once: where both sources speak, both
    appear. The order is the ranking order.
    """
    chosen = list(hits[:top_k])
    if not chosen:
        return chosen
    top = chosen[0].matched
    for hit in hits[top_k:]:
        shown = {h.passage.document_id for h in chosen}
        if hit.passage.document_id in shown or hit.matched < second_source_ratio * top:
            continue
        counts = {doc: sum(1 for h in chosen if h.passage.document_id == doc) for doc in shown}
        for i in range(len(chosen) - 1, 0, -1):
            if counts[chosen[i].passage.document_id] > 1:
                chosen[i] = hit
                break
    rank = {id(hit): position for position, hit in enumerate(hits)}
    return sorted(chosen, key=lambda h: rank[id(h)])


def cite(hits: Sequence[Hit]) -> tuple[ReplyPassage, ...]:
    """Numbered citations [1], [2] ... for the chosen hits."""
    out = []
    for number, hit in enumerate(hits, start=1):
        passage = hit.passage
        out.append(
            ReplyPassage(
                id=passage.id,
                text=passage.text,
                score=hit.score,
                citation=Citation(
                    label=f"[{number}]",
                    document_id=passage.document_id,
                    document=passage.title,
                    section=passage.section,
                    source=passage.source,
                    passage_id=passage.id,
                    page=passage.page,
                ),
                # Stems as they are; a synonym concept ("=botox") by its name in the synonyms file.
                matched_terms=tuple(dict.fromkeys(term.removeprefix(CONCEPT_PREFIX) for term in hit.matched_terms)),
            )
        )
    return tuple(out)


def number_as_cited(text: str, passages: Sequence[ReplyPassage]) -> tuple[str, tuple[ReplyPassage, ...]]:
    """Renumber citations in the order the reply cites them: [1] then [3] becomes [1] then [2].

    Cited passages come first, in the order of their first mention; the others follow in
    their ranking order. The labels in ``text`` and in each citation change together.
    """
    cited = [int(n) for n in dict.fromkeys(re.findall(r"\[(\d{1,2})\]", text)) if 1 <= int(n) <= len(passages)]
    order = cited + [n for n in range(1, len(passages) + 1) if n not in cited]
    if order == list(range(1, len(passages) + 1)):
        return text, tuple(passages)
    new_number = {old: new for new, old in enumerate(order, start=1)}
    text = re.sub(
        r"\[(\d{1,2})\]",
        lambda m: f"[{new_number.get(int(m.group(1)), int(m.group(1)))}]",
        text,
    )
    renumbered = tuple(
        dataclasses.replace(
            passages[old - 1],
            citation=dataclasses.replace(passages[old - 1].citation, label=f"[{new}]"),
        )
        for new, old in enumerate(order, start=1)
    )
    return text, renumbered


def _labelled(text: str, label: str) -> str:
    """'... 3-6 months.' -> '... 3-6 months [1].'"""
    text = text.rstrip()
    end = text[-1] if text and text[-1] in ".!?" else "."
    return f"{text.rstrip('.!?;:, ')} {label}{end}"


def answer_text(hits: Sequence[Hit], index: PassageIndex, query: Query) -> str:
    """A short extractive reply with [n] labels.

    The sentence (or list) of passage [1] that covers most of the question; then,
    when a passage from another document is shown and its best sentence covers the
    question about as well (:data:`_SECOND_SOURCE_SHARE`), that sentence too, so where the sources differ ("3-6
    months" against "3-4 months") the patient sees both.
    """
    if not hits:
        return ""
    shares = question_shares(query, index)
    first, first_share = _best_unit(hits[0], index, shares)
    text = _labelled(first, "[1]")
    for number, hit in enumerate(hits[1:], start=2):
        if hit.passage.document_id == hits[0].passage.document_id:
            continue
        other, share = _best_unit(hit, index, shares)
        if other and other != first and share >= _SECOND_SOURCE_SHARE * first_share:
            text += f" Another of our documents says: {_labelled(other, f'[{number}]')}"
        break
    return text
