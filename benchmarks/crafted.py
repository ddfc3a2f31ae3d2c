"""Crafted messages and junk words against the bot in this process (issue 16, findings 6 and 7).

* CPU: the worst crafted messages a red team found (U+FDFA, which NFKC expands 18-fold; runs
  of spaces for the clause split; long runs of one letter; many short words), each through
  ``Bot.ask`` after a warm-up, best and median of ``--repeat`` runs in milliseconds, against
  an ordinary question. Target: every crafted message under 10 ms.
* Memory: resident set size before and after ``--junk`` unique junk words (default 100,000),
  sent a hundred to a message, so the analysis caches see every one of them.

Usage::

    python benchmarks/crafted.py                 # both, about half a minute
    python benchmarks/crafted.py --junk 20000    # a quicker memory run

Bounded: the message set is fixed and the junk run stops after ``--junk`` words.
"""

from __future__ import annotations

import _sys_path  # noqa: F401  (first: takes this folder off sys.path)

# isort: split
import argparse
import contextlib
import gc
import random
import statistics
import string
import time

import psutil

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.errors import RequestError

CRAFTED = {
    "ordinary question": "How long is the recovery after microvascular decompression?",
    "U+FDFA x 999": "\ufdfa" * 999,
    "U+FDFA x 55 (NFKC ~1000)": "\ufdfa" * 55,
    "spaces run, then ' and'": "what is mvd" + " " * 980 + "x and",
    "spaces between words": ("word " + " " * 40) * 20 + " and?",
    "one letter x 1000": "a" * 1000,
    "500 one-letter words": "a " * 500,
    "commas and spaces": ", " * 500,
    "misspelt long words": " ".join("decompressionx" + c for c in string.ascii_lowercase * 2)[:1000],
    "U+FB03 ligatures x 999": "\ufb03" * 999,
}


def cost_ms(bot: Bot, message: str, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.suppress(RequestError):
            bot.ask(message)
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def junk_words(count: int, seed: int = 16) -> list[str]:
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    return ["".join(rng.choice(letters) for _ in range(rng.randint(6, 12))) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--junk", type=int, default=100_000)
    args = parser.parse_args()
    bot = Bot.from_settings(Settings())
    # Warm-up, so the lazily built spelling indexes are not counted as growth.
    for message in ("warm up the caches", "decompresion risks", "botx", "whta is hfs", "qzxvbnmkl wrtyp"):
        bot.ask(message)
    print(f"{'message':<28} {'best ms':>8} {'median ms':>10}")
    for name, message in CRAFTED.items():
        best, median = cost_ms(bot, message, args.repeat)
        print(f"{name:<28} {best:8.2f} {median:10.2f}")

    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    words = junk_words(args.junk)
    started = time.perf_counter()
    for i in range(0, len(words), 100):
        bot.ask(" ".join(words[i : i + 100])[:1000])
    gc.collect()
    after = process.memory_info().rss
    print(
        f"RSS: {before / 2**20:.1f} MB before, {after / 2**20:.1f} MB after {len(words):,} unique junk words "
        f"(+{(after - before) / 2**20:.1f} MB, {time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
