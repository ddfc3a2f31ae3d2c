"""Reload time on the bundled corpus: build, saved-index load, in-process swap, and a live server.

Usage: python benchmarks/reload.py [--repeat 5] [--live]

Prints a Markdown table. ``--live`` also starts ``chatbot serve`` (2 workers, default
watch interval) on a free 127.0.0.1 port with a copy of the corpus and measures, from
the moment a new document is written, how long until every answer includes it, and how
long a SIGHUP takes until new workers answer.
"""

from __future__ import annotations

import _sys_path  # noqa: F401  (first: takes this folder off sys.path)

# isort: split
import argparse
import json
import shutil
import signal
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._serving import call, serve
from chatbot.bot import Bot
from chatbot.clinic import bundled_corpus_dir
from chatbot.config import Settings
from chatbot.retrieval import store as indexstore
from chatbot.serve.reloader import BotHolder

NEW_DOC = "---\ntitle: Parking\n---\n\n## Parking\n\nVisitors park free of charge on Willow Lane for four hours.\n"


def timed(func: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def live(folder: Path) -> dict[str, float]:
    args = ["--workers", "2", "--corpus", str(folder)]
    with serve(folder.parent, args=args, env={"CHATBOT_WATCH": "true"}) as server:
        base, process, log = server.url, server.process, server.log
        started = time.monotonic()
        (folder / "parking.md").write_text(NEW_DOC, encoding="utf-8")

        def everywhere() -> bool:
            replies = [call(base + "/api/chat", {"message": "Where can I park?"}) for _ in range(6)]
            return all("Willow" in json.dumps(reply) for reply in replies)

        while not everywhere():
            time.sleep(0.05)
        watch = time.monotonic() - started
        booted = log.read_text().count("Booting worker")
        started = time.monotonic()
        process.send_signal(signal.SIGHUP)
        while log.read_text().count("Booting worker") < booted + 2:
            time.sleep(0.02)
        while True:
            try:
                call(base + "/api/health")
                break
            except OSError:
                time.sleep(0.02)
        hup = time.monotonic() - started
        return {"watch": watch, "hup": hup}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--live", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        shutil.copytree(bundled_corpus_dir(), folder, ignore=shutil.ignore_patterns(".*"))
        settings = Settings(corpus=folder)
        Bot.from_settings(settings)  # imports and caches warm
        build = timed(lambda: Bot.from_settings(settings), args.repeat)
        digest = indexstore.fingerprint(settings)
        bot = Bot.from_settings(settings)
        indexstore.save(bot.corpus, bot.index, settings, digest)
        fingerprint = timed(lambda: indexstore.fingerprint(settings), args.repeat)
        load = timed(lambda: indexstore.load(settings, digest), args.repeat)
        holder = BotHolder.start(settings)

        changes = iter(range(1_000_000))

        def change_and_reload() -> None:  # new content every time: a real build, never a saved set
            (folder / "extra.md").write_text(f"# Opening hours\n\nWe open at {next(changes)} past eight.\n", "utf-8")
            holder.reload()

        swap = timed(change_and_reload, args.repeat)
        (folder / "extra.md").unlink()
        holder.reload()
        rows = [
            ("build from the files (read, split, analyse, index)", build),
            ("fingerprint (hash every corpus file)", fingerprint),
            ("load the saved index", load),
            ("in-process reload after a change (fingerprint, build, save, swap)", swap),
        ]
        if args.live:
            figures = live(folder)
            rows.append(("live: new file written -> every answer includes it (watch, 2 s interval)", figures["watch"]))
            rows.append(("live: SIGHUP -> new workers answering", figures["hup"]))
    documents = len(holder.bot.corpus.documents)
    print(f"Bundled corpus ({documents} documents, {len(holder.bot.passages)} passages), median of {args.repeat}:\n")
    print("| step | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
