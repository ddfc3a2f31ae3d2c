"""Readers for formats beyond text: HTML pages, PDF leaflets and Word documents.

Imported by :func:`chatbot.corpus._load_builtin_readers`; importing the modules
registers their suffixes in :data:`chatbot.corpus.READERS`.
"""

from __future__ import annotations

from . import docx, html, pdf

__all__ = ["docx", "html", "pdf"]
