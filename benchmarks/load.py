"""Load test: throughput, p50/p95/p99 latency and errors of ``POST /api/chat`` under
``chatbot serve`` at 1, 8, 32 and 128 concurrent clients (Debian's ``wrk``).

The server runs as users run it (``python -m chatbot serve`` on a free port of
127.0.0.1, gunicorn gthread workers) with ``CHATBOT_RATE_LIMIT=off``: every request
comes from one loopback address, which the rate limiter would otherwise refuse.
Requests cycle through a mix of real questions, follow-up-free small talk, a personal
question and an urgent message; each message carries a running number so the reply
cache never answers it (``--repeat`` sends the same messages again instead, the
cache's best case). The gunicorn settings used are printed with the results.

Usage::

    python benchmarks/load.py                        # the figures in docs/hardening.md
    python benchmarks/load.py --clients 1,8 --duration 3

Bounded: each level runs ``--duration`` seconds (default 10) and stops early after
``--max-requests`` (default 200,000); the server is stopped at the end.
"""

from __future__ import annotations

import _sys_path  # noqa: F401  (first: takes this folder off sys.path)

# isort: split
import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks._serving import serve, server_env
from chatbot.config import load_settings
from chatbot.serve.server import gunicorn_options

QUESTIONS = [
    "How long does Botox last?",
    "What are the risks of microvascular decompression?",
    "What causes hemifacial spasm?",
    "how long is the hospital stay after mvd",
    "Is MVD surgery successful?",
    "what are the symptoms of hemifacial spasm",
    "Can medication help with facial twitching?",
    "How is hemifacial spasm diagnosed?",
    "What happens during the operation?",
    "Will the spasm come back after surgery?",
    "Is hearing loss a risk of MVD?",
    "how long is recovery after microvascular decompression",
    "Should I stop taking carbamazepine?",
    "hello",
    "thank you",
    "What is the price of a new car?",
    "my face is drooping and my arm feels weak",
]

LUA = """
local questions = {%(questions)s}
local unique = %(unique)s
local limit = %(limit)d
local counter = 0
local thread_id = 0
local threads = {}

setup = function(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

init = function(args)
  counter = 0
end

request = function()
  counter = counter + 1
  local q = questions[(counter %% #questions) + 1]
  if unique then
    q = q .. " #" .. id .. "-" .. counter
  end
  local body = '{"message": "' .. q .. '"}'
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  if counter >= limit then
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_level(port: int, clients: int, duration: float, script: Path, threads: int) -> dict[str, float]:
    wrk_threads = max(1, min(clients, threads))
    cmd = [
        "wrk", f"-t{wrk_threads}", f"-c{clients}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
        "-s", str(script), f"http://127.0.0.1:{port}/api/chat",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    raw = json.loads(line[len("RESULT "):])
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "clients": clients,
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "non_2xx": raw["status"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="1,8,32,128", help="comma-separated concurrency levels")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level (default 10)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop a level after this many requests")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the setting, 2)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: the setting, 4)")
    parser.add_argument("--repeat", action="store_true", help="repeat the same messages (reply cache hits)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    levels = [int(part) for part in args.clients.split(",") if part.strip()]

    serve_args: list[str] = []
    if args.workers:
        serve_args += ["--workers", str(args.workers)]
    if args.threads:
        serve_args += ["--threads", str(args.threads)]

    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp), args=serve_args) as server:
        port = server.port
        settings = load_settings(
            env=server_env(Path(tmp)), overrides={"port": port, "workers": args.workers, "threads": args.threads}
        )
        options = gunicorn_options(settings)
        shown = {key: options[key] for key in ("workers", "threads", "worker_class", "timeout", "keepalive", "bind")}
        results = []
        for clients in levels:
            per_thread = max(1, args.max_requests // max(1, min(clients, os.cpu_count() or 2)))
            script = Path(tmp) / f"load-{clients}.lua"
            script.write_text(
                LUA
                % {
                    "questions": ", ".join(json.dumps(q) for q in QUESTIONS),
                    "unique": "false" if args.repeat else "true",
                    "limit": per_thread,
                }
            )
            run_level(port, clients, 1.0, script, os.cpu_count() or 2)  # warm-up
            results.append(run_level(port, clients, args.duration, script, os.cpu_count() or 2))

    print(f"# POST /api/chat under chatbot serve ({'repeated' if args.repeat else 'all-new'} messages)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load: wrk")
    print("gunicorn: " + ", ".join(f"{key}={value}" for key, value in shown.items()))
    print(f"{args.duration:g} s per level after a 1 s warm-up; rate limit off\n")
    print("| clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in results:
        print(
            f"| {row['clients']} | {row['requests']:,} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.0f} | {row['errors']} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"gunicorn": shown, "results": results}, indent=2))


if __name__ == "__main__":
    main()
