"""Batch retrieval benchmark: ``chatbot eval --run`` on a synthetic FAQ collection.

Generates, in a temporary folder, an FAQ file of 20,000 rows (``id``, ``question``,
``answer``; Zipfian word frequencies over a vocabulary of real corpus words and
made-up words) and 1,000 questions in JSONL (``id``, ``text``, ``expect_passages``):
each question rewords one row's question (words dropped, shuffled, one swapped for
a random word), so the run also reports how often that row comes first.

Then it times the whole command as a user runs it, in a fresh process, including
Python start-up, reading the corpus and building the index::

    python -m chatbot eval questions.jsonl --corpus faq.jsonl --run run.jsonl --top-k 1000

and reports wall time and the peak resident memory of that process. Target: under
8 s and under 1 GB for 1,000 questions on 20,000 rows with ``--top-k 1000``.

Usage: ``python benchmarks/batch.py [--rows 20000] [--questions 1000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Real words from the bundled corpus first (most frequent ranks), then made-up ones."""
    words: dict[str, None] = {}
    for path in sorted((ROOT / "corpus").glob("*.md")):
        for word in path.read_text(encoding="utf-8").lower().split():
            word = word.strip(".,;:()[]\"'!?*#-–—")
            if word.isalpha() and len(word) > 2:
                words.setdefault(word, None)
    out = list(words)
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(out) < size:
        out.append("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return out[:size]


def generate(folder: Path, *, rows: int, questions: int, seed: int = 7) -> tuple[Path, Path]:
    rng = random.Random(seed)
    vocab = vocabulary(rng, 40_000)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocab))))

    def words(n: int) -> list[str]:
        return rng.choices(vocab, cum_weights=cumulative, k=n)

    faq = folder / "faq.jsonl"
    row_questions = []
    with faq.open("w", encoding="utf-8") as out:
        for i in range(rows):
            question = words(rng.randint(6, 12))
            row_questions.append(question)
            body = words(rng.randint(30, 90))
            if rng.random() < 0.4:  # numbers, ranges and percentages, as clinic FAQs have them
                number = rng.choice(["3-6 months", "90%", "2 weeks", "1,000", ">85%", "24"])
                body.insert(rng.randrange(len(body)), number)
            answer = " ".join(body).capitalize() + "."
            row = {"id": f"row-{i}", "question": " ".join(question).capitalize() + "?", "answer": answer}
            out.write(json.dumps(row) + "\n")
    path = folder / "questions.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(questions):
            target = rng.randrange(rows)
            kept = [w for w in row_questions[target] if rng.random() > 0.3] or row_questions[target][:2]
            rng.shuffle(kept)
            kept[rng.randrange(len(kept))] = words(1)[0]
            out.write(json.dumps({"id": f"q{n}", "text": " ".join(kept), "expect_passages": [f"row-{target}"]}) + "\n")
    return faq, path


def run_once(faq: Path, questions: Path, run: Path, top_k: int) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one ``chatbot eval --run`` process, and its output."""
    command = [sys.executable, "-m", "chatbot", "eval", str(questions), "--corpus", str(faq),
               "--run", str(run), "--top-k", str(top_k)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    log = run.with_suffix(".log")
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        # wait4 reaps the child and returns its own resource usage (peak RSS in kB on Linux).
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    output = log.read_text(encoding="utf-8")
    if proc.returncode not in (0, 1):
        raise SystemExit(f"chatbot eval failed ({proc.returncode}):\n{output}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def calibration() -> float:
    """CPU seconds of a 10-million-step pure-Python loop: how fast this machine runs Python."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top-k", type=int, nargs="+", default=[1000, 100])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        faq, questions = generate(folder, rows=args.rows, questions=args.questions)
        size_mb = faq.stat().st_size / 1e6
        print(f"generated {args.rows:,} FAQ rows ({size_mb:.1f} MB) and {args.questions:,} questions "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        print()
        print(f"load average before the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
              f"a 10-million-step Python loop takes {calibration():.2f} s CPU here "
              "(typically 0.3-0.5 s on a current desktop CPU)")  # fmt: skip
        print()
        print("| --top-k | wall time (median) | fastest | CPU time (median) | peak RSS | run file | hit@1 |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for top_k in args.top_k:
            run = folder / f"run-{top_k}.jsonl"
            times, cpu, peaks, output = [], [], [], ""
            for _ in range(args.repeat):
                seconds, cpu_seconds, peak, output = run_once(faq, questions, run, top_k)
                times.append(seconds)
                cpu.append(cpu_seconds)
                peaks.append(peak)
            hit1 = next((line.split()[1] for line in output.splitlines() if line.strip().startswith("hit@1")), "n/a")
            with run.open(encoding="utf-8") as lines:
                first = json.loads(next(lines))
            if len(first["ranking"]) > top_k or not first["ranking"]:
                raise SystemExit(f"unexpected run file: {len(first['ranking'])} entries for --top-k {top_k}")
            print(f"| {top_k} | {statistics.median(times):.2f} s | {min(times):.2f} s | {statistics.median(cpu):.2f} s "
                  f"| {max(peaks):.0f} MB "
                  f"| {run.stat().st_size / 1e6:.0f} MB | {hit1} |")  # fmt: skip
        print()
        print("Last output of chatbot eval:")
        print(output)


if __name__ == "__main__":
    main()
