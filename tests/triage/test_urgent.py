"""Urgent symptoms, small talk and the personal-advice guard (chatbot.triage.urgent, Bot.ask)."""

from __future__ import annotations

import time

import pytest
from qa_sets import load_cases, messages

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.dialogue.reply import ReplyType
from chatbot.triage.personal import detect_personal_advice
from chatbot.triage.smalltalk import SmallTalk, detect_smalltalk
from chatbot.triage.urgent import UrgentKind, detect_urgent

URGENT_CASES = load_cases("urgent")
URGENT = [case for case in URGENT_CASES if case.get("expect_type") == "urgent"]
LOOK_ALIKES = [case for case in URGENT_CASES if "urgent" in case.get("expect_type_not", ())]


def test_urgent_set_is_large_enough() -> None:
    assert len(URGENT) >= 30
    assert len(LOOK_ALIKES) >= 60
    assert len(URGENT) + len(LOOK_ALIKES) == len(URGENT_CASES)


def test_urgent_recall_is_total() -> None:
    missed = [case["message"] for case in URGENT if detect_urgent(case["message"]) is None]
    assert missed == []


def test_no_false_alarm_on_look_alikes() -> None:
    alarms = [case["message"] for case in LOOK_ALIKES if detect_urgent(case["message"]) is not None]
    assert alarms == []


@pytest.mark.parametrize("name", ["answerable", "unanswerable", "smalltalk", "conversations"])
def test_no_false_alarm_on_the_other_question_sets(name: str) -> None:
    # Emergency tier never; an urgent-today reply (call the clinic today) only where the set's file explains it.
    found = {message: detect_urgent(message) for message in messages(name)}
    assert [m for m, f in found.items() if f is not None and f.tier == "emergency"] == []
    today = [m for m, f in found.items() if f is not None]
    assert today == KNOWN_TODAY_ALARMS.get(name, [])


#: Informational questions that get the urgent-today reply (a call to the clinic today, not an
#: ambulance): a leak of spinal fluid after brain surgery described as happening, then asked about.
KNOWN_TODAY_ALARMS = {"answerable": ["spinal fluid leaking after brain surgery, does that happen?"]}


# Wordings written after the patterns, to check that matching generalises beyond the set.
FRESH_URGENT = [
    "help my wifes face is sagging on one side and she cant talk",
    "my arm went numb and my face feels droopy",
    "clear stuff running out of my nose after the brain op",
    "got a really high temperature 4 days post op",
    "i am bleeding heavily from my scar",
    "its the worst headache ive ever had",
    "cant hear out of my left ear since yesterday's surgery",
    "I want to end my life",
    "my speech went weird and my hand is weak",
    "there is fluid leaking out of my incision",
    "neck so stiff cant bend it and fever",
    "Grandpa is slurring his words",
    "i keep throwing up after my operation yesterday",
    "Is it a stroke? my face is drooping",
    "am i having a stroke my face is drooping",
]
FRESH_LOOK_ALIKES = [
    "what does a stroke look like compared to hfs",
    "how likely is hearing loss with mvd",
    "Can botox cause drooping of the mouth?",
    "can you get a csf leak from mvd",
    "what if i get a fever after the surgery",
    "is vomiting common after anaesthesia",
    "can the surgery cause slurred speech",
    "Why do some patients lose hearing after MVD?",
    "does mvd leave you with a stiff neck",
    "what to do if the wound bleeds",
    "my mother had mvd 5 years ago and it worked great",
    "i had mvd last year, can the spasm come back?",
    "is bleeding in the brain a risk",
    "am i rendered unconscious for the procedure or is it undertaken awake",
]


@pytest.mark.parametrize("message", FRESH_URGENT)
def test_urgent_generalises(message: str) -> None:
    assert detect_urgent(message) is not None


