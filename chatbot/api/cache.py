"""Serialised replies to repeated identical requests (an LRU keyed by the request)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from chatbot.bot import Bot

__all__ = []


class ReplyCache:
    """Serialised replies to repeated identical requests, least recently used first out.

    Replies are deterministic (same message, context, top_k and bot: the same bytes), so
    a hit is exact. Keys are SHA-256 digests, so the cache holds no message text; it
    belongs to one bot and empties itself when a reload swaps the bot.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[bytes, tuple[bytes, str, int]] = OrderedDict()
        self._owner: Bot | None = None
        self._lock = threading.Lock()

    @staticmethod
    def key(message: str, context: str | None, top_k: int | None) -> bytes:
        # Lengths first, so no two different requests join into the same text.
        context_part = "-" if context is None else f"{len(context)}:{context}"
        raw = f"{top_k}|{len(message)}:{message}|{context_part}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(raw).digest()

    def get(self, bot: Bot, key: bytes) -> tuple[bytes, str, int] | None:
        if not self.size:
            return None
        with self._lock:
            if self._owner is not bot:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, bot: Bot, key: bytes, body: bytes, kind: str, passages: int) -> None:
        if not self.size:
            return
        with self._lock:
            if self._owner is not bot:
                self._entries.clear()
                self._owner = bot
            self._entries[key] = (body, kind, passages)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


