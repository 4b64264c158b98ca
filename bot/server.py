"""HTTP mode: `/slack/events` (events, commands, interactivity) and `/healthz`, on a threaded WSGI server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.db import Database


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def wsgi_app(app: App, db: Database) -> Callable[..., Iterable[bytes]]:
    """Route Slack's requests to bolt and answer health checks."""
    slack = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/slack/events":
            return slack(environ, start_response)
        if path == "/healthz":
            status, body = _health(db)
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not found. Slack sends requests to /slack/events."]

    return application


def _health(db: Database) -> tuple[str, dict[str, Any]]:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - report, never crash the health check
        return "503 Service Unavailable", {"ok": False, "database": f"unreachable: {type(exc).__name__}"}
    return "200 OK", {"ok": True, "database": "ok"}


def make_http_server(app: App, db: Database, *, host: str = "127.0.0.1", port: int = 3000) -> WSGIServer:
    """A threaded server ready for `serve_forever()` (port 0 picks a free port)."""
    return make_server(
        host, port, wsgi_app(app, db), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
