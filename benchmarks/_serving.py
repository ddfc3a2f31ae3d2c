"""What the benchmark scripts share: a server process on a free 127.0.0.1 port, waiting for
``/api/health`` with a deadline, its log in a file, TERM-then-KILL, and one-shot JSON requests.

The scripts run as ``python benchmarks/NAME.py``: each imports ``_sys_path`` first (it takes
this folder off ``sys.path``, where ``benchmarks/http.py`` would shadow the standard
library's ``http``, and puts the repository root on it), then this module as
``benchmarks._serving``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def call(url: str, body: Mapping[str, Any] | None = None, *, timeout: float = 15) -> Any:
    """One request on a new connection (POST when there is a body); the JSON reply."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def server_env(folder: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a benchmarked server runs with: rate limit and folder watch off, the saved
    index in ``folder``, the repository importable; ``env`` overrides."""
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
        "CHATBOT_RATE_LIMIT": "off",
        "CHATBOT_WATCH": "false",
        "CHATBOT_INDEX_CACHE": str(folder / "index"),
        **(env or {}),
    }


def start(command: Sequence[str], log: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Run ``command`` in the log's folder, stdout and stderr to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, env=dict(env), cwd=log.parent)


def wait_ready(server: Server, timeout: float = STARTUP_SECONDS) -> None:
    """Until /api/health says ready; exit with the log if the process dies or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = server.log.read_text(errors="replace")
            raise SystemExit(f"server exited with {server.process.returncode}:\n{log}")
        try:
            if call(server.url + "/api/health", timeout=5).get("ready"):
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    stop(server.process)
    raise SystemExit(f"server not ready after {timeout:g} s:\n{server.log.read_text(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """TERM, then KILL if it has not stopped within 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serve(
    folder: Path,
    *,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    name: str = "server",
    command: Sequence[str] | None = None,
) -> Iterator[Server]:
    """``python -m chatbot serve --port PORT *args`` (or ``command`` followed by the port) with
    :func:`server_env`, its log ``folder/<name>.log``; ready on entry, stopped on exit."""
    port = free_port()
    argv = [*command, str(port)] if command else [sys.executable, "-m", "chatbot", "serve", "--port", str(port)]
    log = folder / f"{name}.log"
    server = Server(start([*argv, *args], log, server_env(folder, env)), port, log)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(server.process)
