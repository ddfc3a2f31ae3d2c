"""Settings: one table that drives defaults, validation, ``--help`` and the docs.

Load order, each overriding the last: the defaults below, the clinic profile file
(TOML or YAML, given by ``--config`` or ``CHATBOT_CONFIG``), ``CHATBOT_<KEY>``
environment variables, then command-line flags. Nothing here reads the
environment at import time; :func:`load_settings` is given the environment.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from chatbot.errors import ConfigError
from chatbot.profile import read_profile

__all__ = ["DEFAULT_DISCLAIMER", "Settings", "load_settings", "setting_docs"]

ENV_PREFIX = "CHATBOT_"

DEFAULT_DISCLAIMER = (
    "This is general information quoted from the clinic's documents, not medical advice. "
    "It cannot replace a consultation with your own doctor, who knows your case. "
    "If you think you have a medical emergency, call your local emergency number now."
)

_RATE_LIMIT_ITEM = re.compile(
    r"^\s*\d+\s*(/|\s+per\s+)\s*(\d+\s+)?(second|minute|hour|day|month|year)s?\s*$", re.IGNORECASE
)


def _doc(help_text: str, **extra: Any) -> dict[str, Any]:
    return {"help": help_text, **extra}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the chatbot, with its default and help text."""

    corpus: Path | None = field(
        default=None,
        metadata=_doc("Folder (or single FAQ file) of documents to answer from. Default: the bundled corpus."),
    )
    synonyms: Path | None = field(
        default=None,
        metadata=_doc(
            "Synonyms and abbreviations file (YAML). Default: synonyms.yaml in the corpus folder, "
            "else the packaged list."
        ),
    )
    index_cache: Path | None = field(
        default=None,
        metadata=_doc("Folder for the saved index. Default: .chatbot-index inside the corpus folder when writable."),
    )
    clinic_name: str = field(default="the clinic", metadata=_doc("Clinic name shown in replies and the page."))
    clinic_phone: str = field(default="", metadata=_doc("Clinic phone number for reaching a person."))
    clinic_email: str = field(default="", metadata=_doc("Clinic e-mail address for reaching a person."))
    opening_hours: str = field(
        default="", metadata=_doc("When the clinic answers the phone, e.g. 'Mon-Fri 9:00-17:00'.")
    )
    booking_url: str = field(default="", metadata=_doc("Link where patients book an appointment."))
    address: str = field(
        default="", metadata=_doc("The clinic's address, given when a visitor asks where the clinic is.")
    )
    public_url: str = field(
        default="",
        metadata=_doc(
            "This server's public address as patients reach it (e.g. 'https://chat.clinic.example'): links in "
            "answers the desk copies point there. Default: the address the desk was opened at."
        ),
    )
    emergency_number: str = field(
        default="911",
        metadata=_doc("Emergency telephone number given in urgent replies.", pattern=r"^[0-9+ ()-]{2,20}$"),
    )
    crisis_line: str = field(
        default="988",
        metadata=_doc("Crisis line given when a message mentions self-harm.", pattern=r"^[0-9+ ()-]{2,20}$"),
    )
    out_of_hours: str = field(
        default="",
        metadata=_doc(
            "Who to call the same day when the clinic is closed (a number or a service's name), given in "
            "urgent-today replies. Default: 'your out-of-hours service'."
        ),
    )
    disclaimer: str = field(default=DEFAULT_DISCLAIMER, metadata=_doc("Medical disclaimer added to every reply."))
    suggestions: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Suggested questions offered at the start and after replies. Default: the corpus folder's clinic.yaml "
            "'suggestions', else the questions (or section headings) of the corpus's own documents."
        ),
    )
    top_k: int = field(default=3, metadata=_doc("Number of passages in a reply.", min=1, max=20))
    bm25_k1: float = field(default=1.2, metadata=_doc("BM25 term-frequency saturation (k1).", min=0.0, max=3.0))
    bm25_b: float = field(default=0.75, metadata=_doc("BM25 length normalisation (b).", min=0.0, max=1.0))
    bm25_delta: float = field(
        default=1.0, metadata=_doc("BM25+ lower bound for a matching term (delta).", min=0.0, max=3.0)
    )
    min_relevance: float = field(
        default=0.15,
        metadata=_doc(
            "Not-found threshold: the best passage's score relative to the query's best possible score.",
            min=0.0,
            max=1.0,
        ),
    )
    min_coverage: float = field(
        default=0.5,
        metadata=_doc(
            "Not-found threshold: share of the question's content words the best passage matches.", min=0.0, max=1.0
        ),
    )
    second_source_ratio: float = field(
        default=0.5,
        metadata=_doc(
            "A second document is shown when its best passage scores at least this share of the top passage.",
            min=0.0,
            max=1.0,
        ),
    )
    host: str = field(default="127.0.0.1", metadata=_doc("Address `chatbot serve` listens on."))
    port: int = field(default=8000, metadata=_doc("Port `chatbot serve` listens on.", min=1, max=65535))
    workers: int = field(default=2, metadata=_doc("gunicorn worker processes.", min=1, max=64))
    threads: int = field(default=4, metadata=_doc("Threads per gunicorn worker.", min=1, max=64))
    worker_class: str = field(
        default="gthread",
        metadata=_doc(
            "gunicorn worker type: 'gthread' (threads; a buffering front such as nginx is then required on the "
            "internet) or 'gevent' (needs the gevent package: pip install 'chatbot[gevent]'; idle and slow "
            "connections cost no thread)."
        ),
    )
    allowed_origins: tuple[str, ...] = field(
        default=(), metadata=_doc("Origins allowed to call the API from a browser (CORS), e.g. the clinic website.")
    )
    frame_ancestors: str = field(
        default="'self'", metadata=_doc("Content-Security-Policy frame-ancestors: who may frame the chat page.")
    )
    rate_limit: str = field(
        default="30/minute;500/day",
        metadata=_doc("Requests per client address, in flask-limiter notation ('30/minute;500/day'), or 'off'."),
    )
    rate_limit_storage: str = field(
        default="memory://",
        metadata=_doc("Where rate-limit counters live: 'memory://' (one process) or a Redis URL shared by all."),
    )
    max_body_bytes: int = field(
        default=16384, metadata=_doc("Largest request body accepted, in bytes.", min=256, max=10_000_000)
    )
    max_message_chars: int = field(
        default=1000, metadata=_doc("Longest message accepted, in characters.", min=10, max=100_000)
    )
    log_messages: bool = field(
        default=False, metadata=_doc("Log visitors' message text. Off by default: nothing a visitor types is stored.")
    )
    reply_cache: int = field(
        default=2048,
        metadata=_doc(
            "Replies each server process keeps in memory for repeated identical requests (the same message, "
            "context and top_k; keyed by a hash, not the text). 0 turns the cache off.",
            min=0,
            max=1_000_000,
        ),
    )
    proxy_count: int = field(
        default=0,
        metadata=_doc(
            "Reverse proxies (load balancers) in front of the server whose X-Forwarded-For to trust for the client "
            "address that rate limits count by. 0: use the connecting address.",
            min=0,
            max=5,
        ),
    )
    watch: bool = field(default=True, metadata=_doc("Reload the corpus when its files change while serving."))
    watch_interval: float = field(
        default=2.0, metadata=_doc("Seconds between checks of the corpus folder for changes.", min=0.2, max=3600.0)
    )
    context_key: str = field(
        default="",
        metadata=_doc(
            "Secret (at least 32 characters) that signs the conversation context tokens; the same on every "
            "machine serving this chatbot. Default: a key generated once in the index folder (context.key).",
        ),
        repr=False,
    )
    hsts_max_age: int = field(
        default=0,
        metadata=_doc(
            "When the clinic serves the chatbot over HTTPS: seconds browsers must keep using HTTPS "
            "(Strict-Transport-Security, e.g. 31536000). 0: no such header.",
            min=0,
            max=63_072_000,
        ),
    )

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed and validated."""
        return coerce_settings({**self.as_dict(), **changes}, source="overrides")

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def setting_range(name: str) -> tuple[Any, Any]:
    """The (minimum, maximum) a numeric setting accepts, as its field declares them (None: no bound).

    The one place each limit is stated: the API, the OpenAPI description and the CLI read it here.
    """
    for f in fields(Settings):
        if f.name == name:
            return f.metadata.get("min"), f.metadata.get("max")
    raise KeyError(name)


def setting_docs() -> list[tuple[str, str, str]]:
    """(name, default as text, help) for every setting, for --help and the docs."""
    rows = []
    for f in fields(Settings):
        default = f.default
        if isinstance(default, tuple):
            shown = ", ".join(default) if default else "(none)"
        elif default is None:
            shown = "(see help)"
        elif default == "":
            shown = "(none)"
        else:
            shown = str(default)
        rows.append((f.name, shown, str(f.metadata["help"])))
    return rows


def _field_type(f: dataclasses.Field[Any]) -> str:
    return str(f.type)


def _to_bool(key: str, value: Any, source: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(key, f"expected true or false, got {value!r}", source=source)


def _to_number(key: str, value: Any, kind: Callable[[Any], Any], source: str) -> Any:
    if isinstance(value, bool):
        raise ConfigError(key, f"expected a number, got {value!r}", source=source)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        noun = "a whole number" if kind is int else "a number"
        raise ConfigError(key, f"expected {noun}, got {value!r}", source=source) from None
    if kind is int and isinstance(value, float) and value != int(value):
        raise ConfigError(key, f"expected a whole number, got {value!r}", source=source)
    return number


def _to_list(key: str, value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [part.strip() for part in re.split(r"[,\n]", value)]
        return tuple(item for item in items if item)
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise ConfigError(key, f"expected a list of strings, got {value!r}", source=source)


def _not_a(key: str, value: Any, what: str, source: str) -> ConfigError:
    """The error for a value of the wrong form: ``'<value>' is not <what>``."""
    return ConfigError(key, f"{value!r} is not {what}", source=source)


def _check_rate_limit(value: str, source: str) -> str:
    text = value.strip()
    if text.lower() == "off":
        return "off"
    parts = [part for part in re.split(r"[;,]", text) if part.strip()]
    if not parts or not all(_RATE_LIMIT_ITEM.match(part) for part in parts):
        hint = "a rate limit; use flask-limiter notation such as '30/minute;500/day', or 'off'"
        raise _not_a("rate_limit", value, hint, source)
    return text


def _check_storage(value: str, source: str) -> str:
    if not re.match(r"^(memory|redis|rediss|redis\+sentinel|redis\+cluster|memcached|mongodb)://", value):
        hint = "a storage URL; use 'memory://' or a Redis URL such as 'redis://host:6379/0'"
        raise _not_a("rate_limit_storage", value, hint, source)
    return value


def _check_origin(value: str, source: str) -> str:
    if value == "*" or re.match(r"^https?://[A-Za-z0-9.-]+(:\d+)?$", value):
        return value
    hint = "an origin; use scheme://host[:port] such as 'https://www.example-clinic.org'"
    raise _not_a("allowed_origins", value, hint, source)


def _coerce_one(f: dataclasses.Field[Any], value: Any, source: str) -> Any:
    key = f.name
    kind = _field_type(f)
    meta = f.metadata
    result: Any
    if value is None and "None" in kind:
        return None
    if kind.startswith("Path"):
        if not isinstance(value, (str, Path)) or not str(value).strip():
            raise ConfigError(key, f"expected a path, got {value!r}", source=source)
        result = Path(str(value)).expanduser()
    elif kind == "bool":
        result = _to_bool(key, value, source)
    elif kind == "int":
        result = _to_number(key, value, int, source)
    elif kind == "float":
        result = _to_number(key, value, float, source)
    elif kind.startswith("tuple"):
        result = _to_list(key, value, source)
    else:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(key, f"expected text, got {value!r}", source=source)
        result = str(value)
    if "min" in meta and result < meta["min"]:
        allowed = f"(allowed: {meta['min']} to {meta['max']})"
        raise ConfigError(key, f"{result!r} is below the minimum {meta['min']} {allowed}", source=source)
    if "max" in meta and result > meta["max"]:
        allowed = f"(allowed: {meta['min']} to {meta['max']})"
        raise ConfigError(key, f"{result!r} is above the maximum {meta['max']} {allowed}", source=source)
    if "pattern" in meta and not re.match(meta["pattern"], result):
        raise _not_a(key, result, "a telephone number (digits, spaces, +, -, parentheses)", source)
    if key == "rate_limit":
        result = _check_rate_limit(result, source)
    elif key == "rate_limit_storage":
        result = _check_storage(result, source)
    elif key == "allowed_origins":
        result = tuple(_check_origin(origin, source) for origin in result)
    elif key == "public_url" and result and not re.match(r"^https?://[^\s/]+(/\S*)?$", result):
        raise _not_a(key, result, "a web address such as 'https://chat.clinic.example'", source)
    elif key == "worker_class" and result not in ("gthread", "gevent"):
        raise ConfigError(key, f"{result!r} is not a worker type: use gthread or gevent", source=source)
    elif key == "context_key" and result and len(result) < 32:
        raise ConfigError(key, "the context key must be at least 32 characters (e.g. 64 hex digits)", source=source)
    elif key == "disclaimer" and not result.strip():
        raise ConfigError(key, "the disclaimer cannot be empty", source=source)
    return result


_FIELDS = {f.name: f for f in fields(Settings)}


def coerce_settings(values: Mapping[str, Any], *, source: str) -> Settings:
    """Validate ``values`` (name -> raw value) into :class:`Settings`; unknown keys are errors."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        f = _FIELDS.get(key)
        if f is None:
            known = ", ".join(sorted(_FIELDS))
            raise ConfigError(key, f"unknown setting; known settings are: {known}", source=source)
        clean[key] = _coerce_one(f, value, source)
    return Settings(**clean)


def load_settings(
    *,
    config_path: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults, then the profile, then ``CHATBOT_*`` variables, then ``overrides`` (flags)."""
    env = dict(env or {})
    values: dict[str, Any] = {}
    profile = config_path or env.get(ENV_PREFIX + "CONFIG")
    if profile:
        profile_values = read_profile(Path(profile))
        coerce_settings(profile_values, source=str(profile))  # names the bad key in the profile
        values.update(profile_values)
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key not in _FIELDS:
            known = ", ".join(ENV_PREFIX + k.upper() for k in sorted(_FIELDS))
            raise ConfigError(key, f"unknown environment variable {name}; known: {known}", source="environment")
        coerce_settings({key: raw}, source=name)
        values[key] = raw
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    return coerce_settings(values, source="settings")
