"""Questions about the clinic itself are answered from its details, never from a passage.

Each administrative question gets the profile's detail (said to come from the clinic's details)
or the contact line when the detail is unset; medical questions that share a word are left to
the documents.
"""

from __future__ import annotations

import pytest

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.dialogue.clinic_info import ClinicDetail, clinic_info_text, detect_clinic_info
from chatbot.dialogue.reply import ReplyType

PROFILE = {
    "clinic_name": "Riverside Clinic",
    "clinic_phone": "+44 20 7946 0000",
    "clinic_email": "desk@riverside.example",
    "opening_hours": "Mon-Fri 9:00-17:00",
    "booking_url": "https://riverside.example/book",
    "address": "1 River Street, Leeds",
}

# question -> the details it asks for, and a part of the reply with the full profile
ADMIN = [
    ("What are your opening hours?", (ClinicDetail.HOURS,), "the opening hours are Mon-Fri 9:00-17:00"),
    ("what time does the clinic open on saturdays", (ClinicDetail.HOURS,), "Mon-Fri 9:00-17:00"),
    ("are you open today?", (ClinicDetail.HOURS,), "Mon-Fri 9:00-17:00"),
    ("what's your phone number", (ClinicDetail.PHONE,), "the phone number is +44 20 7946 0000"),
    ("how can I contact you?", (ClinicDetail.PHONE,), "+44 20 7946 0000"),
    ("What is the clinic's email address?", (ClinicDetail.EMAIL,), "the e-mail address is desk@riverside.example"),
    ("where are you", (ClinicDetail.ADDRESS,), "the address is 1 River Street, Leeds"),
    ("Where are you located?", (ClinicDetail.ADDRESS,), "1 River Street, Leeds"),
    ("how do I get to the clinic?", (ClinicDetail.ADDRESS,), "1 River Street, Leeds"),
    ("How do I book an appointment?", (ClinicDetail.BOOKING,), "https://riverside.example/book"),
    ("How do I cancel my appointment?", (ClinicDetail.BOOKING,), "https://riverside.example/book"),
    ("I need to reschedule my appointment", (ClinicDetail.BOOKING,), "https://riverside.example/book"),
    (
        "what is the clinic's phone number, I need to change my appointment",
        (ClinicDetail.PHONE, ClinicDetail.BOOKING),
        "+44 20 7946 0000",
    ),
]

# Medical questions that share a word with an administrative one: for the documents.
LOOK_ALIKES = [
    "how long is the appointment for the operation?",
    "how many hours does the operation itself take?",
    "where is the neurovascular conflict typically located?",
    "Where is the opening made for the decompression?",
    "I'm booked in for the operation in March, how long will I stay?",
    "what should I bring to my appointment",
    "what happens at the first appointment",
    "can I drive to my appointment after the injection",
    "who should I call if my wound is red",
    "should I call my doctor if the twitching gets worse",
    "what number of injections will I need",
    "knee replacement more information websites phone number",
    "gadgets to help hear the tv or phone better",
    "is the wound open after surgery",
    "where is the surgery done",
    "how long are you in hospital",
    "where is the pain located",
]


@pytest.mark.parametrize(("message", "details", "_"), ADMIN, ids=[case[0] for case in ADMIN])
def test_administrative_questions_are_detected(message: str, details: tuple[ClinicDetail, ...], _: str) -> None:
    assert detect_clinic_info(message) == details


@pytest.mark.parametrize("message", LOOK_ALIKES)
def test_medical_look_alikes_are_not_caught(message: str) -> None:
    assert detect_clinic_info(message) == ()


@pytest.fixture(scope="module")
def full_bot(bot: Bot) -> Bot:
    return Bot(settings=bot.settings.replace(**PROFILE), corpus=bot.corpus, index=bot.index)


@pytest.mark.parametrize(("message", "_", "expected"), ADMIN, ids=[case[0] for case in ADMIN])
def test_the_reply_gives_the_profile_detail_and_cites_no_passage(
    full_bot: Bot, message: str, _: tuple[ClinicDetail, ...], expected: str
) -> None:
    reply = full_bot.ask(message)
    assert reply.type is ReplyType.SMALLTALK
    assert reply.passages == ()
    assert reply.reply.startswith("From Riverside Clinic's details (not its documents): ")
    assert expected in reply.reply
    assert reply.suggestions == full_bot.suggestions


@pytest.mark.parametrize(("message", "_", "__"), ADMIN, ids=[case[0] for case in ADMIN])
def test_an_unset_detail_gets_the_contact_line(bot: Bot, message: str, _: object, __: str) -> None:
    reply = bot.ask(message)  # the default settings: no phone, e-mail, hours, address or booking link
    assert reply.type is ReplyType.SMALLTALK
    assert reply.passages == ()
    assert "details given to me do not include" in reply.reply
    assert reply.reply.endswith("so please contact the clinic directly.")


@pytest.mark.parametrize(
    ("unset", "message", "expected"),
    [
        ("opening_hours", "What are your opening hours?", "its opening hours, so please call +44 20 7946 0000"),
        ("clinic_phone", "what's your phone number", "a phone number, so please e-mail desk@riverside.example"),
        ("address", "where are you?", "its address, so please call +44 20 7946 0000 (Mon-Fri 9:00-17:00)"),
        ("booking_url", "How do I book an appointment?", "so please call +44 20 7946 0000 (Mon-Fri 9:00-17:00)"),
    ],
)
def test_one_unset_detail_names_the_other_ways(unset: str, message: str, expected: str) -> None:
    settings = Settings(**{**PROFILE, unset: ""})  # type: ignore[arg-type]
    text = clinic_info_text(settings, detect_clinic_info(message))
    assert "Riverside Clinic's details given to me do not include" in text
    assert expected in text


def test_a_known_and_an_unset_detail_in_one_question() -> None:
    settings = Settings(**{**PROFILE, "booking_url": ""})  # type: ignore[arg-type]
    text = clinic_info_text(settings, (ClinicDetail.PHONE, ClinicDetail.BOOKING))
    assert text.startswith("From Riverside Clinic's details (not its documents): the phone number is +44 20 7946 0000")
    assert "do not also include how to book or change an appointment" in text


def test_a_document_question_asked_with_a_clinic_one_is_still_answered(bot: Bot) -> None:
    reply = bot.ask("How likely is an infection after MVD, and what number do I ring on weekends?")
    assert reply.type is ReplyType.ANSWER


@pytest.mark.parametrize("message", LOOK_ALIKES)
def test_look_alikes_never_get_the_clinic_details_reply(full_bot: Bot, message: str) -> None:
    reply = full_bot.ask(message)
    assert "details (not its documents)" not in reply.reply
    assert "details given to me" not in reply.reply
