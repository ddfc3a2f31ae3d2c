"""What a corpus offers by default when its clinic file does not say: suggested questions (its FAQ
and question headings, else its section headings), the topics of the not-found reply and the
subject small talk names. Read from the documents only, never from the bundled corpus."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chatbot.documents.model import Document

__all__ = ["corpus_questions", "corpus_subject", "corpus_topics"]


def _heading(text: str) -> str:
    """A heading as a reply shows it: one space between words, none before the question mark."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([?:.,;!])", r"\1", text)
    return re.sub(r"\?(?:\s*\?)+", "?", text).strip()


def _is_question(text: str) -> bool:
    return text.endswith("?")


def _interleave(groups: Iterable[list[str]]) -> list[str]:
    """The first item of each group, then the second of each, ...: every document is offered early."""
    lists = [group for group in groups if group]
    out: dict[str, None] = {}
    for n in range(max((len(group) for group in lists), default=0)):
        for group in lists:
            if n < len(group):
                out.setdefault(group[n], None)
    return list(out)


def corpus_questions(documents: Iterable[Document], *, headings: bool = True) -> list[str]:
    """Questions the corpus itself asks, one document after another in turn.

    Its FAQ questions and question headings ("What causes X?"); a corpus with none offers its
    section headings under their document's title ("Heart Attack: Symptoms"), which search
    as well as a question does (unless ``headings`` is false).
    """
    documents = list(documents)
    asked: list[list[str]] = []
    for document in documents:
        questions = [_heading(block.question) for block in document.blocks if block.question]
        questions += [_heading(h.path[-1]) for h in document.headings if len(h.path) >= 2]
        asked.append(list(dict.fromkeys(q for q in questions if _is_question(q))))
    found = _interleave(asked)
    if found or not headings:
        return found
    sections: list[list[str]] = []
    for document in documents:
        title = _heading(document.title.split(":")[0])
        names = [_heading(h.path[1]) for h in document.headings if len(h.path) == 2]
        sections.append(
            list(dict.fromkeys(name if title.lower() in name.lower() else f"{title}: {name}" for name in names))
        )
    return _interleave(sections)


def corpus_topics(documents: Iterable[Document]) -> list[str]:
    """What the documents cover, as the not-found reply lists it.

    The documents' titles (without a subtitle after a colon), then their section headings
    that are not questions and do not repeat a title ("About heart attack").
    """
    documents = list(documents)
    titles = list(dict.fromkeys(_heading(d.title.split(":")[0]) for d in documents if d.title.strip()))
    lowered = [title.lower() for title in titles]
    seen = {title.lower(): None for title in titles}
    topics = list(titles)
    for document in documents:
        for heading in document.headings:
            if len(heading.path) != 2:
                continue
            name = _heading(heading.path[1].split(":")[0])
            key = name.lower()
            if not name or _is_question(name) or key in seen or any(title in key for title in lowered):
                continue
            seen[key] = None
            topics.append(name)
    return topics


def corpus_subject(documents: Iterable[Document], limit: int = 4) -> str:
    """The documents' subject as small talk names it: their titles ("A, B and C")."""
    titles = list(dict.fromkeys(_heading(d.title.split(":")[0]) for d in documents if d.title.strip()))[:limit]
    if not titles:
        return "the clinic's documents"
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"
