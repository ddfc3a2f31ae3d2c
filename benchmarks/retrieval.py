"""Retrieval speed and memory: our BM25+ index side by side with rank_bm25.

Measures, in one run:

* the bundled corpus: start-up (load, split, analyse, index), resident memory, and
  per-question latency of the whole ``Bot.ask`` and of its steps (analysis, search),
  against ``rank_bm25.BM25Plus.get_scores`` on the same passages and terms;
* synthetic Zipfian corpora (default 10,000 and 100,000 passages of 30-120 words,
  3-8 word queries drawn from the same distribution): index build time and memory
  (resident set size delta, read from /proc/self/statm), search latency p50/p95,
  scoring alone, the top-k step alone (and a full sort for comparison), and
  rank_bm25's build and ``get_scores`` (on a sample of queries for large corpora:
  it loops over every passage in Python for each query term);
* a check that our scores equal rank_bm25's and that our top k are its top k.

Usage::

    python benchmarks/retrieval.py                    # the figures in docs/performance.md
    python benchmarks/retrieval.py --sizes 10000 --queries 200   # a quick run

Prints Markdown tables; exits 1 if any score differs from rank_bm25's.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Run as a script, this folder is first on sys.path, and its other scripts (http.py)
# would shadow standard-library modules that nltk imports.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import numpy as np  # noqa: E402
import rank_bm25  # noqa: E402
import yaml  # noqa: E402

from chatbot.bot import Bot  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.retrieval.bm25 import BM25Index, BM25Params, top_positions  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FALLBACK_QUESTIONS = [
    "What is hemifacial spasm?",
    "How long does Botox last?",
    "What are the risks of MVD?",
    "How long will I be in hospital after the operation?",
    "Which artery causes the spasm?",
    "Can tablets help with facial twitching?",
    "What is the success rate of microvascular decompression?",
    "What is the capital of France?",
]


def rss_bytes() -> int:
    """Resident set size of this process, in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def measured_rss_delta(build: Callable[[], Any]) -> tuple[Any, float, int]:
    """(result, seconds, RSS growth in bytes) of ``build()``."""
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    result = build()
    seconds = time.perf_counter() - start
    gc.collect()
    return result, seconds, rss_bytes() - before


def latencies_ms(func: Callable[[Any], Any], items: Sequence[Any], *, warmup: int = 5) -> list[float]:
    for item in items[:warmup]:
        func(item)
    out = []
    for item in items:
        start = time.perf_counter_ns()
        func(item)
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def fmt_ms(values: Sequence[float]) -> str:
    return f"{pct(values, 50):.3f} / {pct(values, 95):.3f}"


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n else "n/a"


def reference_top(scores: np.ndarray[Any, Any], matched_any: np.ndarray[Any, Any], k: int) -> list[int]:
    positions = np.flatnonzero(matched_any)
    order = np.lexsort((positions, -scores[positions]))[:k]
    return [int(i) for i in positions[order]]


def bundled_questions() -> list[str]:
    questions: list[str] = []
    for name in ("answerable.yaml", "unanswerable.yaml"):
        path = ROOT / "tests" / "qa" / name
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            questions += [str(case["message"]) for case in data.get("cases", []) if case.get("message")]
    return questions or FALLBACK_QUESTIONS


def bench_bundled(top_k: int, repeat: int) -> tuple[list[str], bool]:
    settings = Settings()
    bot, seconds, rss = measured_rss_delta(lambda: Bot.from_settings(settings))
    questions = bundled_questions() * repeat
    index = bot.index
    queries = [index.query(q) for q in questions]
    terms = [list(q.terms) for q in queries]
    params = index.bm25.params
    passage_terms = [index.analyzer.terms(p.search_text) for p in index.passages]
    reference = rank_bm25.BM25Plus(passage_terms, k1=params.k1, b=params.b, delta=params.delta)
    equal = all(np.allclose(index.bm25.scores(t), reference.get_scores(t), rtol=1e-9, atol=1e-9) for t in terms)
    ask = latencies_ms(bot.ask, questions)
    analyse = latencies_ms(index.query, questions)
    search = latencies_ms(lambda q: index.search(q, top_k=max(settings.top_k * 4, 10)), queries)
    retrieval = latencies_ms(lambda q: index.search(index.query(q), top_k=max(settings.top_k * 4, 10)), questions)
    bm25_only = latencies_ms(lambda t: index.bm25.search(t, top_k=top_k), terms)
    matched = [index.bm25.matched_scores(t) for t in terms]
    topk = latencies_ms(lambda m: top_positions(m, top_k), matched)
    ref = latencies_ms(reference.get_scores, terms)
    lines = [
        "### Bundled corpus",
        "",
        f"{len(bot.corpus.documents)} documents, {len(index)} passages, {len(bundled_questions())} questions "
        f"(the QA question sets) x {repeat}. Start-up (load, split, analyse, index): {seconds * 1000:.0f} ms, "
        f"resident memory +{mb(rss)}.",
        "",
        "| step | p50 / p95 (ms) |",
        "|---|---|",
        f"| `Bot.ask` end to end (analysis, search, not-found decision, reply) | {fmt_ms(ask)} |",
        f"| retrieval: analysis + `PassageIndex.search` | {fmt_ms(retrieval)} |",
        f"| analysis of the question (tokens, stems, synonyms, spelling) | {fmt_ms(analyse)} |",
        f"| `PassageIndex.search` (with matched terms) | {fmt_ms(search)} |",
        f"| `BM25Index.search` (scores + top {top_k}) | {fmt_ms(bm25_only)} |",
        f"| top-{top_k} step alone | {fmt_ms(topk)} |",
        f"| rank_bm25 `BM25Plus.get_scores` (scores only, no top k) | {fmt_ms(ref)} |",
        "",
        f"Scores equal rank_bm25's on every question: {'yes' if equal else 'NO'}.",
        "",
    ]
    return lines, equal


