"""Holding up on the open internet (issue 16): a real `chatbot serve` fed what a red team sends,
over raw sockets on 127.0.0.1 (bounded counts and time)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Server, serve

CANARY = "CANARYc0ffee"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hardening")
    with serve(folder, env={"CHATBOT_RATE_LIMIT": "off"}, workers=1, threads=4) as running:
        yield running


def raw(server: Server, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` on a new connection; everything the server sends back until it closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    return out


def split(response: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def test_a_keep_alive_client_loses_no_request_after_an_oversized_body(server: Server) -> None:
    """Finding 2: one keep-alive session, one request in ten a 200 KB chat body: 0 connection errors."""
    big = json.dumps({"message": "x" * 200_000}).encode()
    small = json.dumps({"message": "how long does botox last"}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    errors, statuses = 0, {}
    for i in range(300):
        try:
            if i % 10 == 5:
                conn.request("POST", "/api/chat", body=big, headers={"Content-Type": "application/json"})
            elif i % 2:
                conn.request("POST", "/api/chat", body=small, headers={"Content-Type": "application/json"})
            else:
                conn.request("GET", "/api/health")
            resp = conn.getresponse()
            resp.read()
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            if resp.status == 413:
                assert resp.getheader("Connection", "").lower() == "close"
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
    conn.close()
    assert errors == 0, statuses
    assert statuses == {200: 270, 413: 30}


def test_a_malformed_chunked_body_is_a_json_400_logged_in_one_line(server: Server) -> None:
    """Finding 3: gunicorn's InvalidChunkSize is a 400 in the error shape; the log has no bytes."""
    before = server.log_text()
    response = raw(
        server,
        b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + CANARY.encode()
        + b'\r\n{"message":"hi"}\r\n0\r\n\r\n',
    )
    status, headers, body = split(response)
    assert status == 400 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "bad_body"
    assert headers["connection"] == "close"
    added = server.log_text()[len(before) :]
    assert CANARY not in added and "Traceback" not in added
    assert sum("unreadable request body" in line for line in added.splitlines()) == 1


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (f"GET /{CANARY}\x01 HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 400, "bad_request"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 200 + b"\r\n", 431, "headers_too_large"),
    ],
    ids=["bad-request-line", "uri-too-long", "too-many-headers"],
)
def test_gunicorns_own_refusals_use_the_json_error_shape(
    server: Server, request_bytes: bytes, status: int, code: str
) -> None:
    """Finding 5: gunicorn's 400/414/431 are JSON like every other error, and echo nothing."""
    got, headers, body = split(raw(server, request_bytes))
    assert got == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": {"code": code, "message": json.loads(body)["error"]["message"]}}
    assert CANARY.encode() not in body
    assert CANARY not in server.log_text()


def test_no_redirect_is_built_from_the_host_header(server: Server) -> None:
    """Finding 5: a doubled slash (or any path) never answers a Location on the Host's domain."""
    for path in ("/assets//x", "/assets//chat.css", "//api/health", "/api//health"):
        response = raw(server, f"GET {path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".encode())
        status, headers, _ = split(response)
        assert "evil.example" not in headers.get("location", ""), (path, status, headers)
        assert status not in (301, 302, 307, 308), (path, status)


# ---- slow clients (finding 1) ---------------------------------------------------------------


@pytest.mark.slow
def test_64_stalled_sockets_for_60_s_do_not_stop_gevent_workers(tmp_path: Path) -> None:
    """With gevent workers, 64 connections that never finish their headers leave /api/health and
    /api/chat answering within 1 s for a whole minute (gthread workers: no answer at all;
    benchmarks/slow_clients.py measures both)."""
    pytest.importorskip("gevent")
    chat_body = json.dumps({"message": "how long does botox last"}).encode()
    with serve(tmp_path, env={"CHATBOT_RATE_LIMIT": "off", "CHATBOT_WORKER_CLASS": "gevent"}, workers=2) as running:
        stalled = []
        try:
            for _ in range(64):
                sock = socket.create_connection(("127.0.0.1", running.port), timeout=5)
                sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
                stalled.append(sock)
            slowest, answered = 0.0, 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                for method, path, body in (("GET", "/api/health", None), ("POST", "/api/chat", chat_body)):
                    started = time.perf_counter()
                    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=1.0)
                    try:
                        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
                        response = conn.getresponse()
                        response.read()
                        assert response.status == 200
                    finally:
                        conn.close()
                    slowest = max(slowest, time.perf_counter() - started)
                    answered += 1
                time.sleep(0.5)
            assert slowest < 1.0 and answered >= 100
            # The keep-alive rule holds under gevent too (the request is found by its socket).
            test_a_keep_alive_client_loses_no_request_after_an_oversized_body(running)
        finally:
            for sock in stalled:
                sock.close()
        assert "Traceback" not in running.log_text()
