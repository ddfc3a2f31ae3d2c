"""Reloading without downtime: a holder of the current bot, a folder watch and gunicorn hooks.

:class:`BotHolder` holds the :class:`~chatbot.bot.Bot` the API answers from. A reload
builds the new bot aside (the saved index when its fingerprint matches, else a fresh
build that is then saved) and swaps it in with one assignment: a request reads the bot
once when it starts, so requests in flight finish on the old one. When the new corpus
has a file that cannot be read, or no document at all, the old bot stays in service
and the error is kept for ``/api/health`` and written to the log.

Two things trigger a reload while ``chatbot serve`` runs:

* **the watch**: each worker process polls the names, sizes and modification times of
  the corpus files every ``watch_interval`` seconds (default 2) and reloads in its
  background thread when they change and have stopped changing (a file still being
  copied is not read half-way), so a change is in service within a few seconds;
* **SIGHUP** to the ``chatbot serve`` process (the gunicorn master): the master reloads
  its own copy (``on_reload``), then gunicorn starts new workers from it and stops the
  old ones gracefully; each new worker checks the fingerprint once more before it takes
  requests (``post_worker_init``), so it never serves an older corpus than the files.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.errors import ChatbotError
from chatbot.retrieval.store import Loaded, fingerprint, load_or_build, stat_signature

__all__ = ["EXTENSION", "BotHolder", "ReloadStatus", "gunicorn_hooks"]

log = logging.getLogger("chatbot.reload")

#: Key of the holder in ``app.extensions``.
EXTENSION = "chatbot.reloader"
#: How long a changed folder must stay unchanged before it is read (seconds).
SETTLE_SECONDS = 0.3


@dataclass(frozen=True, slots=True)
class ReloadStatus:
    """What ``/api/health`` says about reloading."""

    fingerprint: str
    source: str
    loaded_at: float
    reloads: int
    reloading: bool
    watching: bool
    last_seconds: float
    last_error: str | None = None
    last_error_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        def stamp(value: float | None) -> str | None:
            return None if value is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value))

        return {
            "fingerprint": self.fingerprint,
            "source": self.source,
            "loaded_at": stamp(self.loaded_at),
            "reloads": self.reloads,
            "reloading": self.reloading,
            "watching": self.watching,
            "last_seconds": round(self.last_seconds, 3),
            "last_error": self.last_error,
            "last_error_at": stamp(self.last_error_at),
        }


class BotHolder:
    """The bot in service, and how to replace it without dropping a request."""

    def __init__(
        self, settings: Settings, loaded: Loaded, *, loader: Callable[[Settings], Loaded] = load_or_build
    ) -> None:
        self.settings = settings
        self._loader = loader
        self._loaded = loaded
        self._bot = Bot.from_loaded(settings, loaded)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Bot], None]] = []
        self._reloads = 0
        self._reloading = False
        self._loaded_at = time.time()
        self._error: str | None = None
        self._error_at: float | None = None
        self._signature = stat_signature(settings)
        self._watch_pid: int | None = None
        self._stop = threading.Event()

    @classmethod
    def start(cls, settings: Settings, *, workers: int = 1) -> BotHolder:
        """Load (or build and save) the index for ``settings``; raises ChatbotError when nothing loads.

        ``workers``: processes for analysing a large corpus at start-up (the gunicorn master,
        before it starts any thread); reloads later build in one.
        """
        from chatbot.documents.readers import docx, html, pdf  # noqa: F401  - the heavy readers, once, before workers fork

        loaded = load_or_build(settings, workers=workers)
        log.info(
            "index %s (%s in %.2f s): %d documents, %d passages",
            loaded.fingerprint[:12],
            loaded.source,
            loaded.seconds,
            len(loaded.corpus.documents),
            len(loaded.index.passages),
        )
        return cls(settings, loaded)

    @property
    def bot(self) -> Bot:
        """The bot in service (read it once per request)."""
        return self._bot

    def status(self) -> ReloadStatus:
        return ReloadStatus(
            fingerprint=self._loaded.fingerprint,
            source=self._loaded.source,
            loaded_at=self._loaded_at,
            reloads=self._reloads,
            reloading=self._reloading,
            watching=self._watch_pid == os.getpid() and not self._stop.is_set(),
            last_seconds=self._loaded.seconds,
            last_error=self._error,
            last_error_at=self._error_at,
        )

    def subscribe(self, listener: Callable[[Bot], None]) -> None:
        """Call ``listener(new_bot)`` after every swap."""
        self._listeners.append(listener)

    def attach(self, app: Flask) -> None:
        """Serve ``app`` from this holder: swaps replace its bot; health reports the status."""
        app.extensions[EXTENSION] = self
        state = app.extensions.get("chatbot")
        if state is not None:
            state.bot = self._bot

            def swap(bot: Bot) -> None:
                state.bot = bot  # one assignment: requests that read the old bot keep it

            self.subscribe(swap)

    def reload(self, *, reason: str = "requested", force: bool = False) -> bool:
        """Build the new bot aside and swap it in; False when nothing changed or the new corpus has errors."""
        with self._lock:
            self._reloading = True
            try:
                return self._reload(reason, force)
            finally:
                self._reloading = False

    def _reload(self, reason: str, force: bool) -> bool:
        self._signature = stat_signature(self.settings)
        if not force and fingerprint(self.settings) == self._loaded.fingerprint:
            return False
        started = time.perf_counter()
        try:
            loaded = self._loader(self.settings)
        except ChatbotError as exc:
            self._fail(f"{exc}", reason)
            return False
        corpus = loaded.corpus
        if corpus.errors:
            names = "; ".join(str(error) for error in corpus.errors)
            self._fail(f"{len(corpus.errors)} file(s) could not be read: {names}", reason)
            return False
        bot = Bot.from_loaded(self.settings, loaded)
        self._loaded = loaded
        self._bot = bot
        self._reloads += 1
        self._loaded_at = time.time()
        self._error = None
        self._error_at = None
        for listener in self._listeners:
            listener(bot)
        log.info(
            "reloaded (%s) in %.2f s from the %s index %s: %d documents, %d passages",
            reason,
            time.perf_counter() - started,
            loaded.source,
            loaded.fingerprint[:12],
            len(corpus.documents),
            len(loaded.index.passages),
        )
        return True

    def _fail(self, message: str, reason: str) -> None:
        self._error = message
        self._error_at = time.time()
        log.error("reload (%s) failed; the previous index stays in service: %s", reason, message)

    def changed(self) -> bool:
        """Whether the watched files differ from the last look (cheap: stat only)."""
        return stat_signature(self.settings) != self._signature

    def poll(self) -> bool:
        """One look at the folder: reload when it changed and has settled. True when a new bot is in service."""
        if not self.changed():
            return False
        signature = stat_signature(self.settings)
        while True:  # wait until a file being copied is complete
            time.sleep(min(SETTLE_SECONDS, self.settings.watch_interval))
            again = stat_signature(self.settings)
            if again == signature:
                break
            signature = again
        return self.reload(reason="corpus folder changed")

    def start_watching(self) -> None:
        """Poll the corpus folder in a daemon thread of this process (once per process)."""
        if not self.settings.watch or self._watch_pid == os.getpid():
            return
        self._watch_pid = os.getpid()
        self._stop = threading.Event()
        thread = threading.Thread(target=self._watch, args=(self._stop,), name="chatbot-watch", daemon=True)
        thread.start()

    def stop_watching(self) -> None:
        self._stop.set()

    def _watch(self, stop: threading.Event) -> None:
        while not stop.wait(self.settings.watch_interval):
            try:
                self.poll()
            except Exception as exc:  # noqa: BLE001 - last resort: the watch must outlive any one failed look
                log.exception("watching the corpus folder failed; trying again in %.1f s", self.settings.watch_interval)
                self._fail(f"reload failed unexpectedly ({type(exc).__name__}); see the server log", "watch")


def gunicorn_hooks(app: Flask) -> dict[str, Any]:
    """gunicorn server hooks that reload on HUP and start the watch in each worker."""
    holder = app.extensions.get(EXTENSION)
    if not isinstance(holder, BotHolder):
        return {}

    def guarded(step: Callable[[], object], what: str) -> None:
        try:
            step()
        except Exception:  # noqa: BLE001 - last resort: an exception in a hook would stop gunicorn itself
            log.exception("%s failed; the previous index stays in service", what)

    def on_reload(arbiter: Any) -> None:  # the master, on SIGHUP, before new workers start
        guarded(lambda: holder.reload(reason="SIGHUP"), "reload on SIGHUP")

    def post_worker_init(worker: Any) -> None:  # each worker, before it takes requests
        guarded(lambda: holder.reload(reason="worker start"), "reload at worker start")
        holder.start_watching()

    return {"on_reload": on_reload, "post_worker_init": post_worker_init}