@pytest.mark.parametrize("message", FRESH_LOOK_ALIKES)
def test_look_alikes_generalise(message: str) -> None:
    assert detect_urgent(message) is None


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        ("the idea of going deaf terrifies me, could the operation damage my hearing? I feel sick", False),
        ("im terrified of going deaf after the op", False),
        ("I'm scared of having a stroke during surgery", False),
        # a feared sign next to one that is happening, or a feared sign said to be acute: urgent
        ("the thought of a stroke scares me but my face is drooping and my arm is weak now", True),
        ("terrified of going deaf, it suddenly happened an hour ago after my operation", True),
        ("im scared, ive gone deaf in one ear since the operation", True),
        ("I'm worried about my face drooping and my arm is weak", True),
    ],
)
def test_a_feared_sign_is_not_a_present_one(message: str, urgent: bool) -> None:
    assert (detect_urgent(message) is not None) is urgent


def test_self_harm_is_its_own_kind() -> None:
    found = detect_urgent("i dont want to live anymore")
    assert found is not None and found.kind is UrgentKind.SELF_HARM
    stroke = detect_urgent("my face is drooping and i cant lift my arm")
    assert stroke is not None and stroke.kind is UrgentKind.EMERGENCY and stroke.flag.startswith("stroke")


def test_post_operative_signs_need_an_operation() -> None:
    assert detect_urgent("i have a fever") is None
    assert detect_urgent("i have a fever since my operation") is not None
    assert detect_urgent("fever and a stiff neck") is not None


@pytest.mark.parametrize("message", ["a" * 5000, "face " * 1000, "my " * 1000 + "droop", "clear " * 900 + "nose"])
def test_crafted_input_is_fast(message: str) -> None:
    started = time.perf_counter()
    detect_urgent(message)
    detect_smalltalk(message)
    detect_personal_advice(message)
    assert time.perf_counter() - started < 0.5  # bounded input and linear patterns; generous for slow CI


def test_urgent_reply(bot: Bot) -> None:
    reply = bot.ask("my face is drooping and i cant lift my arm")
    assert reply.type is ReplyType.URGENT
    assert reply.passages == ()
    assert reply.emergency_number == bot.settings.emergency_number
    assert f"Call {bot.settings.emergency_number} now" in reply.reply
    assert reply.crisis_line is None
    assert reply.disclaimer


def test_self_harm_reply_points_to_the_crisis_line() -> None:
    custom = Bot.from_settings(Settings(crisis_line="116 123", emergency_number="112"))
    reply = custom.ask("I want to kill myself")
    assert reply.type is ReplyType.URGENT
    assert reply.crisis_line == "116 123"
    assert "116 123" in reply.reply and "112" in reply.reply


def test_urgent_comes_before_small_talk_and_retrieval(bot: Bot) -> None:
    reply = bot.ask("hi, clear fluid is dripping from my nose since the mvd, what is a csf leak?")
    assert reply.type is ReplyType.URGENT


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Hello!", SmallTalk.GREETING),
        ("good morning", SmallTalk.GREETING),
        ("thank you so much", SmallTalk.THANKS),
        ("bye", SmallTalk.GOODBYE),
        ("who are you?", SmallTalk.IDENTITY),
        ("are you a bot", SmallTalk.IDENTITY),
        ("help", SmallTalk.HELP),
        ("what can you do?", SmallTalk.HELP),
        ("ok", SmallTalk.ACKNOWLEDGE),
        ("thanks, that was really helpful", SmallTalk.THANKS),
        ("that was very useful, thank you!", SmallTalk.THANKS),
        ("ok bye for now", SmallTalk.GOODBYE),
    ],
)
def test_small_talk_kinds(message: str, kind: SmallTalk) -> None:
    assert detect_smalltalk(message) is kind


@pytest.mark.parametrize(
    "message",
    [
        "hi, what is MVD?",
        "help me understand botox",
        "thanks, how long does botox last",
        "who does the surgery",
        "thanks, that was helpful. and the risks?",
    ],
)
def test_questions_are_not_small_talk(message: str) -> None:
    assert detect_smalltalk(message) is None


@pytest.mark.parametrize("case", load_cases("smalltalk"), ids=lambda case: case["id"])
def test_smalltalk_set(bot: Bot, case: dict[str, str]) -> None:
    reply = bot.ask(case["message"])
    assert reply.type.value == case["expect_type"]
    if reply.type is ReplyType.SMALLTALK:
        assert reply.passages == ()
        assert reply.suggestions == bot.suggestions
        assert "hemifacial spasm" in reply.reply
    if "expect_text" in case:
        assert any(snippet in passage.text for snippet in case["expect_text"] for passage in reply.passages)


