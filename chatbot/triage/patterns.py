"""Helpers that write the triage patterns: alternatives, option groups and word gaps.

Every pattern built with them is linear (no nested quantifiers) and the input is capped
(:data:`chatbot.text.normalise.MAX_CHECKED_CHARS`), so a crafted message cannot make matching slow.
"""

from __future__ import annotations

import re

__all__ = []


def _rx(*alternatives: str) -> re.Pattern[str]:
    """One pattern matching any of ``alternatives``."""
    return re.compile("|".join(alternatives))


def _any(*options: str) -> str:
    """A non-capturing group of options: ``(?:a|b|c)``."""
    return "(?:" + "|".join(options) + ")"


def _gap(n: int) -> str:
    """Up to ``n`` words between two parts of a concept ("face is starting to droop")."""
    return rf"(?: \w{{1,20}}){{0,{n}}}"


G2, G4, G6 = _gap(2), _gap(4), _gap(6)

