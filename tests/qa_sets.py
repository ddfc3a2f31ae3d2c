"""Read the project's question sets (tests/qa/*.yaml) for pytest, until `chatbot eval` runs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

QA_DIR = Path(__file__).parent / "qa"


def load_cases(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((QA_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return list(data["cases"])


def messages(name: str) -> list[str]:
    """Every message of a set, single-turn and conversation turns alike."""
    out = []
    for case in load_cases(name):
        if "message" in case:
            out.append(case["message"])
        out.extend(turn["message"] for turn in case.get("turns", ()))
    return out
