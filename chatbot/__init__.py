"""Answer patients' questions strictly from a clinic's documents, with citations."""

from __future__ import annotations

__version__ = "0.1.0"

from chatbot.bot import Bot
from chatbot.config import Settings, load_settings
from chatbot.dialogue.reply import Citation, Reply, ReplyType
from chatbot.errors import ChatbotError, ConfigError, CorpusError, EvalFileError, RequestError

__all__ = [
    "Bot",
    "ChatbotError",
    "Citation",
    "ConfigError",
    "CorpusError",
    "EvalFileError",
    "Reply",
    "ReplyType",
    "RequestError",
    "Settings",
    "__version__",
    "load_settings",
]
