"""HTTP throughput and latency of ``POST /api/chat`` against a trivial Flask endpoint.

Starts two servers on 127.0.0.1, both under gunicorn with the same settings
(:func:`chatbot.serve.server.gunicorn_options`: gthread workers, the same access log):

* ``chatbot serve`` (rate limiting off: ``CHATBOT_RATE_LIMIT=off``), the real API;
* the ceiling: a Flask app whose ``POST /api/chat`` parses the JSON body and
  returns a small JSON object, served by the same :class:`chatbot.serve.server.ChatbotServer`.

Then, at each concurrency (default 1, 8 and 32 clients), it loads each server for a
fixed time with ``wrk`` (keep-alive connections; the chat requests cycle through a
mix of questions, follow-ups, small talk and an urgent message) and reports
requests per second, p50 and p99 latency and errors, side by side, and the chat
endpoint's share of the ceiling's throughput (target: at least 70%). Without
``wrk`` a Python client with one keep-alive connection per thread is used instead
(it saturates sooner, so the figures are lower for both servers).

Usage::

    python benchmarks/http.py                               # the figures in docs/http.md
    python benchmarks/http.py --duration 2 --rounds 1 --clients 1,8   # a quick run

Bounded: each measurement runs ``--duration`` seconds (default 4) after a one-second
warm-up, ``--rounds`` times (default 3, alternating chat, chat with new questions and the
ceiling, so background load hits all three alike; the median round is shown): about 2.5
minutes for three concurrency levels. Servers are stopped at the end (TERM, then KILL).
"""

from __future__ import annotations

import _sys_path  # noqa: F401  (first: takes this folder off sys.path)

# isort: split
import argparse
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks._serving import call, serve

#: The question whose reply gives the follow-up its context (topic: "mvd").
TOPIC_QUESTION = "What is MVD?"
FOLLOW_UP = "What are the risks?"


def chat_messages(context: str) -> list[dict[str, str]]:
    """The ten chat bodies. The follow-up carries ``context``: a token the server under test
    issued (signed with its key; a made-up one would only restart the conversation)."""
    return [
        {"message": "how long does botox last"},
        {"message": "What are the risks of microvascular decompression?"},
        {"message": "What causes hemifacial spasm?"},
        {"message": "how long is the hospital stay after mvd"},
        {"message": "Should I stop taking carbamazepine?"},
        {"message": "hello"},
        {"message": FOLLOW_UP, "context": context},
        {"message": "How much does parking cost at the hospital?"},
        {"message": "my face is drooping and i cant lift my arm"},
        {"message": "is hemifacial spazm hereditary"},
    ]


def issued_context(url: str) -> str:
    """The context of the server's reply to :data:`TOPIC_QUESTION`, checked to carry the topic
    into the follow-up (the reply does not say the conversation was restarted)."""
    from chatbot.bot import RESTARTED

    context: str = call(f"{url}/api/chat", {"message": TOPIC_QUESTION})["context"]
    follow_up = call(f"{url}/api/chat", {"message": FOLLOW_UP, "context": context})
    if RESTARTED in follow_up["reply"]:
        raise SystemExit(f"the server did not accept the context it issued: {context!r}")
    return context


