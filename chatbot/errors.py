"""Errors raised on purpose by chatbot.

Every error the core raises on purpose is a :class:`ChatbotError`; each boundary
translates them once (the CLI into exit codes, the API into JSON errors)::

    ChatbotError
    ├── ConfigError(key, reason)          start-up stops; the message names the key
    ├── CorpusError(path, line, reason)   the file is reported; `chatbot index` exits 1
    │   └── EmptyCorpusError              the folder is missing or holds no document
    ├── IndexBuildError(reason)           the BM25 index cannot be built or loaded
    ├── EvalFileError(path, case, field)  `chatbot eval` exits 2
    └── RequestError(code, message)       the API answers 400 {"error": {"code", "message"}}
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ChatbotError",
    "ConfigError",
    "CorpusError",
    "EmptyCorpusError",
    "EvalFileError",
    "IndexBuildError",
    "RequestError",
]


class ChatbotError(Exception):
    """Base class of every error chatbot raises on purpose."""


class ConfigError(ChatbotError):
    """A setting has a value that cannot be used; the message names the key."""

    def __init__(self, key: str, reason: str, *, source: str | None = None) -> None:
        self.key = key
        self.reason = reason
        self.source = source
        where = f" (from {source})" if source else ""
        super().__init__(f"invalid setting {key!r}{where}: {reason}")


class CorpusError(ChatbotError):
    """A corpus file cannot be read or parsed; names the file and, when known, the line."""

    def __init__(self, path: Path | str, reason: str, *, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason}")


class EmptyCorpusError(CorpusError):
    """The corpus folder is missing or holds no readable document."""


class IndexBuildError(ChatbotError):
    """The search index cannot be built or a saved index cannot be loaded."""


class EvalFileError(ChatbotError):
    """A question-set file is malformed; names the file, the case and the field."""

    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        case: str | int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.case = case
        self.field = field
        self.reason = reason
        parts = [str(self.path)]
        if case is not None:
            parts.append(f"case {case}")
        if field is not None:
            parts.append(f"field {field!r}")
        super().__init__(f"{', '.join(parts)}: {reason}")


class RequestError(ChatbotError):
    """A request to the API is invalid; becomes a JSON error with this code."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(message)
