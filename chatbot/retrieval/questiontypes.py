"""Question types: what a question asks about a subject (its cause, treatment, outlook ...), and the
headings that answer that kind of question, from the packaged ``chatbot/data/question_types.yaml``.

Health leaflets divide a subject the same way whoever writes them ("What causes X?", "Symptoms",
"How common it is"), and patients ask in other words ("why does X happen", "how many people get
X"). The types are MedQuAD's (see the data file), so nothing in them belongs to one clinic.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

__all__ = ["heading_types", "question_types"]

_TABLE = "data/question_types.yaml"


@lru_cache(maxsize=1)
def _patterns() -> dict[str, tuple[re.Pattern[str], re.Pattern[str]]]:
    data = yaml.safe_load(resources.files("chatbot").joinpath(_TABLE).read_text(encoding="utf-8"))
    return {
        name: (re.compile("|".join(entry["question"])), re.compile("|".join(entry["heading"])))
        for name, entry in data.items()
    }


def question_types(text: str) -> frozenset[str]:
    """The types a question asks ("why does it happen?" -> causes); empty when it names none."""
    lowered = text.lower()
    return frozenset(name for name, (asked, _heading) in _patterns().items() if asked.search(lowered))


@lru_cache(maxsize=8192)
def heading_types(text: str) -> frozenset[str]:
    """The types of question a heading answers ("How many people are affected by X?" -> frequency)."""
    lowered = text.lower()
    return frozenset(name for name, (_asked, heading) in _patterns().items() if heading.search(lowered))
