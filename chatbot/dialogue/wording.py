"""Reply wording built from the settings: how to reach a person, the notice under every reply."""

from __future__ import annotations

from chatbot.config import Settings

__all__ = [
    "RESTARTED_LINE",
    "contact_line",
    "notice_text",
    "personal_advice_line",
    "safety_net_line",
    "urgent_text",
]


def contact_line(settings: Settings) -> str:
    """How to reach a person at the clinic, from the profile."""
    ways = []
    if settings.clinic_phone:
        hours = f" ({settings.opening_hours})" if settings.opening_hours else ""
        ways.append(f"call {settings.clinic_phone}{hours}")
    if settings.clinic_email:
        ways.append(f"e-mail {settings.clinic_email}")
    if settings.booking_url:
        ways.append(f"book an appointment at {settings.booking_url}")
    if not ways:
        return f"contact {settings.clinic_name} directly"
    return " or ".join(ways)


def notice_text(settings: Settings) -> str:
    return (
        f"You are chatting with an automated assistant that quotes {settings.clinic_name}'s documents; "
        f"it is not a doctor. To talk to a person, {contact_line(settings)}."
    )


def personal_advice_line(settings: Settings) -> str:
    """What the bot says when asked about the visitor's own case."""
    return (
        "I cannot advise on your individual case; your own doctor or the clinic can, "
        f"so please {contact_line(settings)}."
    )


RESTARTED_LINE = (
    "(The conversation was restarted: the previous one could not be continued, so this message "
    "was read on its own.)"
)


def urgent_text(settings: Settings, *, action: str, crisis: bool, clinic_flag: bool) -> str:
    """What an urgent reply tells the person to do, by the red flag's action.

    ``emergency_number``: call it now; ``crisis_line``: the crisis line (and the emergency
    number for immediate danger); ``clinic_today``: the clinic today, the out-of-hours service
    when it is closed, the emergency number if it gets worse. ``crisis`` adds the crisis line
    to an emergency (an overdose taken on purpose); ``clinic_flag`` (a sign from the clinic's
    own table, about its treatment) asks the person to mention the treatment.
    """
    emergency = settings.emergency_number
    if action == "crisis_line":
        return (
            "I am sorry you are going through this. Please talk to someone now: call the crisis line "
            f"{settings.crisis_line}, any time of day. If you or they are in immediate danger or have been hurt, "
            f"call {emergency}. You do not have to face this alone."
        )
    mention = " and tell them about your treatment here" if clinic_flag else ""
    if action == "clinic_today":
        after_hours = settings.out_of_hours or "your out-of-hours service"
        return (
            f"This needs to be checked by a doctor today. Please {contact_line(settings)} now{mention}; "
            f"if the clinic is closed, call {after_hours}. Do not wait for a reply here. "
            f"If it gets worse or you feel very unwell, call {emergency}."
        )
    crisis_part = (
        f" If this was on purpose or you are thinking of harming yourself, the crisis line {settings.crisis_line} "
        "is there any time." if crisis else ""
    )
    return (
        f"This could be a medical emergency. Call {emergency} now, or go to the nearest emergency department. "
        f"Do not wait for a reply here{mention}.{crisis_part} "
        f"When you are safe, let {settings.clinic_name} know: {contact_line(settings)}."
    )


def safety_net_line(settings: Settings) -> str:
    """Added to an ordinary reply to a message that describes symptoms happening now."""
    return f"If this is happening now and feels severe, call {settings.emergency_number}."