def zipf_corpus(size: int, vocab: int, exponent: float, rng: np.random.Generator) -> list[list[str]]:
    words = [f"w{i}" for i in range(vocab)]
    probs = 1.0 / np.arange(1, vocab + 1) ** exponent
    probs /= probs.sum()
    lengths = rng.integers(30, 121, size)
    drawn = rng.choice(vocab, size=int(lengths.sum()), p=probs)
    corpus, pos = [], 0
    for length in lengths:
        corpus.append([words[j] for j in drawn[pos : pos + length]])
        pos += length
    return corpus


def zipf_queries(count: int, vocab: int, exponent: float, rng: np.random.Generator) -> list[list[str]]:
    probs = 1.0 / np.arange(1, vocab + 1) ** exponent
    probs /= probs.sum()
    return [[f"w{j}" for j in rng.choice(vocab, size=int(rng.integers(3, 9)), p=probs)] for _ in range(count)]


def bench_synthetic(size: int, args: argparse.Namespace) -> tuple[list[str], bool]:
    rng = np.random.default_rng(args.seed + size)
    corpus = zipf_corpus(size, args.vocab, args.exponent, rng)
    queries = zipf_queries(args.queries, args.vocab, args.exponent, rng)
    params = BM25Params()
    index, build_s, build_rss = measured_rss_delta(lambda: BM25Index(corpus, params=params))
    search = latencies_ms(lambda q: index.search(q, top_k=args.top_k), queries)
    scoring = latencies_ms(index.matched_scores, queries)
    sample = queries[: min(len(queries), 200)]
    matched = [index.matched_scores(q) for q in sample]
    topk = latencies_ms(lambda m: top_positions(m, args.top_k), matched)
    fullsort = latencies_ms(lambda m: np.argsort(-m, kind="stable")[: args.top_k], matched)
    reference, ref_build_s, ref_rss = measured_rss_delta(
        lambda: rank_bm25.BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    )
    n_ref = args.reference_queries if size > 20_000 else min(len(queries), args.reference_queries * 10)
    ref_queries = queries[:n_ref]
    ref = latencies_ms(reference.get_scores, ref_queries, warmup=1)
    equal = True
    for q in ref_queries:
        ours, theirs = index.scores(q), reference.get_scores(q)
        matched_any = index.matched_scores(q) > 0
        got = [h.index for h in index.search(q, top_k=args.top_k)]
        want = reference_top(theirs, matched_any, args.top_k)
        same_top = got == want or np.allclose(ours[got], theirs[want], rtol=1e-9)
        equal = equal and bool(np.allclose(ours, theirs, rtol=1e-9, atol=1e-9)) and same_top
    del reference
    lines = [
        f"### Synthetic Zipfian corpus, {size:,} passages",
        "",
        f"{size:,} passages of 30-120 words over {args.vocab:,} words (Zipf exponent {args.exponent}); "
        f"{len(queries)} queries of 3-8 words from the same distribution; top {args.top_k}.",
        "",
        "| | ours | rank_bm25 `BM25Plus` |",
        "|---|---|---|",
        f"| index build | {build_s:.2f} s | {ref_build_s:.2f} s |",
        f"| resident memory of the index (RSS delta) | +{mb(build_rss)} | +{mb(ref_rss)} |",
        f"| numpy arrays held by the index | {mb(index.nbytes)} (dense vectors for {index.dense_terms} terms) | |",
        f"| per query, p50 / p95 (ms): search = scores + top {args.top_k} | {fmt_ms(search)} | "
        f"{fmt_ms(ref)} (`get_scores` only, {len(ref_queries)} queries) |",
        f"| scoring alone, p50 / p95 (ms) | {fmt_ms(scoring)} | |",
        f"| top-{args.top_k} step alone, p50 / p95 (ms) | {fmt_ms(topk)} | full `argsort`: {fmt_ms(fullsort)} |",
        "",
        f"Scores equal rank_bm25's and the same top {args.top_k} on {len(ref_queries)} queries: "
        f"{'yes' if equal else 'NO'}.",
        "",
    ]
    return lines, equal


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="synthetic corpus sizes")
    parser.add_argument("--queries", type=int, default=1000, help="queries per synthetic corpus")
    parser.add_argument(
        "--reference-queries", type=int, default=20, help="queries timed with rank_bm25 at 100k (x10 at 10k)"
    )
    parser.add_argument("--vocab", type=int, default=50_000, help="synthetic vocabulary size")
    parser.add_argument("--exponent", type=float, default=1.07, help="Zipf exponent of word frequencies")
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the bundled question sets")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    out = [
        "## Retrieval benchmark",
        "",
        f"Python {platform.python_version()}, numpy {np.__version__}, rank_bm25 "
        f"{getattr(rank_bm25, '__version__', '0.2.2')}, {platform.machine()}, {os.cpu_count()} CPUs. "
        "Latencies are wall-clock per call after warm-up.",
        "",
    ]
    lines, all_equal = bench_bundled(args.top_k, args.repeat)
    out += lines
    print("\n".join(out), flush=True)
    for size in args.sizes:
        lines, equal = bench_synthetic(size, args)
        all_equal = all_equal and equal
        print("\n".join(lines), flush=True)
    print(f"Peak resident memory of the whole run: {mb(peak_rss())}.")
    return 0 if all_equal else 1


def peak_rss() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
