"""Replies: structure, numbered citations, the disclaimer, not found, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CITATION_KEYS, PASSAGE_KEYS, REPLY_KEYS

from chatbot.bot import Bot
from chatbot.config import DEFAULT_DISCLAIMER, Settings
from chatbot.dialogue.reply import REPLY_SCHEMA_VERSION, Reply, ReplyType

ANSWERABLE = [
    "How long does Botox last?",
    "What are the risks of MVD?",
    "What causes hemifacial spasm?",
    "How long will I stay in hospital after the operation?",
]
NOT_COVERED = [
    "What is the capital of France?",
    "the and of",
    "xylophone quantum chromodynamics",
    "How do I treat a broken ankle?",
]


@pytest.mark.parametrize("question", ANSWERABLE + NOT_COVERED)
def test_every_reply_carries_the_disclaimer_and_the_documented_keys(bot: Bot, question: str) -> None:
    reply = bot.ask(question)
    data = reply.to_dict()
    assert set(data) == REPLY_KEYS
    assert data["disclaimer"] == DEFAULT_DISCLAIMER
    assert data["schema_version"] == REPLY_SCHEMA_VERSION == 2
    assert data["type"] in {t.value for t in ReplyType}
    assert data["reply"].strip()
    assert data["notice"].strip()
    json.dumps(data, allow_nan=False)  # plain JSON, no NaN


@pytest.mark.parametrize("question", ANSWERABLE)
def test_answers_quote_passages_with_numbered_citations(bot: Bot, question: str) -> None:
    reply = bot.ask(question)
    assert reply.type is ReplyType.ANSWER
    assert 1 <= len(reply.passages) <= bot.settings.top_k
    assert [p.citation.label for p in reply.passages] == [f"[{n}]" for n in range(1, len(reply.passages) + 1)]
    assert "[1]" in reply.reply
    for cited in reply.passages:
        data = cited.to_dict()
        assert set(data) == PASSAGE_KEYS
        assert set(data["citation"]) == CITATION_KEYS
        source = bot.index.passage(cited.id)
        assert source is not None
        assert cited.text == source.text
        assert cited.citation.passage_id == source.id
        assert cited.citation.document_id == source.document_id
        assert cited.citation.document == source.title
        assert cited.citation.source == source.source
        assert cited.citation.section == source.section
        assert cited.score > 0
        assert all(isinstance(term, str) for term in data["matched_terms"])


def test_each_quoted_passage_lists_the_query_words_it_matched(bot: Bot) -> None:
    reply = bot.ask("How long does Botox last?")
    for cited in reply.passages:
        assert cited.matched_terms, cited.id
        assert all(not term.startswith("=") for term in cited.matched_terms)  # words, not internal concept ids


@pytest.mark.parametrize("question", NOT_COVERED)
def test_questions_the_documents_do_not_answer_say_so_plainly(bot: Bot, question: str) -> None:
    reply = bot.ask(question)
    assert reply.type is ReplyType.NOT_FOUND
    assert reply.passages == ()
    assert reply.reply.startswith("I could not find that in our documents")
    assert "contact the clinic" in reply.reply
    assert "Symptoms" in reply.reply  # a few topics the documents do cover
    assert reply.suggestions


def test_not_found_points_to_the_clinic_contact_from_the_settings() -> None:
    bot = Bot.from_settings(Settings(clinic_phone="+44 20 7946 0000", opening_hours="Mon-Fri 9-17"))
    reply = bot.ask("What is the capital of France?")
    assert "call +44 20 7946 0000 (Mon-Fri 9-17)" in reply.reply
    assert "+44 20 7946 0000" in reply.notice


def test_a_configured_disclaimer_is_on_every_reply(corpus_dir: Path) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir, disclaimer="Ask your own doctor."))
    for question in ("How long does botox last?", "What is the capital of France?"):
        assert bot.ask(question).disclaimer == "Ask your own doctor."


def test_same_question_same_reply_byte_for_byte() -> None:
    first = [json.dumps(Bot.from_settings().ask(q).to_dict()) for q in ANSWERABLE + NOT_COVERED]
    second = [json.dumps(Bot.from_settings().ask(q).to_dict()) for q in ANSWERABLE + NOT_COVERED]
    assert first == second


@pytest.mark.parametrize("top_k", [1, 2, 5, 20])
def test_top_k_limits_the_passages_even_above_the_corpus_size(corpus_dir: Path, top_k: int) -> None:
    bot = Bot.from_settings(Settings(corpus=corpus_dir))
    reply = bot.ask("How long do botox injections last and what does surgery do?", top_k=top_k)
    assert reply.type is ReplyType.ANSWER
    assert 1 <= len(reply.passages) <= min(top_k, len(bot.passages))
    assert len({p.id for p in reply.passages}) == len(reply.passages)


def test_corrections_are_part_of_the_reply(bot: Bot) -> None:
    reply = bot.ask("How is microvascular decompresion done?")
    assert reply.type is ReplyType.ANSWER
    assert [(c.original, c.corrected) for c in reply.corrections] == [("decompresion", "decompression")]
    assert reply.to_dict()["corrections"] == [{"from": "decompresion", "to": "decompression"}]


@pytest.mark.parametrize("question", [*ANSWERABLE, *NOT_COVERED, "hello", "my face is drooping and i cant lift my arm"])
def test_the_reply_bytes_are_its_fields_as_json(bot: Bot, question: str) -> None:
    reply = bot.ask(question)
    assert json.loads(reply.to_json_bytes()) == reply.to_dict()


def test_a_lone_surrogate_from_the_visitor_is_sent_as_a_question_mark() -> None:
    reply = Reply(type=ReplyType.NOT_FOUND, reply="about \ud800 this", disclaimer="d", notice="n")
    assert json.loads(reply.to_json_bytes())["reply"] == "about ? this"


def test_a_reply_is_a_frozen_value() -> None:
    reply = Reply(type=ReplyType.NOT_FOUND, reply="x", disclaimer="d", notice="n")
    with pytest.raises(AttributeError):
        reply.reply = "changed"  # type: ignore[misc]


def test_citation_display_names_document_section_and_source(bot: Bot) -> None:
    cited = bot.ask("What are the risks of MVD?").passages[0].citation
    shown = cited.display()
    assert shown.startswith("[1] ")
    assert cited.document in shown and cited.section in shown and cited.source in shown


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "How long is the hospital stay, and when can I drive again?",
            ["How long is the hospital stay", "when can I drive again?"],
        ),
        ("What is MVD? And is it safe?", ["What is MVD?", "And is it safe?"]),
        ("What is microvascular decompression?", []),
        ("I am 62 and my eye twitches. What is MVD?", []),  # a story, then one question
        ("botox and surgery, which is better", []),
    ],
)
def test_a_message_asking_two_things_is_split_into_its_questions(message: str, parts: list[str]) -> None:
    from chatbot.dialogue.plan import question_parts

    assert question_parts(message) == parts


def test_when_one_question_of_two_is_answered_the_reply_says_which(bot: Bot) -> None:
    reply = bot.ask("Which blood vessels usually press on the nerve, and is this condition genetic?")
    assert reply.type is ReplyType.ANSWER
    assert 'this answers "Which blood vessels usually press on the nerve"' in reply.reply
    assert "ask the other part on its own" in reply.reply
    assert any("AICA" in passage.text or "artery" in passage.text for passage in reply.passages)


def test_a_second_question_that_points_back_is_not_answered_alone(bot: Bot) -> None:
    # "one" is the EMG, which the documents never mention: "will I need one before surgery"
    # alone would be answered about something else.
    assert bot.ask("What is an EMG and will I need one before surgery?").type is ReplyType.NOT_FOUND