@dataclass
class Result:
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def median_result(results: list[Result]) -> Result:
    """The round with the median throughput (its latencies with it); errors summed over all rounds."""
    ranked = sorted(results, key=lambda result: result.rps)
    middle = ranked[len(ranked) // 2]
    return Result(
        clients=middle.clients,
        requests=middle.requests,
        seconds=middle.seconds,
        p50_ms=middle.p50_ms,
        p99_ms=middle.p99_ms,
        errors=sum(result.errors for result in results),
    )


def serve_ceiling(port: int, workers: int, threads: int) -> None:
    """The ceiling server: a trivial JSON endpoint under the same gunicorn settings."""
    from flask import Flask, jsonify, request

    from chatbot.config import Settings
    from chatbot.serve.server import run_gunicorn

    app = Flask("ceiling")

    @app.post("/api/chat")
    def chat():  # type: ignore[no-untyped-def]
        body = request.get_json()
        return jsonify({"type": "answer", "reply": "ok", "length": len(body.get("message", ""))})

    @app.get("/api/health")
    def health():  # type: ignore[no-untyped-def]
        return jsonify({"ready": True})

    run_gunicorn(app, Settings(port=port, workers=workers, threads=threads))


WRK_SCRIPT = """
-- Chat requests cycling through chat_messages(). Mode "repeat": the same bodies again and again
-- (after the warm-up every reply comes from the reply cache). Mode "unique": each body
-- gets a different run of spaces and tabs after the message, which changes nothing in the
-- reply but the cache key, so every request runs the whole pipeline.
local heads = {HEADS}
local tails = {TAILS}
local counter = 0
local offset = 0
local unique = false
local renew = 0
local threads = {}

setup = function(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

init = function(args)
  offset = (tonumber(args[1]) or 0) + (tonumber(tid) or 0) * 100000000
  unique = args[2] == "unique"
  renew = tonumber(args[3]) or 0
end

local function pad(n)
  local out = {}
  while n > 0 do
    out[#out + 1] = (n % 2 == 1) and "\\\\t" or " "
    n = math.floor(n / 2)
  end
  return table.concat(out)
end

request = function()
  counter = counter + 1
  local i = (counter % #heads) + 1
  local body = heads[i] .. (unique and pad(offset + counter) or "") .. tails[i]
  local headers = {["Content-Type"] = "application/json"}
  if renew > 0 and counter % renew == 0 then
    -- The server closes this connection after the reply and wrk opens a new one, which
    -- whichever worker is least busy accepts (as browsers' connections come and go).
    headers["Connection"] = "close"
  end
  return wrk.format("POST", "/api/chat", headers, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors))
end
"""


def lua_parts(messages: list[dict[str, str]]) -> tuple[str, str]:
    """Each chat body split where the padding goes: '{"message": "text' and '", ...}'."""
    heads, tails = [], []
    for body in messages:
        message = json.dumps(body["message"])
        rest = f', "context": {json.dumps(body["context"])}' if "context" in body else ""
        heads.append('{"message": ' + message[:-1])
        tails.append('"' + rest + "}")
    return ", ".join(map(lua_string, heads)), ", ".join(map(lua_string, tails))


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(url: str, clients: int, duration: float, script: Path, *, mode: str, offset: int, renew: int) -> Result:
    threads = min(clients, 2)
    command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{duration:g}s", "--timeout", "10s", "-s", str(script), url]
    command += ["--", str(offset), mode, str(renew)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    data = json.loads(line[len("RESULT ") :])
    # wrk counts non-2xx responses only in errors.status; every chat reply here is a 200.
    return Result(
        clients=clients,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
    )


def run_python(
    host: str, port: int, clients: int, duration: float, messages: list[dict[str, str]], *, unique: bool = False
) -> Result:
    """Fallback load: one keep-alive connection per thread."""
    bodies = [json.dumps(body) for body in messages]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop_at = time.monotonic() + duration

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        counter = slot
        while time.monotonic() < stop_at:
            body = bodies[counter % len(bodies)]
            if unique:  # spaces and tabs after the message: the same reply, a different cache key
                body = json.dumps(
                    {
                        **messages[counter % len(messages)],
                        "message": messages[counter % len(messages)]["message"]
                        + format(slot * 10**8 + counter, "b").replace("0", " ").replace("1", "\t"),
                    }
                )
            counter += 1
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/chat", body.encode(), {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[slot] += 1
            except OSError:
                errors[slot] += 1
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
                continue
            latencies[slot].append(time.perf_counter() - started)
        connection.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(slot,)) for slot in range(clients)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    flat = sorted(value for values in latencies for value in values)
    if not flat:
        return Result(clients, 0, elapsed, 0.0, 0.0, sum(errors))
    quantiles = statistics.quantiles(flat, n=100) if len(flat) > 1 else [flat[0]] * 99
    return Result(clients, len(flat), elapsed, quantiles[49] * 1000, quantiles[98] * 1000, sum(errors))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,8,32", help="comma-separated concurrency levels (default 1,8,32)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement (default 4)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds per concurrency; the median is shown (default 3)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both servers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker for both servers (default 4)")
    parser.add_argument(
        "--renew",
        type=int,
        default=50,
        help="wrk: close and reopen each connection after this many requests, 0 = never (default 50)",
    )
    parser.add_argument("--python-client", action="store_true", help="use the Python client even if wrk is installed")
    parser.add_argument("--serve-ceiling", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        serve_ceiling(args.serve_ceiling, args.workers, args.threads)
        return 0
    if not 0 < args.duration <= 120:
        parser.error("--duration must be between 0 and 120 seconds")
    if not 1 <= args.rounds <= 9:
        parser.error("--rounds must be between 1 and 9")
    levels = [int(part) for part in args.clients.split(",") if part.strip()]
    if not levels or any(not 1 <= level <= 256 for level in levels):
        parser.error("--clients takes numbers from 1 to 256")
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    renew = args.renew

    logs = Path(tempfile.mkdtemp(prefix="chatbot-http-bench-"))
    common = ["--workers", str(args.workers), "--threads", str(args.threads)]
    script = logs / "chat.lua"
    results: dict[str, list[Result]] = {"chat": [], "chat-unique": [], "ceiling": []}
    # Per concurrency level: each round's new-question throughput over the same round's ceiling.
    round_shares: list[list[float]] = []
    with ExitStack() as servers:
        chat = servers.enter_context(serve(logs, args=common, name="chat"))
        messages = chat_messages(issued_context(chat.url))
        heads, tails = lua_parts(messages)
        script.write_text(WRK_SCRIPT.replace("{HEADS}", "{" + heads + "}").replace("{TAILS}", "{" + tails + "}"))
        ceiling_command = [sys.executable, str(Path(__file__).resolve()), "--serve-ceiling"]
        ceiling = servers.enter_context(serve(logs, args=common, name="ceiling", command=ceiling_command))
        urls = {"chat": chat.url, "ceiling": ceiling.url}
        chat_port, ceiling_port = chat.port, ceiling.port
        offset = 0
        for clients in levels:
            rounds: dict[str, list[Result]] = {name: [] for name in results}
            for _ in range(args.rounds):  # alternate short windows: background load hits all three alike
                for name, mode in (("chat", "repeat"), ("chat-unique", "unique"), ("ceiling", "repeat")):
                    url = urls["ceiling" if name == "ceiling" else "chat"]
                    offset += 1_000_000
                    if use_wrk:
                        run_wrk(url, clients, 1.0, script, mode=mode, offset=offset, renew=renew)  # warm-up
                        offset += 1_000_000
                        result = run_wrk(url, clients, args.duration, script, mode=mode, offset=offset, renew=renew)
                    else:
                        port = ceiling_port if name == "ceiling" else chat_port
                        run_python("127.0.0.1", port, clients, 1.0, messages, unique=mode == "unique")
                        result = run_python(
                            "127.0.0.1", port, clients, args.duration, messages, unique=mode == "unique"
                        )
                    rounds[name].append(result)
                    print(
                        f"{name:11} {clients:3} clients: {result.rps:8.0f} req/s  p50 {result.p50_ms:6.2f} ms  "
                        f"p99 {result.p99_ms:6.2f} ms  errors {result.errors}",
                        file=sys.stderr,
                    )
            for name, measured in rounds.items():
                results[name].append(median_result(measured))
            pairs = zip(rounds["chat-unique"], rounds["ceiling"], strict=True)
            round_shares.append([fresh.rps / (base.rps or 1.0) for fresh, base in pairs])

    client = "wrk (keep-alive)" if use_wrk else "Python threads (keep-alive)"
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"gunicorn gthread, {args.workers} workers x {args.threads} threads; load: {client}, "
        f"median of {args.rounds} alternating rounds of {args.duration:g} s on 127.0.0.1; "
        f"load average at the end: {os.getloadavg()[0]:.1f}.\n"
    )
    print(
        "| clients | ceiling req/s (p50 / p99) | chat, repeated questions req/s (p50 / p99) | share "
        "| chat, every request new req/s (p50 / p99) | share | new, share per round (lowest-highest) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    worst = worst_new = float("inf")
    for ceiling_result, repeat, fresh, shares in zip(
        results["ceiling"], results["chat"], results["chat-unique"], round_shares, strict=True
    ):

        def cell(result: Result) -> str:
            return f"{result.rps:,.0f} ({result.p50_ms:.1f} / {result.p99_ms:.1f} ms)"

        base = ceiling_result.rps or 1.0
        worst = min(worst, repeat.rps / base)
        worst_new = min(worst_new, fresh.rps / base)
        print(
            f"| {ceiling_result.clients} | {cell(ceiling_result)} | {cell(repeat)} | {repeat.rps / base:.0%} "
            f"| {cell(fresh)} | {fresh.rps / base:.0%} | {min(shares):.0%}-{max(shares):.0%} |"
        )
    errors = sum(result.errors for values in results.values() for result in values)
    print(
        f"\nErrors: {errors}. Lowest share of the ceiling (target: at least 70%): repeated questions {worst:.0%}, "
        f"every request new {worst_new:.0%}."
    )
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
