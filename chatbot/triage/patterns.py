"""Helpers that write the triage patterns: alternatives, option groups and word gaps.

Every pattern built with them is linear (no nested quantifiers) and the input is capped
(:data:`chatbot.text.normalise.MAX_CHECKED_CHARS`), so a crafted message cannot make matching slow.
"""

from __future__ import annotations

import re

__all__ = ["G2", "G4", "G6", "gap", "one_of", "rx"]


def rx(*alternatives: str) -> re.Pattern[str]:
    """One pattern matching any of ``alternatives``."""
    return re.compile("|".join(alternatives))


def one_of(*options: str) -> str:
    """A non-capturing group of options: ``(?:a|b|c)``."""
    return "(?:" + "|".join(options) + ")"


def gap(n: int) -> str:
    """Up to ``n`` words between two parts of a concept ("face is starting to droop")."""
    return rf"(?: \w{{1,20}}){{0,{n}}}"


G2, G4, G6 = gap(2), gap(4), gap(6)

