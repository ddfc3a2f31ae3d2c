"""Fit the not-found decision across corpora and report it leave-one-corpus-out (development time only).

Each labelled question of the project's sets (the bundled corpus) and of the three dev sets (other
clinics' leaflets) is searched as the chatbot searches it, and described by corpus-independent
features of the evidence (below). A logistic regression on those features, fitted with every corpus
and both classes weighted equally, gives the probability that the documents answer the question.

Reported leave-one-corpus-out: fitted without a corpus, measured on it, beside the current rule
(``min_coverage`` / ``min_relevance``). Those held-out figures are the ones that count.

    python scripts/fit_decision.py            # the LOCO table
    python scripts/fit_decision.py --json F   # also the features of every question, for analysis

Features (each in [0, 1] or close):
- coverage: IDF-weighted share of the question's topical words found in the best passage
- relevance: the best passage's BM25 score over the best score the question could get
- known: share of the question's content words the corpus has at all
- sentence: the best share of the question found in one sentence of the best passage
- heading: the share found in the best passage's own heading
- absent: the weighted share of the question the corpus lacks entirely
- gap: how far the first passage's score is ahead of the second's
- kind: 1 when the best passage's heading answers the kind of question asked (question types)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.bot import Bot  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.dialogue.reply import ReplyType  # noqa: E402
from chatbot.evaluation.set_files import load_question_set  # noqa: E402
from chatbot.retrieval.questiontypes import heading_types, question_types  # noqa: E402
from chatbot.retrieval.rerank import heading_terms, question_shares, sentence_units  # noqa: E402

FEATURES = ("coverage", "relevance", "known", "sentence", "heading", "absent", "gap", "kind")

CORPORA: dict[str, tuple[Path | None, tuple[str, ...]]] = {
    "bundled": (None, ("tests/qa/answerable.yaml", "tests/qa/unanswerable.yaml")),
    "ortho": (ROOT / "tests/devsets/ortho/corpus", ("tests/devsets/ortho/eval.yaml",)),
    "heart": (ROOT / "tests/devsets/heart/corpus", ("tests/devsets/heart/eval.yaml",)),
    "senses": (ROOT / "tests/devsets/senses/corpus", ("tests/devsets/senses/eval.yaml",)),
}


def features(bot: Bot, text: str) -> tuple[list[float], bool] | None:
    """The features of one question and the current rule's decision (None: nothing to search)."""
    query, hits, decision = bot._search(text, bot.settings.top_k)
    if not query.words:
        return None
    index = bot.index
    shares = question_shares(query, index)
    if hits:
        best = hits[0].passage
        units = tuple(terms for _text, _own, terms in sentence_units(best, index))
        sentence = shares.sentence(units)
        heading = shares.covered(heading_terms(best, index))
        second = hits[1].matched if len(hits) > 1 else 0.0
        gap = (hits[0].matched - second) / hits[0].matched if hits[0].matched else 0.0
        asked = question_types(text)
        kind = float(bool(asked & (heading_types(best.section_path[-1]) | heading_types(best.question or ""))))
    else:
        sentence = heading = gap = kind = 0.0
    total = shares.total or 1.0
    absent = sum(
        weight
        for word, weight in zip(query.words, shares.weights, strict=True)
        if not any(term in index.known_terms for term in word.terms)
    )
    row = [decision.coverage, decision.relevance, decision.known_share, sentence, heading, absent / total, gap, kind]
    return row, decision.answer


def collect(root: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name, (corpus, files) in CORPORA.items():
        bot = Bot.from_settings(Settings(corpus=corpus, index_cache=root / name))
        for file in files:
            for case in load_question_set(ROOT / file).cases:
                if case.is_conversation:
                    continue
                turn = case.turns[0]
                label = 1 if turn.expect.answerable else 0 if turn.expect.type is ReplyType.NOT_FOUND else None
                if label is None:
                    continue
                # Questions answered before retrieval (urgent, small talk, clinic details) are not this decision's.
                if bot.ask(turn.message).type not in (ReplyType.ANSWER, ReplyType.NOT_FOUND):
                    continue
                found = features(bot, turn.message)
                if found is None:
                    continue
                row, rule = found
                rows.append({"corpus": name, "id": case.id, "label": label, "rule": rule, "x": row})
    return rows


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weighted logistic regression by Newton's method (IRLS) with an L2 penalty; the last weight is the bias."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (w * (p - y)) + penalty @ beta
        hessian = (design * (w * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def predict(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ beta)))


def weights(corpora: Sequence[str], labels: np.ndarray) -> np.ndarray:
    """Each corpus weighs the same, and within it each class (answerable, not) weighs the same."""
    w = np.zeros(len(labels))
    names = sorted(set(corpora))
    for name in names:
        for label in (0, 1):
            mask = np.array([c == name for c in corpora]) & (labels == label)
            if mask.any():
                w[mask] = 1.0 / (2 * len(names) * mask.sum())
    return w * len(labels)


def rates(answer: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(answerable declined, unanswerable declined)."""
    answerable = labels == 1
    return float((~answer)[answerable].mean()), float((~answer)[~answerable].mean())


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The chance that an answerable question scores above an unanswerable one (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(".fit-cache"), help="index cache folder")
    parser.add_argument("--json", type=Path, help="write every question's features here")
    parser.add_argument("--threshold", type=float, default=0.5, help="answer when the probability is at least this")
    args = parser.parse_args()
    rows = collect(args.cache)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    x = np.array([row["x"] for row in rows], dtype=float)
    y = np.array([row["label"] for row in rows], dtype=float)
    rule = np.array([row["rule"] for row in rows], dtype=bool)
    corpus = [str(row["corpus"]) for row in rows]
    print(f"{len(rows)} questions; features: {', '.join(FEATURES)}; threshold {args.threshold}")
    print(
        "| held out | questions | rule: answerable declined | rule: unanswerable declined "
        "| model: answerable declined | model: unanswerable declined | model AUC | coverage AUC |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in CORPORA:
        held = np.array([c == name for c in corpus])
        train = ~held
        beta = fit(x[train], y[train], weights([c for c, t in zip(corpus, train, strict=True) if t], y[train]))
        answer = predict(beta, x[held]) >= args.threshold
        fd_rule, ud_rule = rates(rule[held], y[held])
        fd, ud = rates(answer, y[held])
        scores = predict(beta, x[held])
        print(
            f"| {name} | {held.sum()} | {fd_rule:.2f} | {ud_rule:.2f} | {fd:.2f} | {ud:.2f} "
            f"| {auc(scores, y[held]):.2f} | {auc(x[held][:, 0], y[held]):.2f} |"
        )
    beta = fit(x, y, weights(corpus, y))
    print("fitted on all:", ", ".join(f"{n}={b:+.3f}" for n, b in zip((*FEATURES, "bias"), beta, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
