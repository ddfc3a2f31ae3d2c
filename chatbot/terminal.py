"""Replies as terminal text, for ``chatbot ask`` and ``chatbot chat``."""

from __future__ import annotations

import re
import textwrap

from chatbot.bot import Bot
from chatbot.dialogue.reply import Reply, ReplyType

__all__ = ["render_reply", "show_source"]

_LIST_ITEM = re.compile(r"^(?:[-*+•·]|\d{1,3}[.)])\s+")


def render_reply(reply: Reply, *, width: int = 88) -> str:
    """A reply as terminal text: reply, corrections, numbered sources, disclaimer."""
    lines: list[str] = []
    if reply.type is ReplyType.URGENT:
        lines.append("!! URGENT !!")
    for correction in reply.corrections:
        lines.append(f"(Searched for '{correction.corrected}' instead of '{correction.original}'.)")
    lines.extend(textwrap.wrap(reply.reply, width=width) or [reply.reply])
    if reply.passages:
        lines.append("")
        lines.append("Sources:")
        for passage in reply.passages:
            lines.extend(textwrap.wrap(passage.citation.display(), width=width, subsequent_indent="    "))
            for source_line in passage.text.split("\n"):
                text = " ".join(source_line.split())
                if not text:
                    continue
                item = _LIST_ITEM.match(text)
                if item:  # a list item stays on its own line, as in the document
                    text = "• " + text[item.end() :]
                hanging = "      " if item else "    "
                lines.extend(textwrap.wrap(text, width=width, initial_indent="    ", subsequent_indent=hanging))
    if reply.suggestions and reply.type is not ReplyType.ANSWER:
        lines.append("")
        lines.append("You could ask:")
        lines.extend(f"  - {suggestion}" for suggestion in reply.suggestions)
    lines.append("")
    lines.extend(textwrap.wrap(f"Note: {reply.disclaimer}", width=width))
    return "\n".join(lines)


def show_source(bot: Bot, reply: Reply | None, number: int, *, width: int = 88) -> str:
    if reply is None or not reply.passages:
        return "There is no answer with sources yet; ask a question first."
    if not 1 <= number <= len(reply.passages):
        return f"The last answer has sources 1 to {len(reply.passages)}; try 'show 1'."
    cited = reply.passages[number - 1]
    passage = bot.index.passage(cited.id)
    where = ""
    if passage is not None:
        document = bot.corpus.document(passage.document_id)
        if document is not None:
            line = document.text.count("\n", 0, passage.start) + 1
            where = f" (line {line} of {passage.source})"
    heading = textwrap.wrap(f"{cited.citation.display()}{where}", width=width, subsequent_indent="    ")
    body: list[str] = []
    for source_line in cited.text.split("\n"):  # wrapped like answers; list items keep their own lines
        item = _LIST_ITEM.match(source_line.strip())
        indent = " " * (len(source_line) - len(source_line.lstrip()) + (item.end() if item else 0))
        body.extend(textwrap.wrap(source_line.strip(), width=width, subsequent_indent=indent) or [""])
    return "\n".join([*heading, "", *body])
