"""The stemmed rank-bm25 peer beside the chatbot, on the same question sets.

The peer is what a twenty-line build of this product's design card does: rank-bm25's BM25Okapi
over blank-line paragraphs, regex tokens, English stopwords and nltk's Snowball stemmer, top 3
paragraphs as the answer, no declining. The chatbot's figures are `chatbot eval`'s (its own
passages, its decision). A passage hits when its text holds one of a case's `expect_text`
phrases (case, dashes and spaces folded), as in `chatbot eval`.

Usage::

    python benchmarks/peers.py                    # bundled corpus + tests/devsets/*
    python benchmarks/peers.py --set tests/devsets/heart/eval.yaml --corpus tests/devsets/heart/corpus

Prints a markdown table: hit@1 / hit@3 of the peer and of the chatbot, and the chatbot's decline
figures, per set.

The two rank different units: the peer whole blank-line paragraphs (up to 1,900 words in the dev
sets' leaflets), the chatbot its 30-120-word passages, and a longer unit holds more expected
phrases. ``--equal-units`` compares the rankings alone on the same units: the peer's paragraphs
are written as an FAQ file, the chatbot ranks them in batch mode (``chatbot eval --run``, no
decision), and both are scored on the answerable questions (a paragraph is relevant when it
holds an expected phrase)::

    python benchmarks/peers.py --equal-units
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import _sys_path  # noqa: F401  (puts the repository first on sys.path)
import yaml
from nltk.stem.snowball import SnowballStemmer
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parents[1]
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
_TOKEN = re.compile(r"[a-z0-9]+")
_FOLD = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2018": "'"})


def fold(text: str) -> str:
    return " ".join(text.translate(_FOLD).lower().split())


class Peer:
    """rank-bm25 + Snowball over the blank-line paragraphs of a folder's .md and .txt files."""

    def __init__(self, folder: Path) -> None:
        stemmer = SnowballStemmer("english")
        self._stem = stemmer.stem
        paragraphs: list[str] = []
        for path in sorted(folder.iterdir()):
            if path.suffix not in {".md", ".txt"}:
                continue
            text = path.read_text(encoding="utf-8")
            if text.startswith("---"):
                end = text.find("\n---", 3)
                text = text[end + 4 :] if end > 0 else text
            paragraphs += [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        self.paragraphs = paragraphs
        self.bm25 = BM25Okapi([self.tokens(p) for p in paragraphs])

    def tokens(self, text: str) -> list[str]:
        return [self._stem(t) for t in _TOKEN.findall(text.lower()) if t not in _STOP]

    def top(self, question: str, k: int = 3) -> list[str]:
        scores = self.bm25.get_scores(self.tokens(question))
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
        return [self.paragraphs[i] for i in order]


def peer_figures(questions: Path, corpus: Path) -> tuple[float, float, int]:
    """hit@1 and hit@3 of the peer over the set's answerable questions with expected phrases."""
    peer = Peer(corpus)
    cases = [
        c
        for c in yaml.safe_load(questions.read_text(encoding="utf-8"))["cases"]
        if c.get("expect_type") == "answer" and c.get("expect_text") and c.get("message")
    ]
    hit1 = hit3 = 0
    for case in cases:
        wanted = [fold(e) for e in case["expect_text"]]
        found = [any(w in fold(p) for w in wanted) for p in peer.top(case["message"])]
        hit1 += bool(found and found[0])
        hit3 += any(found)
    return hit1 / len(cases), hit3 / len(cases), len(cases)


def chatbot_figures(questions: Path, corpus: Path | None) -> dict[str, Any]:
    """`chatbot eval`'s metrics for the set (its own passages and its decision)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run.json"
        args = [sys.executable, "-m", "chatbot", "eval", str(questions), "--json", str(out)]
        if corpus is not None:
            args += ["--corpus", str(corpus)]
        subprocess.run(args, cwd=ROOT, capture_output=True, check=False)
        metrics: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))["metrics"]
    return metrics


def equal_units(questions: Path, corpus: Path) -> tuple[tuple[float, float, float], tuple[float, float, float], int]:
    """(hit@1, hit@3, MRR@10) of the peer and of the chatbot's batch ranking over the peer's paragraphs."""
    peer = Peer(corpus)
    cases = [
        c
        for c in yaml.safe_load(questions.read_text(encoding="utf-8"))["cases"]
        if c.get("expect_type") == "answer" and c.get("expect_text") and c.get("message")
    ]
    relevant = {
        case["id"]: {
            n
            for n, paragraph in enumerate(peer.paragraphs)
            if any(fold(e) in fold(paragraph) for e in case["expect_text"])
        }
        for case in cases
    }
    cases = [case for case in cases if relevant[case["id"]]]

    def figures(rankings: dict[str, list[int]]) -> tuple[float, float, float]:
        h1 = h3 = rr = 0.0
        for case in cases:
            ranks = [i for i, n in enumerate(rankings.get(case["id"], [])[:10]) if n in relevant[case["id"]]]
            h1 += bool(ranks and ranks[0] == 0)
            h3 += bool(ranks and ranks[0] < 3)
            rr += 1 / (ranks[0] + 1) if ranks else 0.0
        return h1 / len(cases), h3 / len(cases), rr / len(cases)

    ours: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        faq, asked, run = Path(folder) / "faq.jsonl", Path(folder) / "questions.jsonl", Path(folder) / "run.jsonl"
        with faq.open("w", encoding="utf-8") as handle:
            for n, paragraph in enumerate(peer.paragraphs):
                handle.write(json.dumps({"_id": f"p{n}", "title": "", "text": paragraph}) + "\n")
        with asked.open("w", encoding="utf-8") as handle:
            for case in cases:
                handle.write(json.dumps({"id": case["id"], "text": case["message"]}) + "\n")
        args = [sys.executable, "-m", "chatbot", "eval", str(asked), "--corpus", str(faq), "--run", str(run)]
        subprocess.run([*args, "--top-k", "10"], cwd=ROOT, capture_output=True, check=True)
        for line in run.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            ours[row["id"]] = [int(hit["id"][1:]) for hit in row["ranking"]]
    theirs = {case["id"]: _peer_order(peer, case["message"]) for case in cases}
    return figures(theirs), figures(ours), len(cases)


def _peer_order(peer: Peer, question: str) -> list[int]:
    scores = peer.bm25.get_scores(peer.tokens(question))
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:10]


def value(metrics: dict[str, Any], name: str) -> str:
    found = metrics.get(name) or {}
    return "-" if found.get("value") is None else f"{found['value']:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, action="append", help="a question set (eval format)")
    parser.add_argument("--corpus", type=Path, action="append", help="its corpus folder (same order as --set)")
    parser.add_argument("--equal-units", action="store_true", help="rank the peer's paragraphs with both (no decision)")
    args = parser.parse_args()
    if args.set:
        pairs = list(zip(args.set, args.corpus or [None] * len(args.set), strict=True))
    else:
        pairs = [(ROOT / "tests" / "qa" / "answerable.yaml", None)]
        devsets = sorted(d for d in (ROOT / "tests" / "devsets").iterdir() if d.is_dir())
        pairs += [(d / "eval.yaml", d / "corpus") for d in devsets]
    if args.equal_units:
        print(
            "| set (the peer's paragraphs) | questions | peer hit@1 / hit@3 / MRR@10 | chatbot hit@1 / hit@3 / MRR@10 |"
        )
        print("|---|---|---|---|")
        for questions, corpus in pairs:
            theirs, ours, count = equal_units(questions, corpus or ROOT / "corpus")
            name = questions.parent.name if corpus else questions.stem
            peer_row, our_row = (" / ".join(f"{x:.2f}" for x in row) for row in (theirs, ours))
            print(f"| {name} | {count} | {peer_row} | {our_row} |")
        return
    print(
        "| set | peer hit@1 | peer hit@3 | chatbot hit@1 | chatbot hit@3 | answerable declined "
        "| unanswerable declined |"
    )
    print("|---|---|---|---|---|---|---|")
    for questions, corpus in pairs:
        p1, p3, _n = peer_figures(questions, corpus or ROOT / "corpus")
        ours = chatbot_figures(questions, corpus)
        name = questions.parent.name if corpus else questions.stem
        print(
            f"| {name} | {p1:.2f} | {p3:.2f} | {value(ours, 'hit1')} | {value(ours, 'hit3')} | "
            f"{value(ours, 'false_decline')} | {value(ours, 'decline')} |"
        )


if __name__ == "__main__":
    main()
