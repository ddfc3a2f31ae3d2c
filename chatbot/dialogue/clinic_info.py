"""Questions about the clinic itself (hours, phone, e-mail, address, booking), answered from its details.

These are not questions for the documents: "What are your opening hours?" must not be answered
by a passage that happens to share a word. The patterns are few and general, and they ask for
the clinic as the thing contacted, visited or booked ("your phone number", "where are you",
"how do I book an appointment"), so a medical question that shares a word ("how long is the
appointment for the operation?", "where is the conflict located?", "I'm booked in for the
operation") is left to the documents.
"""

from __future__ import annotations

import re
from enum import Enum

from chatbot.config import Settings
from chatbot.dialogue.wording import contact_line
from chatbot.text.normalise import normalise_message
from chatbot.triage.patterns import one_of, rx

__all__ = ["ClinicDetail", "clinic_info_text", "detect_clinic_info"]


class ClinicDetail(str, Enum):
    """A detail of the clinic a visitor may ask for."""

    HOURS = "hours"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    BOOKING = "booking"


#: Longer messages are stories or medical questions: left to the documents.
MAX_CHARS = 160

# The clinic as the thing asked about: "you", "your clinic", "the clinic's", "the office" ...
_PLACE = one_of("clinic", "clinics", "office", "offices", "practice", "practices")
_CLINIC = one_of("your " + _PLACE, "ur " + _PLACE, "the " + _PLACE)  # "where is the clinic"
_THE_CLINIC = one_of("you", "u", _CLINIC, _PLACE, "your team", "the team")  # "how do I contact you"
_YOUR = one_of("your", "ur", _CLINIC, _PLACE)  # before a detail: "your phone number", "clinic hours"
_HOW_DO_I = one_of(
    "how (?:do|can|could|should|would) (?:i|we)",
    "where (?:do|can|could|should) (?:i|we)",
    "(?:can|could|may) (?:i|we)",
    "how to",
    "i (?:want|need|would like|d like|wish) to",
    "id like to",
    "want to",
)
_APPOINTMENT = one_of("appointment", "appointments", "appt", "consultation")
_BOOK = one_of(
    "book", "make", "get", "arrange", "schedule", "cancel", "change", "reschedule", "move", "rearrange", "postpone"
)
_REACH = one_of("call", "phone", "ring", "telephone", "contact", "reach", "get hold of", "get in touch with")
_END = r"(?:please )?(?:\? )?$"

