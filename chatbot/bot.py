"""The chatbot: corpus -> passages -> index, and ``ask`` -> :class:`Reply`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .analysis import Analyzer, Query, Synonyms, load_stopwords, load_synonyms
from .answer import Decision, Reply, ReplyType, answer_text, cite, decide, pick_passages
from .bm25 import BM25Params
from .config import Settings
from .corpus import Corpus, bundled_corpus_dir, load_corpus
from .index import Hit, PassageIndex
from .passages import Passage, split_all

__all__ = ["Bot", "Ranking", "contact_line", "notice_text"]


def contact_line(settings: Settings) -> str:
    """How to reach a person at the clinic, from the profile."""
    ways = []
    if settings.clinic_phone:
        hours = f" ({settings.opening_hours})" if settings.opening_hours else ""
        ways.append(f"call {settings.clinic_phone}{hours}")
    if settings.clinic_email:
        ways.append(f"e-mail {settings.clinic_email}")
    if settings.booking_url:
        ways.append(f"book an appointment at {settings.booking_url}")
    if not ways:
        return f"contact {settings.clinic_name} directly"
    return " or ".join(ways)


def notice_text(settings: Settings) -> str:
    return (
        f"You are chatting with an automated assistant that quotes {settings.clinic_name}'s documents; "
        f"it is not a doctor. To talk to a person, {contact_line(settings)}."
    )


@dataclass(frozen=True, slots=True)
class Ranking:
    """A plain ranked list for batch retrieval (no reply handling)."""

    query: Query
    hits: tuple[Hit, ...]


def resolve_synonyms(settings: Settings, corpus_root: Path) -> Synonyms:
    """The synonyms file: the setting, else the corpus folder's, else the bundled one."""
    candidates = [settings.synonyms] if settings.synonyms else []
    folder = corpus_root if corpus_root.is_dir() else corpus_root.parent
    candidates += [folder / "synonyms.yaml", folder / "synonyms.yml", bundled_corpus_dir() / "synonyms.yaml"]
    for path in candidates:
        if path is not None and (path.is_file() or path == settings.synonyms):
            return load_synonyms(path)
    return Synonyms.empty()


class Bot:
    """Answers questions from one corpus with one set of settings."""

    def __init__(self, *, settings: Settings, corpus: Corpus, index: PassageIndex) -> None:
        self.settings = settings
        self.corpus = corpus
        self.index = index

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Bot:
        """Load the corpus named by the settings and build its index."""
        settings = settings or Settings()
        root = settings.corpus or bundled_corpus_dir()
        corpus = load_corpus(root)
        analyzer = Analyzer(stopwords=load_stopwords(), synonyms=resolve_synonyms(settings, root))
        params = BM25Params(k1=settings.bm25_k1, b=settings.bm25_b, delta=settings.bm25_delta)
        index = PassageIndex(split_all(corpus.documents), analyzer=analyzer, params=params)
        return cls(settings=settings, corpus=corpus, index=index)

    @property
    def passages(self) -> tuple[Passage, ...]:
        return self.index.passages

    def topics(self, limit: int = 8) -> list[str]:
        """Top-level section names across documents: what the documents cover."""
        seen: dict[str, None] = {}
        for document in self.corpus.documents:
            for heading in document.headings:
                if len(heading.path) == 2:
                    name = heading.path[1].split(":")[0].strip()
                    seen.setdefault(name, None)
        return list(seen)[:limit]

    def rank(self, text: str, *, top_k: int) -> Ranking:
        """Batch retrieval: the ranked passages for ``text``, nothing else."""
        query = self.index.query(text, correct_spelling=False)
        return Ranking(query=query, hits=tuple(self.index.search(query, top_k=top_k, with_terms=False)))

    def retrieve(self, text: str, *, top_k: int | None = None) -> tuple[Query, list[Hit], Decision]:
        """Analyse, search and decide whether the documents answer ``text``."""
        settings = self.settings
        k = top_k or settings.top_k
        query = self.index.query(text)
        hits = self.index.search(query, top_k=max(k * 4, 10))
        decision = decide(
            query, hits, self.index, min_coverage=settings.min_coverage, min_relevance=settings.min_relevance
        )
        return query, pick_passages(hits, top_k=k, second_source_ratio=settings.second_source_ratio), decision

    def not_found(self, query: Query | None = None) -> Reply:
        settings = self.settings
        topics = ", ".join(self.topics())
        text = (
            "I could not find that in our documents. "
            f"For anything they do not cover, please {contact_line(settings)}. "
            f"Our documents cover topics such as: {topics}."
        )
        return Reply(
            type=ReplyType.NOT_FOUND,
            reply=text,
            disclaimer=settings.disclaimer,
            notice=notice_text(settings),
            suggestions=settings.suggestions,
            corrections=query.corrections if query else (),
        )

    def ask(self, message: str, *, top_k: int | None = None) -> Reply:
        """Answer one message from the documents, or say plainly that they do not cover it."""
        query, hits, decision = self.retrieve(message, top_k=top_k)
        if not decision.answer or not hits:
            return self.not_found(query)
        return Reply(
            type=ReplyType.ANSWER,
            reply=answer_text(hits, self.index, query),
            disclaimer=self.settings.disclaimer,
            notice=notice_text(self.settings),
            passages=cite(hits),
            suggestions=self.settings.suggestions,
            corrections=query.corrections,
        )
