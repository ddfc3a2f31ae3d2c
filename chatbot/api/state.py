"""What the API serves from: the bot (swapped atomically by a reloader), settings, limiter and reply cache."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_limiter import Limiter

from chatbot.api.cache import ReplyCache
from chatbot.bot import Bot
from chatbot.config import Settings

__all__ = ["ApiState", "state"]


@dataclass(slots=True)
class ApiState:
    """What the API serves from; ``bot`` may be replaced while serving (one assignment)."""

    bot: Bot
    settings: Settings
    limiter: Limiter
    cache: ReplyCache


def state() -> ApiState:
    found: ApiState = current_app.extensions["chatbot"]
    return found
