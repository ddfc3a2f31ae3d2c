"""The key that signs conversation context tokens (:mod:`chatbot.dialogue.context`).

``context_key`` in the settings (``CHATBOT_CONTEXT_KEY``, at least 32 characters) is the
key when set: give every machine that serves the same chatbot the same value, so a token
issued by one is accepted by the others. When it is unset, the key is generated once and
kept in the index folder (``index_cache``) as ``context.key`` (created exclusively, mode
0600): every worker of a server, every restart and every server sharing that folder uses
the same key. If the folder cannot be written (a read-only image), a random key is made
in the process that builds the bot, before gunicorn forks, so all its workers share it;
tokens then last until the server restarts (a stale token restarts the conversation, it
is never an error).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from functools import lru_cache
from pathlib import Path

from chatbot.config import Settings
from chatbot.retrieval.store import index_dir

__all__ = ["KEY_FILE", "context_key"]

log = logging.getLogger("chatbot.dialogue.contextkey")

KEY_FILE = "context.key"
_HEX_KEY = re.compile(r"[0-9a-f]{64}\Z")


def context_key(settings: Settings) -> bytes:
    """The signing key for these settings (see the module's description)."""
    return _key(settings.context_key, index_dir(settings))


@lru_cache(maxsize=8)
def _key(configured: str, folder: Path) -> bytes:
    if configured:
        return hashlib.sha256(configured.encode("utf-8")).digest()
    path = folder / KEY_FILE
    try:
        return _read(path) or _create(path)
    except OSError as exc:
        log.warning(
            "cannot keep the context key in %s (%s): using a key for this server's lifetime; "
            "set context_key to share one between servers",
            folder,
            exc.strerror or type(exc).__name__,
        )
        return os.urandom(32)


def _read(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise OSError(f"{path.name} is not a hex key") from None
    if not _HEX_KEY.match(text):
        raise OSError(f"{path.name} is not a hex key")
    return bytes.fromhex(text)


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    # Written under another name and linked into place: a reader never sees half a key,
    # and when two processes race, the first link wins and the other reads its key.
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{key[:4].hex()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            found = _read(path)
            if found is None:  # pragma: no cover - removed between the link and the read
                raise OSError("the key file vanished") from None
            return found
    finally:
        temporary.unlink(missing_ok=True)
    return key
