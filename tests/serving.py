"""Real processes for the server, reload, scale-out, fault and browser tests: `chatbot serve`
and `redis-server` on free loopback ports, HTTP from a chosen loopback source address
(127.0.0.1 and 127.0.0.2 are two different clients to the rate limiter), clean shutdown.

The one place tests start servers: :func:`serve` (a context manager) or :func:`start_server`
(the caller stops it) with corpus, env, workers and threads options; :func:`wait_for_health`,
:func:`stop`, and the HTTP helpers :func:`request`, :func:`chat` and :func:`call`."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

STARTUP_SECONDS = 90  # importing and indexing on a busy CI machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage  # case-insensitive .get()
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    *,
    source: str = "127.0.0.1",
    timeout: float = 30,
) -> Response:
    """One HTTP request to 127.0.0.1:port from the loopback address ``source``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def chat(port: int, message: str, context: str | None = None, *, source: str = "127.0.0.1") -> Response:
    body: dict[str, Any] = {"message": message}
    if context is not None:
        body["context"] = context
    return request(port, "POST", "/api/chat", body, source=source)


def call(url: str, body: Mapping[str, Any] | None = None, *, timeout: float = 15) -> tuple[int, Any]:
    """One request with urllib on a new connection (POST when there is a body): (status, JSON body).
    An error status raises ``urllib.error.HTTPError``, which :func:`helpers.assert_error` reads."""
    data = None if body is None else json.dumps(body).encode()
    message = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(message, timeout=timeout) as response:
        return response.status, json.loads(response.read())


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_server(
    folder: Path,
    *,
    corpus: Path | None = None,
    env: Mapping[str, str] | None = None,
    workers: int | None = None,
    threads: int | None = None,
    args: tuple[str, ...] = (),
    name: str = "server",
    log_dir: Path | None = None,
) -> Server:
    """Start `python -m chatbot serve` on a free loopback port and wait until /api/health says ready.

    ``folder`` is the working directory and holds the saved index; the log is ``<name>.log``
    in ``log_dir`` (default: ``folder``). Inherited CHATBOT_* variables are dropped: only
    ``env`` sets them (the folder watch is off unless ``env`` turns it on). The caller stops
    the server (:func:`stop`); :func:`serve` does it for you.

    Another process may take the port between choosing and binding it (tests run side by
    side): then start again on another port, a few times."""
    command = ["--host", "127.0.0.1"]
    if corpus is not None:
        command += ["--corpus", str(corpus)]
    if workers is not None:
        command += ["--workers", str(workers)]
    if threads is not None:
        command += ["--threads", str(threads)]
    log = (log_dir or folder) / f"{name}.log"
    for _attempt in range(4):
        server = _start_once(folder, log, env=env, args=(*command, *args))
        if server is not None:
            return server
    pytest.fail("chatbot serve found no free port in 4 attempts")


def _start_once(folder: Path, log: Path, *, env: Mapping[str, str] | None, args: tuple[str, ...]) -> Server | None:
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("CHATBOT_")},
        "PYTHONUNBUFFERED": "1",
        "CHATBOT_WATCH": "false",
        "CHATBOT_INDEX_CACHE": str(folder / "index"),  # never inside the repository's corpus folder
        **(env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "chatbot", "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=folder,
        )
    server = Server(process=process, port=port, log=log)
    return server if wait_for_health(server) else None


def wait_for_health(server: Server) -> bool:
    """True once ready; False when the port was taken by another process; else fail the test."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if "Connection in use" in server.log_text() or "Address already in use" in server.log_text():
            stop(server.process, timeout=5)
            return False
        if server.process.poll() is not None:
            pytest.fail(f"chatbot serve exited with {server.process.returncode}:\n{server.log_text()}")
        try:
            if request(server.port, "GET", "/api/health", timeout=5).json().get("ready"):
                return True
        except (OSError, ValueError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    stop(server.process)
    pytest.fail(f"chatbot serve did not answer /api/health within {STARTUP_SECONDS} s:\n{server.log_text()}")
    return False


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """SIGTERM, then SIGKILL if it has not stopped in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return process.returncode


@contextmanager
def serve(folder: Path, **options: Any) -> Iterator[Server]:
    """:func:`start_server` with the same options, stopped (TERM, then KILL) on the way out."""
    server = start_server(folder, **options)
    try:
        yield server
    finally:
        stop(server.process)


@contextmanager
def servers(
    folder: Path, count: int, *, env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[list[Server]]:
    with ExitStack() as stack:
        yield [stack.enter_context(serve(folder, env=env, args=args, name=f"server{n}")) for n in range(count)]


def redis_server_binary() -> str:
    """Path of redis-server, or skip the test with a clear message."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI installs it")
    return binary


@dataclass
class Redis:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def start_redis(port: int | None = None) -> Redis:
    """A throwaway redis-server on loopback: no persistence, no config file."""
    binary = redis_server_binary()
    port = port or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return Redis(process=process, port=port)
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"redis-server did not start on port {port}")
