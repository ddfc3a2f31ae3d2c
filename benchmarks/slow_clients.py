"""Slow clients (issue 16, finding 1): stalled sockets against `chatbot serve` on 127.0.0.1.

Opens ``--sockets`` connections (default 64) that each send ``GET /api/health HTTP/1.1`` and
one header line, then stall; holds them for ``--seconds`` (default 60, at most 120) while a
probe sends ``GET /api/health`` and ``POST /api/chat`` on fresh connections every half
second. Reports how many probes answered within 1 s, and the slowest. Exit status 1 when
any probe failed or took longer than 1 s.

Usage::

    python benchmarks/slow_clients.py                            # gthread workers (the default)
    python benchmarks/slow_clients.py --worker-class gevent      # gunicorn's gevent workers
    python benchmarks/slow_clients.py --seconds 15               # a quicker run

Bounded: at most 256 sockets and 120 s, 127.0.0.1 only; the server is stopped at the end.
"""

from __future__ import annotations

import _sys_path  # noqa: F401  (first: takes this folder off sys.path)

# isort: split
import argparse
import http.client
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._serving import serve


def probe(port: int, method: str, path: str, body: bytes | None) -> float | None:
    """Seconds for one request on a new connection, or None when it failed or took over 1 s."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        headers = {"Content-Type": "application/json"} if body else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            return None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--worker-class", default="", help="CHATBOT_WORKER_CLASS for the server (default: its own)")
    args = parser.parse_args()
    sockets, seconds = min(args.sockets, 256), min(args.seconds, 120)
    env = {"CHATBOT_WORKER_CLASS": args.worker_class} if args.worker_class else {}
    chat = json.dumps({"message": "how long does botox last"}).encode()
    with tempfile.TemporaryDirectory() as folder, serve(Path(folder), env=env) as server:
        stalled = []
        for _ in range(sockets):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            stalled.append(sock)
        ok = failed = 0
        slowest = 0.0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for method, path, body in (("GET", "/api/health", None), ("POST", "/api/chat", chat)):
                took = probe(server.port, method, path, body)
                if took is None:
                    failed += 1
                else:
                    ok += 1
                    slowest = max(slowest, took)
            time.sleep(0.5)
        for sock in stalled:
            sock.close()
    kind = args.worker_class or "default"
    print(
        f"{sockets} stalled sockets for {seconds:g} s, worker class {kind}: {ok} probes answered within 1 s, "
        f"{failed} failed or slower; slowest answer {slowest * 1000:.0f} ms"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
