"""The urgent check: does a message describe an emergency, or thoughts of self-harm?

The signs are data, not code: the general red flags in ``chatbot/data/red_flags.yaml``, the
clinic's own in its corpus folder's ``red_flags.yaml``, and the context rules (negation,
asking about, long ago, figures of speech) in ``chatbot/data/triage_context.yaml``; the
matching is :mod:`chatbot.triage.redflags`. This module is the one entry point the bot and
the tests use.
"""

from __future__ import annotations

from chatbot.triage.redflags import Triage, Triager, UrgentKind, default_triager

__all__ = ["Triage", "UrgentKind", "detect_urgent"]


def detect_urgent(message: str, *, triager: Triager | None = None) -> Triage | None:
    """The red flag a message describes (its tier, what to do), or None for an ordinary message.

    ``triager`` defaults to the general table plus the bundled corpus's own.
    """
    return (triager or default_triager()).triage(message)
