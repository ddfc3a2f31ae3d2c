"""``chatbot index``: what the corpus holds and what is wrong with it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from chatbot.bot import Bot

__all__ = ["CorpusReport", "DocumentSummary", "corpus_report"]


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    id: str
    title: str
    source: str
    format: str
    sections: tuple[tuple[str, int], ...]  # (section path, passages)
    passages: int


@dataclass(frozen=True, slots=True)
class CorpusReport:
    root: str
    documents: tuple[DocumentSummary, ...]
    passages: int
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.root,
            "documents": [
                {
                    "id": d.id,
                    "title": d.title,
                    "source": d.source,
                    "format": d.format,
                    "passages": d.passages,
                    "sections": [{"section": s, "passages": n} for s, n in d.sections],
                }
                for d in self.documents
            ],
            "passages": self.passages,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }

    def render(self) -> str:
        lines = [f"Corpus: {self.root}", f"{len(self.documents)} documents, {self.passages} passages", ""]
        for doc in self.documents:
            lines.append(f"{doc.title}  [{doc.id}, {doc.source}, {doc.format}, {doc.passages} passages]")
            for section, count in doc.sections[:50]:
                lines.append(f"  {section}  ({count} passage{'s' if count != 1 else ''})")
            if len(doc.sections) > 50:
                lines.append(f"  ... and {len(doc.sections) - 50} more sections")
            lines.append("")
        for warning in self.warnings:
            lines.append(f"warning: {warning}")
        for error in self.errors:
            lines.append(f"error: {error}")
        if self.errors:
            lines.append(f"{len(self.errors)} file(s) could not be loaded; fix them and run 'chatbot index' again.")
        else:
            lines.append("OK: every file loaded.")
        return "\n".join(lines)


def corpus_report(bot: Bot) -> CorpusReport:
    """Summarise documents, sections and passages; warn about empty sections and duplicates."""
    warnings = list(bot.corpus.warnings)
    by_section: Counter[tuple[str, tuple[str, ...]]] = Counter((p.document_id, p.section_path) for p in bot.passages)
    summaries = []
    for document in bot.corpus.documents:
        sections: list[tuple[str, int]] = []
        paths = [h.path for h in document.headings]
        if any(p.document_id == document.id and len(p.section_path) == 1 for p in bot.passages):
            paths.insert(0, (document.title,))
        for path in dict.fromkeys(paths):
            count = by_section[(document.id, path)]
            has_children = any(other[: len(path)] == path and len(other) > len(path) for other in paths)
            if count == 0 and not has_children:
                warnings.append(f"{document.source}: section '{' > '.join(path[1:])}' has no text")
            label = " > ".join(path[1:]) or "(introduction)"
            sections.append((label, count))
        if document.format == "faq":
            sections = [(f"{sum(1 for p in bot.passages if p.document_id == document.id)} FAQ rows", 0)]
        summaries.append(
            DocumentSummary(
                id=document.id,
                title=document.title,
                source=document.source,
                format=document.format,
                sections=tuple(sections),
                passages=sum(1 for p in bot.passages if p.document_id == document.id),
            )
        )
    texts = Counter(" ".join(p.text.lower().split()) for p in bot.passages)
    for text, count in texts.items():
        if count > 1:
            warnings.append(f"{count} passages have the same text: {text[:60]!r}")
    return CorpusReport(
        root=str(bot.corpus.root),
        documents=tuple(summaries),
        passages=len(bot.passages),
        errors=tuple(str(error) for error in bot.corpus.errors),
        warnings=tuple(warnings),
    )
