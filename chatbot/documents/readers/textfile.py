"""Reading a text file for the text formats' readers (Markdown, plain text, FAQ)."""

from __future__ import annotations

from pathlib import Path

from chatbot.errors import CorpusError

__all__ = ["read_text_file"]


def read_text_file(path: Path) -> str:
    """A file's text as UTF-8 (a BOM is dropped, line ends normalised to \\n)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(
            path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line=line
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CorpusError(path, "contains NUL bytes; this looks like a binary file, not text", line=line)
    return text.replace("\r\n", "\n").replace("\r", "\n")
