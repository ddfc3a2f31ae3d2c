"""The follow-up context token and follow-up questions (chatbot.dialogue.context, Bot.ask)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from qa_sets import load_cases

from chatbot.bot import Bot
from chatbot.clinic import bundled_corpus_dir
from chatbot.dialogue.context import (
    MAX_TOKEN_CHARS,
    MAX_TOPIC_WORDS,
    Context,
    aspect_concepts,
    decode_context,
    encode_context,
    plan_turn,
)
from chatbot.dialogue.reply import ReplyType
from chatbot.errors import CorpusError, RequestError
from chatbot.text.lexicon import load_synonyms


def signed(body: str, key: bytes | None = None) -> str:
    """A token with this base64 body, signed as the chatbot signs (the strict parser comes after the signature)."""
    from chatbot.dialogue import context as conversation

    return f"c2.{body}.{conversation._sign(key or conversation._PROCESS_KEY, body)}"


def token_of(payload: Any, key: bytes | None = None) -> str:
    raw = json.dumps(payload) if not isinstance(payload, str) else payload
    return signed(base64.urlsafe_b64encode(raw.encode()).decode().rstrip("="), key)


def test_round_trip() -> None:
    context = Context(topic=("microvascular", "decompression"))
    token = encode_context(context)
    assert token.startswith("c2.")
    assert decode_context(token) == context


@pytest.mark.parametrize("empty", [None, ""])
def test_missing_context_is_empty(empty: str | None) -> None:
    assert decode_context(empty).is_empty


def test_encode_is_bounded() -> None:
    token = encode_context(Context(topic=tuple("x" * 40 for _ in range(20))))
    assert len(token) <= MAX_TOKEN_CHARS
    assert len(decode_context(token).topic) == MAX_TOPIC_WORDS


def test_encode_drops_non_words() -> None:
    token = encode_context(Context(topic=("botox", "<script>", "")))
    assert decode_context(token).topic == ("botox",)


@pytest.mark.parametrize(
    "token",
    [
        123,
        ["c1.abc"],
        {"topic": ["botox"]},
        "garbage",
        "c1.",
        "c1.!!!!",
        "c2." + "e30",
        "c1." + "A" * 600,
        token_of({"v": 2, "topic": []}),
        token_of({"v": 1}),
        token_of({"v": 1, "topic": "botox"}),
        token_of({"v": 1, "topic": ["botox"], "extra": 1}),
        token_of({"v": 1, "topic": ["a"] * 7}),
        token_of({"v": 1, "topic": ["<img src=x>"]}),
        token_of({"v": 1, "topic": [1, 2]}),
        token_of({"v": 1, "topic": ["x" * 41]}),
        token_of([1, 2, 3]),
        signed(base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("=")),
        signed("e30x"),
    ],
)
def test_bad_tokens_are_request_errors(token: object) -> None:
    with pytest.raises(RequestError) as caught:
        decode_context(token)
    assert caught.value.code == "bad_context"
    assert caught.value.status == 400


def test_a_forged_token_restarts_the_conversation(bot: Bot) -> None:
    from chatbot.dialogue.wording import RESTARTED_LINE as RESTARTED

    forged = token_of({"v": 1, "topic": ["botox"]}, key=b"not the bot's key")
    reply = bot.ask("how long does it last", context=forged)
    assert reply.reply.endswith(RESTARTED)
    assert decode_context(reply.context, bot.context_key).topic != ("botox",)
    genuine = bot.ask("how long does it last", context=token_of({"v": 1, "topic": ["botox"]}, key=bot.context_key))
    assert any("3–6 months" in p.text or "every 3–4 months" in p.text for p in genuine.passages)


def test_plan_follow_up_and_new_topic(bot: Bot) -> None:
    mvd = Context(topic=("microvascular", "decompression"))
    follow = plan_turn(
        "What are the risks?", bot.index.query("What are the risks?"), mvd, known_terms=bot.index.known_terms,
        aspects=aspect_concepts(bot.index.analyzer.synonyms),
    )
    assert follow.follow_up and "microvascular decompression" in follow.search_text
    assert follow.topic == mvd.topic
    new = plan_turn(
        "Tell me about Botox", bot.index.query("Tell me about Botox"), mvd, known_terms=bot.index.known_terms,
        aspects=aspect_concepts(bot.index.analyzer.synonyms),
    )
    assert not new.follow_up and new.topic == ("botox",) and new.search_text == "Tell me about Botox"
    pronoun = plan_turn(
        "does it cure hfs",
        bot.index.query("does it cure hfs"),
        mvd,
        known_terms=bot.index.known_terms,
        aspects=aspect_concepts(bot.index.analyzer.synonyms),
    )
    assert pronoun.follow_up and pronoun.topic == mvd.topic


def test_topic_travels_in_the_reply(bot: Bot) -> None:
    first = bot.ask("What is microvascular decompression?")
    assert decode_context(first.context, bot.context_key).topic == ("microvascular", "decompression")
    second = bot.ask("What are the risks?", context=first.context)
    assert decode_context(second.context, bot.context_key).topic == ("microvascular", "decompression")
    third = bot.ask("Tell me about Botox", context=second.context)
    assert decode_context(third.context, bot.context_key).topic == ("botox",)


def test_follow_up_depends_on_the_context(bot: Bot) -> None:
    """'And how long is the recovery?' finds the MVD recovery passage only in the MVD conversation."""
    first = bot.ask("What is microvascular decompression?")
    with_context = bot.ask("And how long is the recovery?", context=first.context)
    assert with_context.passages[0].citation.section == "Recovery & Follow-Up"


def test_small_talk_and_urgent_keep_the_topic(bot: Bot) -> None:
    first = bot.ask("Tell me about Botox")
    thanks = bot.ask("thanks", context=first.context)
    assert thanks.type is ReplyType.SMALLTALK and thanks.context == first.context
    urgent = bot.ask("worst headache of my life", context=first.context)
    assert urgent.type is ReplyType.URGENT and urgent.context == first.context


CONVERSATIONS = load_cases("conversations")


def test_conversation_set_is_large_enough() -> None:
    assert len(CONVERSATIONS) >= 15
    assert all(len(case["turns"]) >= 2 for case in CONVERSATIONS)


@pytest.mark.parametrize("case", CONVERSATIONS, ids=lambda case: case["id"])
def test_conversations(bot: Bot, case: dict[str, Any]) -> None:
    context = None
    for number, turn in enumerate(case["turns"], start=1):
        reply = bot.ask(turn["message"], context=context)
        context = reply.context
        where = f"turn {number} {turn['message']!r}"
        if "expect_type" in turn:
            assert reply.type.value == turn["expect_type"], where
        if "expect_text" in turn:
            texts = [passage.text for passage in reply.passages]
            assert any(snippet in text for snippet in turn["expect_text"] for text in texts), (where, texts)


def test_aspects_come_from_the_synonyms_file(tmp_path: Path) -> None:
    """Another clinic's synonyms file keeps follow-ups: declared aspects, else aspect-word concept names."""
    declared = tmp_path / "declared.yaml"
    declared.write_text("concepts:\n  risk: [danger]\n  stent: [stents]\naspects: [stent]\n", encoding="utf-8")
    assert aspect_concepts(load_synonyms(declared)) == frozenset({"stent"})
    undeclared = tmp_path / "undeclared.yaml"
    undeclared.write_text("concepts:\n  risk: [danger]\n  stent: [stents]\n  recovery: [heal]\n", encoding="utf-8")
    assert aspect_concepts(load_synonyms(undeclared)) == frozenset({"risk", "recovery"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("concepts:\n  risk: [danger]\naspects: [cost]\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="cost"):
        load_synonyms(bad)


def test_bundled_aspects_are_the_follow_up_concepts() -> None:
    synonyms = load_synonyms(bundled_corpus_dir() / "synonyms.yaml")
    expected = {"risk", "recovery", "duration", "success", "recurrence", "hospital", "cause"}
    expected |= {"symptom", "diagnosis", "permanent", "surgery", "stress", "sleep"}
    assert aspect_concepts(synonyms) == expected