@pytest.mark.parametrize(
    "message",
    ["Should I stop taking carbamazepine?", "Is my twitching a tumour?", "Am I a candidate for MVD?"],
)
def test_personal_advice_gets_passages_and_the_line(message: str) -> None:
    bot = Bot.from_settings(Settings(clinic_name="Example Clinic", clinic_phone="+1 555 0100"))
    reply = bot.ask(message)
    assert reply.type is ReplyType.ANSWER
    assert reply.personal_advice is True
    assert reply.passages
    assert "cannot advise on your individual case" in reply.reply
    assert "+1 555 0100" in reply.reply


def test_personal_advice_passages_are_on_topic(bot: Bot) -> None:
    reply = bot.ask("Should I stop taking carbamazepine?")
    assert any("Carbamazepine" in passage.text for passage in reply.passages)
    tumour = bot.ask("Is my twitching a tumour?")
    assert any("tumors" in passage.text for passage in tumour.passages)


@pytest.mark.parametrize(
    "message",
    ["What is hemifacial spasm?", "Will I need an MRI scan?", "When can I drive again after MVD?", "Is MVD dangerous?"],
)
def test_general_questions_are_not_personal(message: str) -> None:
    assert detect_personal_advice(message) is False


@pytest.mark.parametrize(
    "message",
    [
        "is my blood pressure too high? it was 150/95",
        "My scan came back with a T-score of -2.7, is my bone density bad?",
        "is my cholesterol ok?",
        "Can I take ibuprofen with my heart tablets?",
        "could this be a trapped nerve?",
    ],
)
def test_judging_ones_own_reading_or_mixing_with_ones_own_treatment_is_personal(message: str) -> None:
    assert detect_personal_advice(message) is True


@pytest.mark.parametrize(
    "message",
    ["Is high blood pressure dangerous?", "can it be treated?", "could this be done under local anaesthetic?"],
)
def test_the_same_words_about_people_in_general_are_not_personal(message: str) -> None:
    assert detect_personal_advice(message) is False


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        # History asked about: not a stroke now.
        ("I had a facial paralysis some years ago and now that side twitches. Can an old paralysis be a cause?", False),
        ("my speech has been slurred for two years, could that be part of hfs?", False),
        # The same signs now, or suddenly, with the history beside them: urgent.
        ("I had facial palsy years ago and suddenly my face is drooping again, what do I do?", True),
        ("my face started drooping this morning, is that normal after mvd years ago?", True),
        ("my face is drooping and i cant lift my arm, i had mvd months ago", True),
    ],
)
def test_a_sign_from_long_ago_in_a_question_is_history_not_an_emergency(message: str, urgent: bool) -> None:
    assert (detect_urgent(message) is not None) is urgent


def test_urgent_today_tells_the_person_to_see_a_doctor_today(bot: Bot) -> None:
    reply = bot.ask("my wound is red and oozing pus and I have a temperature since the operation")
    assert reply.type is ReplyType.URGENT and reply.tier == "urgent_today"
    assert "today" in reply.reply and bot.settings.emergency_number in reply.reply


def test_self_harm_about_another_person_gets_the_crisis_line(bot: Bot) -> None:
    for message in ["my brother says he wants to kill himself", "my mum took all her pills on purpose"]:
        reply = bot.ask(message)
        assert reply.type is ReplyType.URGENT and reply.tier == "emergency"
        assert reply.crisis_line == bot.settings.crisis_line and bot.settings.crisis_line in reply.reply


def test_is_this_normal_after_a_red_flag_does_not_cancel_it(bot: Bot) -> None:
    reply = bot.ask("clear fluid is dripping from my nose since the operation. is this normal?")
    assert reply.type is ReplyType.URGENT


def test_acute_symptoms_without_a_red_flag_get_the_safety_net_line(bot: Bot) -> None:
    reply = bot.ask("I have a bad headache right now, what helps?")
    assert reply.type is not ReplyType.URGENT
    assert reply.reply.startswith(f"If this is happening now and feels severe, call {bot.settings.emergency_number}")
    calm = bot.ask("How long does Botox last?")
    assert "happening now" not in calm.reply
