"""HTTP mode: `/slack/events` (events, commands, interactivity), `/healthz` and `/metrics`, on a threaded
WSGI server. Every request gets a request id (Slack's `X-Request-Id` if a proxy set one), logged with
everything done for it and returned in the `X-Request-Id` header."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.db import Database
from bot.observability import METRICS, request_context

HealthCheck = Callable[[], str]  # returns a short status, raises when the dependency is down


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = False
    block_on_close = True  # server_close() waits for requests being handled (their acks) to finish


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def wsgi_app(
    app: App, db: Database, *, checks: dict[str, HealthCheck] | None = None
) -> Callable[..., Iterable[bytes]]:
    """Route Slack's requests to bolt; answer health checks and Prometheus scrapes."""
    slack = SlackRequestHandler(app)
    health_checks = {"database": database_check(db), **(checks or {})}
    METRICS.watch_database(db)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        with request_context(environ.get("HTTP_X_REQUEST_ID")) as rid:
            sent = {"status": "500"}

            def respond(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                sent["status"] = status
                return start_response(status, [*headers, ("X-Request-Id", rid)], *rest)

            if path == "/slack/events":
                started = time.perf_counter()
                body = list(slack(environ, respond))
                METRICS.ack_seconds.observe(time.perf_counter() - started)
                METRICS.requests.labels(_kind(environ), sent["status"][:3]).inc()
                return body
            if path == "/healthz":
                status, report = health(health_checks)
                respond(status, [("Content-Type", "application/json")])
                return [json.dumps(report).encode()]
            if path == "/metrics":
                respond("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
                return [generate_latest(METRICS.registry)]
            respond("404 Not Found", [("Content-Type", "text/plain")])
            return [
                b"Not found. Slack sends requests to /slack/events; /healthz and /metrics are for operators."
            ]

    return application


def _kind(environ: dict[str, Any]) -> str:
    kind = environ.get("CONTENT_TYPE", "")
    return "event" if "json" in kind else "command_or_action"


def database_check(db: Database) -> HealthCheck:
    def check() -> str:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"

    return check


def health(checks: dict[str, HealthCheck]) -> tuple[str, dict[str, Any]]:
    """Run every check; 503 with the failing ones named when any fails."""
    report: dict[str, Any] = {}
    ok = True
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception as exc:  # noqa: BLE001 - report, never crash the health check
            ok = False
            report[name] = f"unreachable: {type(exc).__name__}: {str(exc)[:200]}"
    report["ok"] = ok
    return ("200 OK" if ok else "503 Service Unavailable"), report


def make_http_server(
    app: App,
    db: Database,
    *,
    host: str = "127.0.0.1",
    port: int = 3000,
    checks: dict[str, HealthCheck] | None = None,
) -> WSGIServer:
    """A threaded server ready for `serve_forever()` (port 0 picks a free port)."""
    return make_server(
        host,
        port,
        wsgi_app(app, db, checks=checks),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