_PATTERNS: tuple[tuple[ClinicDetail, re.Pattern[str]], ...] = (
    (
        ClinicDetail.HOURS,
        rx(
            rf" {_YOUR} (?:opening |office |business |working )?(?:hours|opening times) ",
            r" (?:opening|office|business) (?:hours|times) ",
            rf" (?:when|what time|what times|what days) (?:are|is|do|does) {_THE_CLINIC} (?:open|close|closed|shut) ",
            rf" (?:are|is) {_THE_CLINIC} (?:open|closed|shut) (?:on |at |today |tomorrow |now |during |over |\? |$)",
        ),
    ),
    (
        ClinicDetail.PHONE,
        rx(
            rf" {_YOUR} (?:phone|telephone|tel|contact) (?:number|no|nr) ",
            rf"^ (?:whats |what is )?(?:the |a )?(?:phone|telephone|contact) (?:number|no) {_END}",
            rf" (?:how|where) (?:do|can|could|should) i {_REACH} {_THE_CLINIC} ",
            r" (?:what|which) number (?:do|can|should) i (?:call|ring|phone) ",
            rf" (?:can|could|may) i (?:call|phone|ring) {_THE_CLINIC} ",
        ),
    ),
    (
        ClinicDetail.EMAIL,
        rx(
            rf" {_YOUR} (?:e mail|email)(?: address)? ",
            rf"^ (?:whats |what is )?(?:the |an )?(?:e mail|email)(?: address)? {_END}",
            rf" (?:how|where) (?:do|can|could|should) i (?:e mail|email|write to) {_THE_CLINIC} ",
            rf" (?:can|could|may) i (?:e mail|email|write to) {_THE_CLINIC} ",
        ),
    ),
    (
        ClinicDetail.ADDRESS,
        rx(
            rf" where (?:are|r) (?:you|u)(?: guys)?(?: located| based| situated)?(?: exactly)? {_END}",
            rf" where (?:is|are) {_CLINIC}(?: located| based| situated)? ",
            rf" {_YOUR} (?:address|location|postcode|post code|zip code) ",
            rf"^ (?:whats |what is )?(?:the )?(?:address|postcode) {_END}",
            rf" (?:how|where) (?:do|can|could|should) i (?:get|go|come|find) (?:to )?{_THE_CLINIC} ",
            rf" directions to {_THE_CLINIC} ",
            rf"^ (?:directions|how (?:do i|to) get there) {_END}",
        ),
    ),
    (
        ClinicDetail.BOOKING,
        rx(
            rf" {_HOW_DO_I} {_BOOK} (?:an |a |my |the |another |a new |a follow up |my follow up )?{_APPOINTMENT} ",
            rf" {_BOOK} (?:an |a |my ){_APPOINTMENT} (?:with {_THE_CLINIC} )?{_END}",
            rf" (?:book|booking) (?:in )?with {_THE_CLINIC} ",
            rf" {_YOUR} (?:booking|appointments?) (?:line|page|link|system|website|site) ",
            rf" (?:how|where) (?:do|can|could) i (?:book|make a booking|reschedule) {_END}",
        ),
    ),
)


def detect_clinic_info(message: str, *, normalised: str | None = None) -> tuple[ClinicDetail, ...]:
    """The clinic details a message asks for (in a fixed order), or () for any other message."""
    if len(message) > MAX_CHARS:
        return ()
    text = normalise_message(message) if normalised is None else normalised
    return tuple(detail for detail, pattern in _PATTERNS if pattern.search(text))


def _known(settings: Settings, detail: ClinicDetail) -> str:
    """The detail as the reply states it, or '' when the profile does not set it."""
    if detail is ClinicDetail.HOURS:
        return f"the opening hours are {settings.opening_hours}" if settings.opening_hours else ""
    if detail is ClinicDetail.PHONE:
        if not settings.clinic_phone:
            return ""
        hours = f" ({settings.opening_hours})" if settings.opening_hours else ""
        return f"the phone number is {settings.clinic_phone}{hours}"
    if detail is ClinicDetail.EMAIL:
        return f"the e-mail address is {settings.clinic_email}" if settings.clinic_email else ""
    if detail is ClinicDetail.ADDRESS:
        return f"the address is {settings.address}" if settings.address else ""
    return f"appointments are booked, changed or cancelled at {settings.booking_url}" if settings.booking_url else ""


_MISSING = {
    ClinicDetail.HOURS: "its opening hours",
    ClinicDetail.PHONE: "a phone number",
    ClinicDetail.EMAIL: "an e-mail address",
    ClinicDetail.ADDRESS: "its address",
    ClinicDetail.BOOKING: "how to book or change an appointment",
}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{'; '.join(items[:-1])}; and {items[-1]}"


def clinic_info_text(settings: Settings, details: tuple[ClinicDetail, ...]) -> str:
    """The reply: each detail from the clinic's details (saying so), or the contact line for one not set."""
    name = settings.clinic_name
    known = [text for text in (_known(settings, detail) for detail in details) if text]
    missing = [_MISSING[detail] for detail in details if not _known(settings, detail)]
    parts = []
    if known:
        parts.append(f"From {name}'s details (not its documents): {_join(known)}.")
    if missing:
        also = " also" if known else ""
        parts.append(
            f"{name[0].upper()}{name[1:]}'s details given to me do not{also} include {' or '.join(missing)}, "
            f"so please {contact_line(settings)}."
        )
    return " ".join(parts)
