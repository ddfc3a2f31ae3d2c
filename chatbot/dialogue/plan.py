"""Planning a message's search: the questions of a message that asks several things, and the
question at the end of a long story ("I am 62 ... could you tell me how that operation is done?")."""

from __future__ import annotations

import re

__all__ = ["LONG_QUESTION_WORDS", "question_parts", "question_tail"]

LONG_QUESTION_WORDS = 8  # topical words: a message this long may be a story followed by its question
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The lookbehind starts a match only where a run of spaces starts: without it a long run
# not followed by "and" was tried from each of its spaces (quadratic in the run's length).
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|(?<!\s)\s+(?:and|but|so)\s+")
# Where a message asking two things starts its second question: "..., and when can I drive?"
_SECOND_QUESTION = re.compile(
    # only from the start of a run of spaces and commas: trying every space of a long run was quadratic
    r"(?<![\s,;])(?:\s*[,;]\s*|\s+)(?:and|or|also|plus)\s+(?:also\s+)?"
    r"(?=(?:is|are|was|were|do|does|did|can|could|will|would|should|shall|may|might|must|has|have|"
    r"how|what|when|where|which|who|whom|whose|why|am)\b)",
    re.IGNORECASE,
)


def question_tail(text: str) -> str | None:
    """The last sentence of a long message, or its last clause when that sentence is long too.

    None when the message is one short part (nothing shorter to try).
    """
    sentences = [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]
    if not sentences:
        return None
    tail = " ".join(sentences[-1].split())  # one space between words
    if len(tail.split()) > 12:
        clauses = [part.strip() for part in _CLAUSE_BREAK.split(tail) if len(part.split()) >= 3]
        if clauses:
            tail = clauses[-1]
    return tail if tail != text.strip() else None


def question_parts(text: str) -> list[str]:
    """The questions of a message that asks more than one thing, in order; [] for one question.

    Split at sentence ends and where "and", "or", "also" or "plus" open a new question
    ("How long is the hospital stay, and when can I drive?"). Parts of fewer than three
    words are kept with the part before them.
    """
    parts: list[str] = []
    text = " ".join(text.split())  # one space between words: the split pattern stays linear
    for sentence in _SENTENCE_END.split(text):
        for piece in _SECOND_QUESTION.split(sentence):
            piece = piece.strip(" ,;")
            if not piece:
                continue
            if parts and len(piece.split()) < 3:
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                parts.append(piece)
    questions = [part for part in parts if part.endswith("?") or _SECOND_QUESTION.search(f" and {part}")]
    return questions if len(questions) > 1 else []
