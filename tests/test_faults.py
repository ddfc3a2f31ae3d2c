"""Faults: processes die, Redis goes away, files are broken.

- A gunicorn worker killed mid-request is replaced by the master; later requests succeed.
- SIGTERM is graceful: a request in flight when the signal arrives is answered, then the
  server exits 0.
- Redis going away: the rate limiter FAILS OPEN (documented in the README's Deployment
  section): requests are served without counting, never a 500 and never a wrong 429;
  counting resumes when Redis is back.
- A corrupt, empty, unreadable or non-UTF-8 corpus file, a missing corpus folder, a broken
  synonyms file or clinic profile: a clear error naming the file; `chatbot index` exits
  non-zero and names every bad file; the server reports the bad files in /api/health.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner
from serving import chat, redis_server_binary, request, servers, start_redis, start_server, stop

from chatbot.cli import main

GOOD_DOC = "# Good document\n\n## Botox\n\nBotulinum toxin injections relax the twitching muscles for three months.\n"


def _workers(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=False)


def _open_partial_request(port: int, body: bytes) -> socket.socket:
    """A POST /api/chat whose headers and first body byte are sent, the rest held back:
    a request in flight inside a worker thread until the rest arrives."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock.sendall(head + body[:1])
    return sock


def _read_response(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


# --- processes ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_killed_worker_is_replaced_and_later_requests_succeed(tmp_path: Path) -> None:
    server = start_server(tmp_path, env={"CHATBOT_RATE_LIMIT": "off"}, workers=2, threads=2)
    try:
        # /api/health answers as soon as one worker is up; wait for the master to fork the second.
        deadline = time.monotonic() + 60
        before = {worker.pid for worker in _workers(server.process.pid)}
        while len(before) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            before = {worker.pid for worker in _workers(server.process.pid)}
        assert len(before) == 2
        # Requests in flight in both workers (each holds back its body), then SIGKILL both workers.
        in_flight = [_open_partial_request(server.port, b'{"message": "What is MVD?"}') for _ in range(4)]
        time.sleep(0.5)
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        for sock in in_flight:
            sock.close()
        # The master (the `chatbot serve` process) stays and forks replacements.
        deadline = time.monotonic() + 60
        after: set[int] = set()
        while time.monotonic() < deadline:
            after = {worker.pid for worker in _workers(server.process.pid)}
            if len(after) == 2 and not after & before:
                break
            time.sleep(0.2)
        assert len(after) == 2 and not after & before, (before, after)
        assert server.process.poll() is None
        statuses = []
        deadline = time.monotonic() + 60
        while len(statuses) < 10 and time.monotonic() < deadline:
            try:
                statuses.append(chat(server.port, "How long does Botox last?").status)
            except OSError:  # a replacement still loading; gunicorn's backlog holds the rest
                time.sleep(0.2)
        assert statuses == [200] * 10
    finally:
        assert stop(server.process) == 0, server.log_text()


@pytest.mark.slow
def test_sigterm_finishes_the_request_in_flight(tmp_path: Path) -> None:
    server = start_server(tmp_path, env={"CHATBOT_RATE_LIMIT": "off"}, workers=1, threads=2)
    body = b'{"message": "How long does Botox last?"}'
    sock = _open_partial_request(server.port, body)
    try:
        time.sleep(0.5)  # the worker thread is reading the body
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # the master has told the worker to stop; it must finish this request first
        assert server.process.poll() is None, "the server exited with a request in flight"
        sock.sendall(body[1:])
        response = _read_response(sock)
    finally:
        sock.close()
    assert response.startswith(b"HTTP/1.1 200"), response[:200]
    assert b'"type":"answer"' in response.replace(b" ", b"")
    assert server.process.wait(timeout=30) == 0, server.log_text()
    # No new connection is accepted after shutdown.
    with pytest.raises(OSError):
        request(server.port, "GET", "/api/health", timeout=3)


@pytest.mark.slow
def test_redis_going_away_fails_open_and_recovers(tmp_path: Path) -> None:
    redis_server_binary()
    redis = start_redis()
    limit = 3
    env = {"CHATBOT_RATE_LIMIT": f"{limit}/minute", "CHATBOT_RATE_LIMIT_STORAGE": redis.url}
    try:
        with servers(tmp_path, 1, env=env, args=("--workers", "2", "--threads", "2")) as (server,):
            assert [chat(server.port, "hello").status for _ in range(limit + 1)] == [200] * limit + [429]
            stop(redis.process)
            # Redis is gone: every request is served (fail open), quickly, never a 500 or a 429.
            started = time.monotonic()
            down = [chat(server.port, "hello", source=source) for source in ("127.0.0.1", "127.0.0.2") * 10]
            took = time.monotonic() - started
            assert [resp.status for resp in down] == [200] * 20, {resp.status for resp in down}
            assert took < 20, f"20 requests took {took:.1f} s with Redis down"
            # Redis is back (empty: counters start again): the limit holds again.
            redis = start_redis(redis.port)
            deadline = time.monotonic() + 30
            statuses: list[int] = []
            while time.monotonic() < deadline and 429 not in statuses:
                statuses.append(chat(server.port, "hello", source="127.0.0.3").status)
            assert statuses[-1] == 429 and set(statuses) <= {200, 429}, statuses
            assert len(statuses) <= limit + 3, statuses  # a request or two may still find the old connection dead
    finally:
        stop(redis.process)


# --- files ---------------------------------------------------------------------------------------


@pytest.fixture
def bad_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """A corpus with one good document and one file broken in each way; returns the bad names."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_DOC, encoding="utf-8")
    (folder / "corrupt.md").write_bytes(b"# Title\n\n\x00\x01\x02\xff binary junk \x00")
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\xe9 and spasm\n\nThe na\xefve text.\n".encode("latin-1"))
    unreadable = folder / "unreadable.md"
    unreadable.write_text(GOOD_DOC, encoding="utf-8")
    unreadable.chmod(0)
    if os.geteuid() == 0:  # root reads a mode-000 file anyway: make the read fail as it would for a user
        original = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self.name == "unreadable.md":
                raise PermissionError(13, "Permission denied", str(self))
            return original(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (folder / "broken.jsonl").write_text('{"question": "What is MVD?", "answer": "An operation."}\n{"question": \n')
    return folder, ["corrupt.md", "empty.md", "latin1.txt", "unreadable.md", "broken.jsonl"]


def test_index_exits_non_zero_and_names_every_bad_file(
    runner: CliRunner, bad_corpus: tuple[Path, list[str]], tmp_path: Path
) -> None:
    folder, bad = bad_corpus
    result = runner.invoke(main, ["index", "--corpus", str(folder)], env={"CHATBOT_INDEX_CACHE": str(tmp_path / "ix")})
    assert result.exit_code == 1, result.output
    for name in bad:
        assert name in result.output, f"{name} not named:\n{result.output}"
    assert "good.md" in result.output  # the good document is still listed


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("corrupt.md", b"# T\n\nabc\x00def", "NUL"),
        ("empty.md", b"", "no text"),
        ("latin1.md", "# T\n\ncaf\xe9".encode("latin-1"), "UTF-8"),
        ("broken.csv", b'question,answer\n"unclosed,quote\n', "answer"),
    ],
)
def test_each_bad_file_is_named_with_its_reason(
    runner: CliRunner, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_DOC, encoding="utf-8")
    (folder / name).write_bytes(content)
    result = runner.invoke(main, ["index", "--corpus", str(folder)], env={"CHATBOT_INDEX_CACHE": str(tmp_path / "ix")})
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if name in line]
    assert lines, result.output
    assert any(reason.lower() in line.lower() for line in lines), lines


def test_missing_corpus_folder_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    for command in (["index"], ["ask", "What is MVD?"]):
        result = runner.invoke(main, [*command, "--corpus", str(missing)])
        assert result.exit_code == 2, result.output
        assert str(missing) in result.output and "does not exist" in result.output
        assert "Traceback" not in result.output


def test_folder_with_only_bad_files_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "empty.md").write_text("")
    result = runner.invoke(main, ["index", "--corpus", str(folder)], env={"CHATBOT_INDEX_CACHE": str(tmp_path / "ix")})
    assert result.exit_code != 0
    assert "empty.md" in result.output


@pytest.mark.parametrize(
    "synonyms",
    ["concepts: [unclosed\n", "just a string\n", "concepts:\n  mvd: 3\n", "\x00\x01"],
    ids=["yaml-error", "not-a-mapping", "not-a-list", "binary"],
)
def test_broken_synonyms_file_names_the_file(runner: CliRunner, tmp_path: Path, synonyms: str) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_DOC, encoding="utf-8")
    (folder / "synonyms.yaml").write_text(synonyms, encoding="utf-8")
    result = runner.invoke(main, ["index", "--corpus", str(folder)], env={"CHATBOT_INDEX_CACHE": str(tmp_path / "ix")})
    assert result.exit_code != 0, result.output
    assert "synonyms.yaml" in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "content", "expect"),
    [
        ("clinic.toml", "clinic_name = 'unclosed\n", "not valid TOML"),
        ("clinic.yaml", "clinic_name: [unclosed\n", "not valid YAML"),
        ("clinic.toml", "top_k = 'many'\n", "top_k"),
        ("clinic.toml", "no_such_setting = 1\n", "no_such_setting"),
        ("clinic.ini", "x=1\n", ".toml"),
    ],
)
def test_broken_clinic_profile_names_the_file(
    runner: CliRunner, tmp_path: Path, name: str, content: str, expect: str
) -> None:
    profile = tmp_path / name
    profile.write_text(content, encoding="utf-8")
    for args in (["index", "--config", str(profile)], ["serve", "--config", str(profile)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert expect in result.output, result.output
        assert "Traceback" not in result.output
    result = runner.invoke(main, ["index"], env={"CHATBOT_CONFIG": str(profile)})
    assert result.exit_code == 2 and expect in result.output, result.output


def test_missing_clinic_profile_names_the_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["index"], env={"CHATBOT_CONFIG": str(tmp_path / "nowhere.toml")})
    assert result.exit_code == 2
    assert "nowhere.toml" in result.output and "does not exist" in result.output


def test_server_reports_bad_files_in_health(bad_corpus: tuple[Path, list[str]], tmp_path: Path) -> None:
    """A corpus with bad files is served from its good files, never as if complete: /api/health
    counts the files that failed."""
    from chatbot.api.app import create_app
    from chatbot.config import Settings

    folder, bad = bad_corpus
    app = create_app(Settings(corpus=folder, index_cache=tmp_path / "ix", rate_limit="off"))
    health = app.test_client().get("/api/health").get_json()
    assert health["documents"] == 1
    assert health["corpus_errors"] == len(bad)
