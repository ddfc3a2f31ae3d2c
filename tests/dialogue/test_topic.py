"""The conversation topic: a new subject replaces the old; a pronoun with nothing before it is asked about."""

from __future__ import annotations

from chatbot.bot import Bot
from chatbot.dialogue.context import TurnPlan, decode_context, retopic
from chatbot.dialogue.reply import ReplyType


def test_a_follow_up_naming_another_kind_of_subject_replaces_the_topic(bot: Bot) -> None:
    first = bot.ask("how long does botox last")
    second = bot.ask("what are the risks of the surgery", context=first.context)
    assert second.type is ReplyType.ANSWER
    assert "botox" not in [word.lower() for word in decode_context(second.context, bot.context_key).topic]
    third = bot.ask("and how long is recovery?", context=second.context)
    assert third.type is ReplyType.ANSWER
    assert "botox" not in third.reply.lower()


def test_a_follow_up_answered_about_the_topic_keeps_it(bot: Bot) -> None:
    first = bot.ask("What is microvascular decompression?")
    second = bot.ask("what are the risks of the surgery", context=first.context)
    assert decode_context(second.context, bot.context_key).topic == decode_context(first.context, bot.context_key).topic


def test_retopic_leaves_a_new_question_alone(bot: Bot) -> None:
    plan = TurnPlan(search_text="what is botox", topic=("botox",), follow_up=False)
    query = bot.index.query("what is botox")
    assert retopic(plan, query, frozenset(), frozenset({"=botox"})) is plan


def test_a_first_question_with_only_a_pronoun_for_its_subject_is_asked_about(bot: Bot) -> None:
    reply = bot.ask("how long does it last")
    assert reply.type is ReplyType.SMALLTALK
    assert '"it"' in reply.reply
    assert not reply.passages


def test_a_pronoun_that_stands_for_what_follows_is_not_asked_about(bot: Bot) -> None:
    assert bot.ask("Is it safe to have microvascular decompression?").type is ReplyType.ANSWER
    assert bot.ask("how long does botox last, and is it painful?").type is not ReplyType.SMALLTALK
