"""``chatbot serve``: the app under gunicorn, in this process.

:class:`ChatbotServer` is a ``gunicorn.app.base.BaseApplication``: the process that
runs ``chatbot serve`` *is* the gunicorn master, so signals sent to it reach gunicorn
(TERM: graceful shutdown, requests in flight finish; HUP: new workers; TTIN/TTOU: one
worker more or less). The corpus is loaded and the index built once, in the master,
before the workers fork (errors stop start-up with a message, not a crash loop), and
the workers share that memory copy-on-write.

Workers are gunicorn's threaded workers (``gthread``) by default: answering a question
takes a fraction of a millisecond of Python, so a few threads per process keep the CPU
busy while sockets wait. A slow client holds a thread, so on the internet put a buffering
front (nginx, ``docker-compose.yml``) before it, or set ``worker_class = "gevent"``, where
an idle connection costs no thread. The access log holds the request line and status only, never a
request body, so nothing a visitor types is written there.
"""

from __future__ import annotations

import gc
import logging
import socket
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask
from gunicorn.app.base import BaseApplication

from chatbot.config import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "ACCESS_LOG_FORMAT",
    "ChatbotServer",
    "gunicorn_options",
    "local_address",
    "port_in_use",
    "run_dev",
    "run_gunicorn",
]

#: Client, request line (path only; bodies are never logged), status, size, microseconds.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus'


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """gunicorn settings for these chatbot settings."""
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": settings.worker_class,
        # gevent: one greenlet per connection, up to this many per worker.
        "worker_connections": 1000,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "access_log_format": ACCESS_LOG_FORMAT,
        "proc_name": "chatbot",
        # Several servers may run on one machine (tests, replicas): no shared control socket.
        "control_socket_disable": True,
    }


def local_address(settings: Settings) -> str:
    """The address to open in a browser on this machine ("http://127.0.0.1:8000" for 0.0.0.0)."""
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host
    return f"http://{'[' + host + ']' if ':' in host else host}:{settings.port}"


def port_in_use(host: str, port: int) -> bool:
    """Is something already listening on host:port? (Bound as gunicorn binds, with SO_REUSEADDR.)"""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError:
        return False  # an unknown host: gunicorn says so itself
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError:
            return True
    return False


class ChatbotServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn running one Flask application built before the workers fork."""

    def __init__(self, app: Flask | Callable[[], Flask], options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        if isinstance(self.application, Flask):
            return self.application
        self.application = self.application()
        return self.application


def configure_logging() -> None:
    """Our own log lines (``chatbot.*``) on stderr next to gunicorn's."""
    logger = logging.getLogger("chatbot")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def freeze_heap(server: Any, worker: Any) -> None:
    """gunicorn's ``pre_fork`` hook: move what the master built out of the collector's sight.

    The index does not change after start-up, so garbage collections in a worker
    need not walk it, and do not write to (and so copy) the pages the workers share
    with the master. Unfrozen first: after a reload (SIGHUP) the master's old index is
    garbage, and what of it sits in reference cycles must stay collectable.
    """
    gc.unfreeze()
    gc.freeze()


#: The request gunicorn is serving on each connection (by its socket), for :class:`ConnectionClose`.
#: Keyed by socket rather than by thread: gevent workers serve many connections in one thread.
_requests: dict[Any, Any] = {}


def _request_socket(req: Any) -> Any:
    return getattr(getattr(req, "unreader", None), "sock", None)


def remember_request(worker: Any, req: Any) -> None:
    """gunicorn's ``pre_request`` hook: keep the request by its socket for :class:`ConnectionClose`."""
    sock = _request_socket(req)
    if sock is not None:
        _requests[sock] = req
    worker.log.debug("%s %s", req.method, req.path)  # what gunicorn's default hook does


def forget_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """gunicorn's ``post_request`` hook."""
    _requests.pop(_request_socket(req), None)


class ConnectionClose:
    """WSGI middleware: a response the app marks ``Connection: close`` closes the connection.

    gunicorn drops hop-by-hop headers an application sets and decides ``keep-alive``
    itself; after a 413 (body unread) or a malformed chunked body it then closes the
    connection anyway, under the client's next request. Telling gunicorn before the
    headers go out makes the reply say ``Connection: close``, so the client opens a new
    connection instead of losing a request.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if any(name.lower() == "connection" and value.lower() == "close" for name, value in headers):
                req = _requests.get(environ.get("gunicorn.socket"))
                if req is not None and hasattr(req, "force_close"):
                    req.force_close()
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


#: gunicorn's own refusals (before the app runs), in the API's error shape; never the request's bytes.
_GUNICORN_ERRORS = {
    400: ("bad_request", "the request could not be understood"),
    403: ("forbidden", "the request is not allowed"),
    414: ("uri_too_long", "the address is too long"),
    417: ("expectation_failed", "the Expect header cannot be met"),
    431: ("headers_too_large", "the request headers are too large"),
    500: ("internal_error", "Something went wrong on our side. Please try again later."),
    501: ("not_implemented", "that transfer coding is not supported"),
}


def json_error_bytes(status_int: int, reason: str) -> bytes:
    """A complete HTTP/1.1 error response in the JSON error shape (closes the connection)."""
    code, message = _GUNICORN_ERRORS.get(status_int, ("bad_request", "the request could not be understood"))
    body = orjson.dumps({"error": {"code": code, "message": message}})
    reason = "".join(ch for ch in reason if 32 <= ord(ch) < 127) or "Error"
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Replaces ``gunicorn.util.write_error`` (HTML that echoes the bad request line)."""
    from gunicorn import util

    util.write_nonblock(sock, json_error_bytes(status_int, reason))


class _NoRequestBytes(logging.Filter):
    """gunicorn's "Invalid request from ip=...: <error>" line without the quoted bytes the client sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request from ip="):
            record.msg, record.args = message.split("'", 1)[0].split('"', 1)[0].rstrip(" :"), None
        return True


def install_gunicorn_errors() -> None:
    """gunicorn's own 400/414/431 ... in the JSON error shape, logged without the request's bytes."""
    from gunicorn import util

    util.write_error = write_json_error
    gunicorn_error_log = logging.getLogger("gunicorn.error")
    if not any(isinstance(f, _NoRequestBytes) for f in gunicorn_error_log.filters):
        gunicorn_error_log.addFilter(_NoRequestBytes())


def run_gunicorn(app: Flask, settings: Settings) -> None:
    """Serve ``app`` under gunicorn until the master is told to stop."""
    from chatbot.serve.reloader import gunicorn_hooks

    configure_logging()
    install_gunicorn_errors()
    if not isinstance(app.wsgi_app, ConnectionClose):
        app.wsgi_app = ConnectionClose(app.wsgi_app)  # type: ignore[method-assign]
    # Reload on HUP; watch in each worker.
    options = {
        **gunicorn_options(settings),
        "pre_fork": freeze_heap,
        "pre_request": remember_request,
        "post_request": forget_request,
        **gunicorn_hooks(app),
    }
    ChatbotServer(app, options).run()


def run_dev(app: Flask, settings: Settings) -> None:
    """Flask's development server (one process, threaded, no debugger): for local front-end work only."""
    configure_logging()
    app.run(host=settings.host, port=settings.port, debug=False, use_reloader=False, threaded=True)
