"""Red-flag triage over `chatbot eval`-format question sets: recall per set and tier, false alarms, failures.

Usage::

    python scripts/triage_report.py tests/qa/*.yaml ../shared/devsets/*/eval.yaml
    python scripts/triage_report.py --clinic corpus/red_flags.yaml some_set.yaml
    python scripts/triage_report.py --general-only set.yaml   # no clinic table

A case counts as urgent when ``expect_type: urgent``; a look-alike is ``expect_type_not: urgent``
(or tagged lookalike); an answerable question is ``expect_type`` answer / not found / not_found.
The clinic table used for a set is ``--clinic`` if given, else ``corpus/red_flags.yaml`` beside
the set's folder when one exists (``<set dir>/corpus/red_flags.yaml``), else the bundled one for
files under tests/qa, else none.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.triage.redflags import Triager  # noqa: E402

ANSWERABLE = {"answer", "not found", "not_found"}


def cases(path: Path) -> list[tuple[str, str, str]]:
    """(id, message, role) with role urgent | lookalike | answerable."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[tuple[str, str, str]] = []
    for case in data.get("cases", []):
        turns = case.get("turns") or [case]
        for n, turn in enumerate(turns):
            message = turn.get("message")
            if not message:
                continue
            cid = str(case.get("id", "?")) + (f"/{n + 1}" if len(turns) > 1 else "")
            expect = turn.get("expect_type", case.get("expect_type") if len(turns) == 1 else None)
            tags = case.get("tags") or []
            if expect == "urgent":
                out.append((cid, message, "urgent"))
            elif (
                turn.get("expect_type_not") == "urgent"
                or case.get("expect_type_not") == "urgent"
                or "lookalike" in tags
            ):
                out.append((cid, message, "lookalike"))
            elif expect in ANSWERABLE or expect is None:
                out.append((cid, message, "answerable"))
    return out


def clinic_for(path: Path, args: argparse.Namespace) -> Path | None:
    if args.general_only:
        return None
    if args.clinic:
        return Path(args.clinic)
    beside = path.parent / "corpus" / "red_flags.yaml"
    if beside.is_file():
        return beside
    if path.resolve().parent == (ROOT / "tests" / "qa").resolve() or args.bundled:
        return ROOT / "corpus" / "red_flags.yaml"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--clinic", help="the clinic's red_flags.yaml for every set")
    parser.add_argument("--bundled", action="store_true", help="use the bundled clinic table for every set")
    parser.add_argument("--general-only", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="no failure lists")
    args = parser.parse_args()
    triagers: dict[Path | None, Triager] = {}
    print(
        f"{'set':34} {'urgent':>7} {'recall':>7} {'emerg':>6} {'urg':>5} {'look':>5} {'FA-em':>6} {'FA-urg':>6} "
        f"{'answ':>5} {'FA-em':>6} {'FA-urg':>6}"
    )
    failures: list[str] = []
    for path in args.files:
        clinic = clinic_for(path, args)
        if clinic not in triagers:
            triagers[clinic] = Triager.load(*([clinic] if clinic else []))
        triager = triagers[clinic]
        counts: Counter[str] = Counter()
        for cid, message, role in cases(path):
            result = triager.triage(message)
            counts[role] += 1
            tier = result.tier if result else None
            if role == "urgent":
                if result is None:
                    failures.append(f"MISS  {path.name}:{cid}: {message}")
                else:
                    counts[f"urgent-{tier}"] += 1
            elif result is not None:
                counts[f"{role}-{tier}"] += 1
                label = "FA-EM" if tier == "emergency" else "fa-urg"
                failures.append(f"{label} {path.name}:{cid} [{result.flag}: {result.matched}]: {message}")
        caught = counts["urgent-emergency"] + counts["urgent-urgent"]
        recall = f"{caught / counts['urgent']:.2f}" if counts["urgent"] else "-"
        name = f"{path.parent.name}/{path.name}"[-34:]
        print(
            f"{name:34} {counts['urgent']:>7} {recall:>7} {counts['urgent-emergency']:>6} {counts['urgent-urgent']:>5} "
            f"{counts['lookalike']:>5} {counts['lookalike-emergency']:>6} {counts['lookalike-urgent']:>6} "
            f"{counts['answerable']:>5} {counts['answerable-emergency']:>6} {counts['answerable-urgent']:>6}"
        )
    if not args.quiet:
        print()
        print("\n".join(failures) or "no failures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
