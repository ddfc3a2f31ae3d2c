"""Public test collections in batch mode: the BEIR layout, qrels and the figures published tables use.

A BEIR folder holds ``queries.jsonl`` (``_id``, ``text``, ``metadata``), ``corpus.jsonl``
(``_id``, ``title``, ``text``) and ``qrels/<split>.tsv`` (``query-id``, ``corpus-id``,
``score``, with a header row). ``chatbot eval FOLDER --run OUT`` reads them as they are:
the queries as the question file, the corpus as the corpus (unless ``--corpus`` names
another), ``qrels/test.tsv`` as the judgements (unless ``--qrels`` names another).

The figures are computed as ``trec_eval`` computes them from the TREC run file (so they
match ``trec_eval -m ndcg_cut.10 -m recall.100`` on it, and the tables made with it):

* the ranking of a query is the run's documents ordered by score, ties by document id,
  descending (trec_eval's order), each document once (its best passage);
* nDCG@10: gain = the qrels grade (linear), discount log2(rank + 1), the ideal from every
  judged document of the query;
* MRR@10: 1 / rank of the first document graded above 0 in the first 10, else 0;
* recall@100: documents graded above 0 in the first 100, over all such documents (0 when
  the query has none);
* each the mean over the queries both ranked and judged; queries the qrels judge that are
  not in the question files are counted and left out (trec_eval without ``-c``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.errors import EvalFileError

__all__ = [
    "Qrels",
    "QrelsMetrics",
    "beir_corpus",
    "beir_qrels",
    "evaluate_rankings",
    "is_beir_folder",
    "read_qrels",
    "trec_order",
]

QUERIES_FILE = "queries.jsonl"
CORPUS_FILE = "corpus.jsonl"
DEFAULT_SPLIT = "test"
#: How deep the figures look: nDCG@10 and MRR@10, recall@100.
TOP_DEPTH = 10
RECALL_DEPTH = 100

#: query id -> document id -> grade
Qrels = dict[str, dict[str, int]]


def is_beir_folder(path: Path) -> bool:
    """A folder in the BEIR layout (``queries.jsonl`` and ``corpus.jsonl``)."""
    return path.is_dir() and (path / QUERIES_FILE).is_file() and (path / CORPUS_FILE).is_file()


def _beir_folder(paths: Iterable[Path]) -> Path | None:
    folders = [path for path in paths if is_beir_folder(path)]
    if len(folders) > 1:
        raise EvalFileError(folders[1], "one BEIR folder per run: each has its own corpus")
    return folders[0] if folders else None


def beir_corpus(paths: Iterable[Path]) -> Path | None:
    """The ``corpus.jsonl`` of the BEIR folder among ``paths`` (None: no BEIR folder)."""
    folder = _beir_folder(paths)
    return folder / CORPUS_FILE if folder else None


def beir_qrels(paths: Iterable[Path], split: str = DEFAULT_SPLIT) -> Path | None:
    """The ``qrels/<split>.tsv`` of the BEIR folder among ``paths``, when there is one."""
    folder = _beir_folder(paths)
    found = folder / "qrels" / f"{split}.tsv" if folder else None
    return found if found is not None and found.is_file() else None


def read_qrels(path: Path) -> Qrels:
    """A BEIR qrels file (``query-id<TAB>corpus-id<TAB>score``, header row optional) or a TREC
    one (``qid 0 docid grade``); a document judged twice keeps its last grade, as BEIR's loader does."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror or str(exc)
        raise EvalFileError(path, f"cannot read the qrels file: {reason}") from None
    qrels: Qrels = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = [field.strip() for field in line.split("\t")] if "\t" in line else line.split()
        if not any(fields):
            continue
        if len(fields) not in (3, 4):
            reason = "expected query-id, corpus-id and score (or TREC's qid 0 docid grade)"
            raise EvalFileError(path, reason, case=f"line {number}")
        query, document, grade = (fields[0], fields[2], fields[3]) if len(fields) == 4 else fields
        try:
            value = int(grade)
        except ValueError:
            if number == 1 and not qrels:  # the header row (query-id corpus-id score)
                continue
            raise EvalFileError(path, f"the score {grade!r} is not a whole number", case=f"line {number}") from None
        qrels.setdefault(query, {})[document] = value
    if not qrels:
        raise EvalFileError(path, "the qrels file judges no query")
    return qrels


def trec_order(ranking: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Documents as trec_eval reads a run: each once (its first, best entry), by score, ties by id, descending."""
    best: dict[str, float] = {}
    for doc, score in ranking:
        best.setdefault(doc, score)
    return sorted(best.items(), key=lambda entry: (entry[1], entry[0]), reverse=True)


@dataclass(frozen=True, slots=True)
class QrelsMetrics:
    """The figures of a run against a qrels file (see the module's description)."""

    path: str
    ndcg10: float
    mrr10: float
    recall100: float
    queries: int
    not_ranked: int  # judged queries absent from the question files
    top_k: int

    def lines(self) -> list[str]:
        out = [
            f"Against {self.path} ({self.queries} queries judged and ranked, as trec_eval computes them):",
            f"  nDCG@10     {self.ndcg10:.4f}",
            f"  MRR@10      {self.mrr10:.4f}",
            f"  recall@100  {self.recall100:.4f}",
        ]
        if self.top_k < RECALL_DEPTH:
            out.append(f"  (recall@100 counts the {self.top_k} documents ranked per query: --top-k {self.top_k})")
        if self.not_ranked:
            many = self.not_ranked != 1
            out.append(
                f"  {self.not_ranked} {'queries' if many else 'query'} the qrels judge {'are' if many else 'is'} "
                "not in the question files (left out)."
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "qrels": self.path,
            "queries": self.queries,
            "not_ranked": self.not_ranked,
            "ndcg_cut_10": round(self.ndcg10, 6),
            "mrr_10": round(self.mrr10, 6),
            "recall_100": round(self.recall100, 6),
        }


def _query_figures(ranked: Sequence[str], judged: Mapping[str, int]) -> tuple[float, float, float]:
    grades = [max(judged.get(doc, 0), 0) for doc in ranked]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(grades[:TOP_DEPTH]))
    ideal_grades = sorted((g for g in judged.values() if g > 0), reverse=True)[:TOP_DEPTH]
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(ideal_grades))
    first = next((i for i, g in enumerate(grades[:TOP_DEPTH]) if g > 0), None)
    relevant = sum(1 for g in judged.values() if g > 0)
    found = sum(1 for g in grades[:RECALL_DEPTH] if g > 0)
    ndcg = dcg / ideal if ideal else 0.0
    reciprocal = 1 / (first + 1) if first is not None else 0.0
    return ndcg, reciprocal, found / relevant if relevant else 0.0


def evaluate_rankings(rankings: Mapping[str, Sequence[str]], qrels: Qrels, *, path: str, top_k: int) -> QrelsMetrics:
    """The figures of ``rankings`` (query id -> document ids in :func:`trec_order`) against ``qrels``."""
    queries = [query for query in rankings if query in qrels]
    figures = [_query_figures(rankings[query], qrels[query]) for query in queries]
    count = len(figures)

    def mean(i: int) -> float:
        return sum(row[i] for row in figures) / count if count else 0.0

    return QrelsMetrics(
        path=path,
        ndcg10=mean(0),
        mrr10=mean(1),
        recall100=mean(2),
        queries=count,
        not_ranked=sum(1 for query in qrels if query not in rankings),
        top_k=top_k,
    )
