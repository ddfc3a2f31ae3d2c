"""The reply text: which sentence is quoted, and when a second document is quoted too."""

from __future__ import annotations

from chatbot.bot import Bot
from chatbot.dialogue.reply import ReplyType


def test_a_question_about_an_aspect_is_answered_by_the_unit_that_names_it(bot: Bot) -> None:
    # The section names the risks; its list of complications, not its reassurance, answers.
    reply = bot.ask("What are the risks of the surgery?")
    assert reply.type is ReplyType.ANSWER
    assert reply.reply.startswith("Rare complications include")


def test_a_second_source_is_quoted_only_when_it_answers_about_as_well(bot: Bot) -> None:
    reply = bot.ask("How long is the hospital stay?")
    assert reply.type is ReplyType.ANSWER
    assert "Another of our documents says" not in reply.reply


def test_a_second_source_that_answers_too_is_still_quoted(bot: Bot) -> None:
    reply = bot.ask("How long does botox last?")
    assert reply.type is ReplyType.ANSWER
    assert "Another of our documents says" in reply.reply
