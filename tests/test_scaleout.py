"""Scale-out: two `chatbot serve` processes answer one conversation interchangeably, and a
rate limit shared through a real redis-server holds across both for one client while
another client (another loopback address) is unaffected."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import assert_error
from serving import chat, redis_server_binary, servers, start_redis, stop

pytestmark = pytest.mark.slow

CONVERSATION = [
    "What is microvascular decompression?",
    "What are the risks?",
    "And how long is the recovery?",
    "Tell me about Botox",
    "How long does it last?",
]


def _turns(ports: list[int]) -> list[dict[str, object]]:
    """Send the conversation, turn i to ports[i % len(ports)], carrying the context along."""
    context = None
    replies = []
    for turn, message in enumerate(CONVERSATION):
        resp = chat(ports[turn % len(ports)], message, context)
        assert resp.status == 200, resp.body
        body = resp.json()
        context = body["context"]
        replies.append(body)
    return replies


def test_two_servers_answer_alternating_turns_of_one_conversation(tmp_path: Path) -> None:
    with servers(tmp_path, 2, env={"CHATBOT_RATE_LIMIT": "off"}, args=("--workers", "1", "--threads", "2")) as (a, b):
        alternating = _turns([a.port, b.port])
        only_a = _turns([a.port])
    # The server keeps no per-visitor state: the alternated conversation gets exactly the replies
    # one server gives, follow-ups included.
    assert alternating == only_a
    assert [reply["type"] for reply in alternating] == ["answer"] * len(CONVERSATION)
    mvd_follow_ups = [" ".join(p["text"] for p in reply["passages"]).lower() for reply in alternating[1:3]]  # type: ignore[attr-defined]
    assert all("decompression" in text or "mvd" in text or "surgery" in text for text in mvd_follow_ups), mvd_follow_ups
    botox_follow_up = " ".join(p["text"] for p in alternating[4]["passages"]).lower()  # type: ignore[attr-defined]
    assert "botox" in botox_follow_up or "botulinum" in botox_follow_up, botox_follow_up


LIMIT = 5


def test_rate_limit_is_shared_through_redis(tmp_path: Path) -> None:
    redis_server_binary()
    redis = start_redis()
    env = {"CHATBOT_RATE_LIMIT": f"{LIMIT}/minute", "CHATBOT_RATE_LIMIT_STORAGE": redis.url}
    try:
        with servers(tmp_path, 2, env=env, args=("--workers", "2", "--threads", "2")) as (a, b):
            ports = [a.port, b.port]
            # Client 127.0.0.1: LIMIT requests spread over both servers are served, the next is
            # refused by either server: they count in the same place.
            statuses = [chat(ports[n % 2], "hello").status for n in range(LIMIT)]
            assert statuses == [200] * LIMIT
            for port in ports:
                refused = chat(port, "hello")
                assert_error(refused, 429, "rate_limited")
                assert refused.headers.get("retry-after"), refused.headers
            # Client 127.0.0.2 has its own allowance on both servers.
            other = [chat(port, "hello", source="127.0.0.2").status for port in ports]
            assert other == [200, 200]
            # Control: the limit really is per server without Redis (each counts alone), which is
            # what the shared store fixes.
        with servers(tmp_path, 2, env={"CHATBOT_RATE_LIMIT": f"{LIMIT}/minute"}, args=("--workers", "1")) as (c, d):
            alone = [chat(port, "hello", source="127.0.0.3").status for port in (c.port, d.port) for _ in range(LIMIT)]
            assert alone == [200] * (2 * LIMIT)
    finally:
        stop(redis.process)
