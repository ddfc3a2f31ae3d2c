"""Soak run: ``chatbot serve`` under steady load for a long time; memory must level off and
no request may fail.

A pool of client threads (keep-alive connections, 127.0.0.1, rate limit off) sends
``POST /api/chat`` with varied messages (a number cycling through 5,000 values per
client defeats the reply cache, which fills to its bound like in production), plus ``GET /api/health`` and
``GET /api/documents`` now and then. Every ``--interval`` seconds the resident memory
(RSS) of all server processes together (the gunicorn master and its workers) is
recorded.

Pass criteria (exit 1 otherwise):

- no failed request: every response is a 200 and no connection error;
- memory levels off: the mean of the last quarter of the samples is at most
  ``--max-growth`` (default 10%) above the mean of the second quarter (after warm-up,
  while caches fill).

Usage::

    python benchmarks/soak.py                 # full: 10 minutes and at least 100,000 requests
    python benchmarks/soak.py --short         # CI: 40 s, at least 4,000 requests

Bounded: it stops at ``--duration`` seconds once ``--min-requests`` were sent, or at
twice the duration at the latest; the server is stopped at the end.
"""

from __future__ import annotations

import _sys_path  # noqa: F401  (first: takes this folder off sys.path)

# isort: split
import argparse
import http.client
import json
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

from benchmarks._serving import serve

QUESTIONS = [
    "How long does Botox last?",
    "What are the risks of microvascular decompression?",
    "What causes hemifacial spasm?",
    "how long is the hospital stay after mvd",
    "Is MVD surgery successful?",
    "Can medication help with facial twitching?",
    "Should I stop taking carbamazepine?",
    "hello",
    "What is the price of a new car?",
    "my face is drooping and my arm feels weak",
]


VARIANTS = 5_000


def rss_bytes(pid: int) -> int:
    """RSS of a process and all its children (gunicorn master + workers)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


class Client(threading.Thread):
    def __init__(self, port: int, number: int, stop: threading.Event, counts: Counter[str], lock: threading.Lock):
        super().__init__(daemon=True)
        self.port, self.number, self.stop_event, self.counts, self.lock = port, number, stop, counts, lock
        self.failures: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop_event.is_set():
            n += 1
            if n % 50 == 0:
                method, path, body = "GET", ("/api/health" if n % 100 else "/api/documents"), None
            else:
                # 5,000 variants per client: far more than the reply cache holds (2,048), so replies
                # are computed, while the per-process caches (stems, replies) fill to their bounds
                # early instead of growing with an endless supply of new numbers.
                message = f"{QUESTIONS[n % len(QUESTIONS)]} #{self.number}-{n % VARIANTS}"
                method, path, body = "POST", "/api/chat", json.dumps({"message": message}).encode()
            try:
                conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
                resp = conn.getresponse()
                resp.read()
                outcome = str(resp.status)
                if resp.status != 200:
                    self.failures.append(f"{method} {path}: {resp.status}")
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            except (OSError, http.client.HTTPException) as exc:
                outcome = "error"
                self.failures.append(f"{method} {path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self.lock:
                self.counts[outcome] += 1
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="CI mode: 40 s and at least 4,000 requests")
    parser.add_argument("--duration", type=float, default=None, help="seconds (full: 600)")
    parser.add_argument("--min-requests", type=int, default=None, help="requests at least (full: 100,000)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--interval", type=float, default=None, help="seconds between memory samples")
    parser.add_argument("--max-growth", type=float, default=0.10, help="allowed growth, last vs second quarter")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path, default=None, help="also write samples and results to this file")
    args = parser.parse_args()
    duration = args.duration or (40.0 if args.short else 600.0)
    min_requests = args.min_requests or (4_000 if args.short else 100_000)
    interval = args.interval or (2.0 if args.short else 10.0)

    serve_args = ["--workers", str(args.workers), "--threads", str(args.threads)]
    with tempfile.TemporaryDirectory() as tmp:
        with serve(Path(tmp), args=serve_args) as running:
            server, port = running.process, running.port
            counts: Counter[str] = Counter()
            lock = threading.Lock()
            stop = threading.Event()
            clients = [Client(port, n, stop, counts, lock) for n in range(args.clients)]
            samples: list[tuple[float, int, int]] = []  # (seconds, requests so far, rss bytes)
            started = time.monotonic()
            samples.append((0.0, 0, rss_bytes(server.pid)))
            for client in clients:
                client.start()
            while True:
                time.sleep(interval)
                elapsed = time.monotonic() - started
                with lock:
                    done = sum(counts.values())
                samples.append((elapsed, done, rss_bytes(server.pid)))
                print(f"  {elapsed:6.0f} s  {done:8,} requests  RSS {samples[-1][2] / 2**20:7.1f} MiB", flush=True)
                if (elapsed >= duration and done >= min_requests) or elapsed >= 2 * duration:
                    break
                if server.poll() is not None:
                    break
            stop.set()
            for client in clients:
                client.join(timeout=35)
            elapsed = time.monotonic() - started
        server_log = running.log.read_text(errors="replace")

    total = sum(counts.values())
    failures = [failure for client in clients for failure in client.failures]
    rss = [sample[2] for sample in samples[1:]] or [samples[0][2]]
    quarter = max(1, len(rss) // 4)
    second_quarter = statistics.mean(rss[quarter : 2 * quarter] or rss[:1])
    last_quarter = statistics.mean(rss[-quarter:])
    growth = last_quarter / second_quarter - 1 if second_quarter else 0.0
    mib = 2**20
    print(f"\nsoak ({'short' if args.short else 'full'}): {elapsed:.0f} s, {total:,} requests "
          f"({total / elapsed:,.0f}/s), {args.clients} clients, "
          f"gunicorn {args.workers} workers x {args.threads} threads")
    print(f"responses: {dict(sorted(counts.items()))}; failed: {len(failures)}")
    print(f"server RSS (master + workers): start {samples[0][2] / mib:.1f} MiB (idle, before load), "
          f"first sample under load {rss[0] / mib:.1f} MiB, end {rss[-1] / mib:.1f} MiB, max {max(rss) / mib:.1f} MiB")
    print(f"memory level: second quarter mean {second_quarter / mib:.1f} MiB, last quarter mean "
          f"{last_quarter / mib:.1f} MiB, growth {growth:+.1%} (allowed {args.max_growth:+.0%})")
    if args.json:
        args.json.write_text(json.dumps({
            "mode": "short" if args.short else "full", "seconds": elapsed, "requests": total,
            "failures": len(failures), "samples": samples, "growth": growth,
        }, indent=1))
    ok = True
    if failures:
        print("FAIL: failed requests, first ones: " + "; ".join(failures[:5]))
        ok = False
    if total < min_requests:
        print(f"FAIL: only {total:,} requests (at least {min_requests:,})")
        ok = False
    if growth > args.max_growth:
        print("FAIL: memory keeps growing")
        ok = False
    if "Traceback" in server_log:
        print("FAIL: the server log has a traceback:\n" + server_log[-2000:])
        ok = False
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
