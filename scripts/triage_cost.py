"""What red-flag triage costs per message: median and p95 over a typical message mix.

The mix is every message of the project's question sets (tests/qa/*.yaml): answerable and
unanswerable questions, small talk, urgent messages and their look-alikes. Each message is
triaged once to warm the caches (as a running server would be), then timed ``--rounds`` times;
the figure per message is its fastest round (the least disturbed by other processes).

Usage::

    python scripts/triage_cost.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.triage.redflags import default_triager  # noqa: E402


def messages() -> list[str]:
    out = []
    for path in sorted((ROOT / "tests" / "qa").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            for turn in case.get("turns") or [case]:
                if turn.get("message"):
                    out.append(str(turn["message"]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    triager = default_triager()
    mix = messages()
    for message in mix:
        triager.triage(message)
    best = [float("inf")] * len(mix)
    for _ in range(args.rounds):
        for i, message in enumerate(mix):
            start = time.perf_counter()
            triager.triage(message)
            best[i] = min(best[i], time.perf_counter() - start)
    best.sort()
    p95 = best[int(0.95 * (len(best) - 1))]
    print(f"{len(mix)} messages: median {statistics.median(best) * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms, "
          f"max {best[-1] * 1e3:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
