"""What one ``POST /api/chat`` costs inside the server process, in CPU instructions.

The HTTP benchmark (``benchmarks/http.py``) swings with the machine: on a shared
virtual machine the same run can be twice as fast an hour later. An instruction count
does not: this script calls the Flask application directly (a WSGI call, no sockets,
no gunicorn) for the ten messages of the HTTP benchmark and, under valgrind's
callgrind, counts the instructions per request. Three kinds of request, as in the HTTP
benchmark:

* ``ceiling``: the same trivial Flask endpoint the HTTP benchmark compares with;
* ``repeat``: the ten chat messages again and again (after the first, every reply comes
  from the reply cache);
* ``unique``: each message with a different run of spaces and tabs appended (the same
  reply, another cache key), so every request runs the whole pipeline.

Each kind runs twice under callgrind, with 0 and with ``--requests`` requests after the
same start-up and warm-up, and the difference divided by the count is the cost of one
request. About a minute per kind (valgrind runs Python some 50 times slower).

Usage::

    python benchmarks/request_cost.py                   # all three kinds, 200 requests each
    python benchmarks/request_cost.py --kinds unique --requests 300
    python benchmarks/request_cost.py --run unique 50   # one plain run, no valgrind (what is measured)

Needs ``valgrind`` (Debian's package) for the counts.
"""

from __future__ import annotations

import _sys_path  # noqa: F401  (first: takes this folder off sys.path)

# isort: split
import argparse
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from benchmarks.http import TOPIC_QUESTION, chat_messages

KINDS = ("ceiling", "repeat", "unique")
WARM_UP = 10


def environ(body: bytes) -> dict[str, Any]:
    """A WSGI environment for ``POST /api/chat`` with this JSON body, as gunicorn would pass it."""
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/chat",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def body(number: int, messages: list[dict[str, str]], *, unique: bool) -> bytes:
    """Request ``number``: a benchmark message, made new (whitespace only) when ``unique``."""
    message = dict(messages[number % len(messages)])
    if unique:
        message["message"] += format(number + 1, "b").replace("0", " ").replace("1", "\t")
    return json.dumps(message).encode()


def application(kind: str) -> Callable[..., Iterable[bytes]]:
    if kind == "ceiling":
        from flask import Flask, jsonify, request

        app = Flask("ceiling")

        @app.post("/api/chat")
        def chat():  # type: ignore[no-untyped-def]
            data = request.get_json()
            return jsonify({"type": "answer", "reply": "ok", "length": len(data.get("message", ""))})

        return app
    from chatbot.api.app import create_app
    from chatbot.config import Settings

    return create_app(Settings(rate_limit="off"))


def issued_context(app: Any, kind: str) -> str:
    """The follow-up's context: a token the app's bot issued (signed with its key)."""
    if kind == "ceiling":
        return ""  # the trivial endpoint ignores it
    context: str = app.extensions["chatbot"].bot.ask(TOPIC_QUESTION).context
    return context


def run(kind: str, requests: int) -> None:
    """Start the app, warm it up, then answer ``requests`` requests of this kind."""
    app = application(kind)
    unique = kind == "unique"
    messages = chat_messages(issued_context(app, kind))

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"request failed: {status}")

    for number in range(WARM_UP):  # numbers the measured requests do not use
        b"".join(app(environ(body(10**6 + number, messages, unique=True)), start_response))
    for number in range(requests):
        b"".join(app(environ(body(number, messages, unique=unique)), start_response))


def instructions(kind: str, requests: int) -> int:
    """Instructions callgrind counts for a whole run of this script's ``--run``."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--run",
        kind,
        str(requests),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=True).stderr
    found = re.search(r"Collected\s*:\s*(\d+)", output)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{output[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated: ceiling, repeat, unique")
    parser.add_argument("--requests", type=int, default=200, help="requests per measured run (default 200)")
    parser.add_argument("--run", nargs=2, metavar=("KIND", "N"), help="one plain run (what valgrind measures)")
    args = parser.parse_args()
    if args.run:
        kind, count = args.run
        if kind not in KINDS:
            parser.error(f"--run: the kind must be one of {', '.join(KINDS)}")
        run(kind, int(count))
        return 0
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    if not kinds or any(kind not in KINDS for kind in kinds):
        parser.error(f"--kinds takes {', '.join(KINDS)}")
    if not 1 <= args.requests <= 5000:
        parser.error("--requests must be between 1 and 5000")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (Debian: apt-get install valgrind)")
    print(f"Instructions per POST /api/chat, in-process, {args.requests} requests (callgrind):\n")
    print("| request | instructions |\n|---|---:|")
    for kind in kinds:
        per_request = (instructions(kind, args.requests) - instructions(kind, 0)) // args.requests
        print(f"| {kind} | {per_request:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
