"""Reply wording built from the settings: how to reach a person, the notice under every reply."""

from __future__ import annotations

from chatbot.config import Settings

__all__ = ["contact_line", "notice_text", "personal_advice_line"]


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
