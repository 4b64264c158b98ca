"""HTTP mode: `/slack/events` (events, commands, interactivity), `/healthz` and `/metrics`, on a threaded
WSGI server. Every request gets a request id (Slack's `X-Request-Id` if a proxy set one), logged with
everything done for it and returned in the `X-Request-Id` header."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.db import Database
from bot.http_edge import (
    MAX_BODY,
    STATUS_LINES,
    EdgeError,
    blank_secret_error,
    check_envelope,
    read_body,
    verify_signature,
)
from bot.observability import METRICS, request_context

log = logging.getLogger("deskbot.http")

HealthCheck = Callable[[], str]  # returns a short status, raises when the dependency is down


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = False
    block_on_close = True  # server_close() waits for requests being handled (their acks) to finish

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up or stalled: logged, not printed as a traceback on stderr.
        log.debug("connection from %s ended abnormally", client_address, exc_info=True)


class _QuietHandler(WSGIRequestHandler):
    timeout = 15  # seconds a client may stall mid-request before its thread is freed (slow bodies: 408)

    def log_message(self, *args: Any) -> None:
        pass


def wsgi_app(
    app: App,
    db: Database,
    *,
    signing_secret: str | None = None,
    checks: dict[str, HealthCheck] | None = None,
    max_body: int = MAX_BODY,
) -> Callable[..., Iterable[bytes]]:
    """Route Slack's requests to bolt through the edge checks; answer health checks and Prometheus scrapes.

    `signing_secret` defaults to the one the bolt app verifies with; a blank one is refused here."""
    secret = app._signing_secret if signing_secret is None else signing_secret  # noqa: SLF001 - bolt's own
    if not secret or not secret.strip():
        raise ValueError(blank_secret_error())
    health_checks = {"database": database_check(db), **(checks or {})}
    METRICS.watch_database(db)

    events = _slack_endpoint(SlackRequestHandler(app), secret=secret, max_body=max_body)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        with request_context(environ.get("HTTP_X_REQUEST_ID")) as rid:
            sent = {"status": ""}

            def respond(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                sent["status"] = status
                return start_response(status, [*headers, ("X-Request-Id", rid)], *rest)

            try:
                if path == "/slack/events":
                    body = events(environ, respond)
                    METRICS.requests.labels(_kind(environ), sent["status"][:3]).inc()
                    return body
                return _operator_page(path, respond, health_checks)
            except Exception:  # noqa: BLE001 - the last line: a reference, never a traceback
                ref = uuid.uuid4().hex[:8]
                log.exception("unhandled error at the HTTP edge ref=%s path=%s", ref, path)
                return _plain(
                    respond, "500 Internal Server Error", f"Internal error (ref {ref}).", [], sys.exc_info()
                )

    return application


def _slack_endpoint(
    slack: SlackRequestHandler, *, secret: str, max_body: int
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """/slack/events: the edge checks (size, signature, envelope), then bolt."""

    def events(environ: dict[str, Any], respond: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            body = read_body(environ, limit=max_body)
            verify_signature(environ, body, secret=secret)
            check_envelope(environ, body)
        except EdgeError as refused:
            log.info("refused a request to /slack/events: %s %s", refused.status, refused.reason)
            extra = [("Allow", "POST")] if refused.status == 405 else []
            return _plain(respond, STATUS_LINES[refused.status], refused.reason, extra)
        signed = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        try:
            answer = list(slack(signed, respond))
        except Exception:  # noqa: BLE001 - signed, but bolt could not read it: the sender's fault
            ref = uuid.uuid4().hex[:8]
            log.exception("bolt could not handle a signed request ref=%s", ref)
            return _plain(respond, STATUS_LINES[400], f"The request could not be handled (ref {ref}).")
        METRICS.ack_seconds.observe(time.perf_counter() - started)
        return answer

    return events


def _operator_page(path: str, respond: Callable[..., Any], checks: dict[str, HealthCheck]) -> Iterable[bytes]:
    """/healthz and /metrics for operators; anything else is a 404 that says where to go."""
    if path == "/healthz":
        status, report = health(checks)
        respond(status, [("Content-Type", "application/json")])
        return [json.dumps(report).encode()]
    if path == "/metrics":
        respond("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [generate_latest(METRICS.registry)]
    return _plain(
        respond,
        "404 Not Found",
        "Not found. Slack sends requests to /slack/events; /healthz and /metrics are for operators.",
    )


def _plain(
    respond: Callable[..., Any],
    status: str,
    text: str,
    headers: list[tuple[str, str]] | None = None,
    *exc_info: Any,
) -> list[bytes]:
    data = text.encode()
    respond(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data))), *(headers or [])],
        *exc_info,
    )
    return [data]


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
    """Run every check; 503 with the failing ones named ("down") when any fails."""
    report: dict[str, Any] = {}
    ok = True
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception:  # noqa: BLE001 - report, never crash the health check
            # Named, never explained: driver text (DSNs, hosts, paths) goes to the log, not to the caller.
            log.warning("health check %s failed", name, exc_info=True)
            ok = False
            report[name] = "down"
    report["ok"] = ok
    return ("200 OK" if ok else "503 Service Unavailable"), report


def make_http_server(
    app: App,
    db: Database,
    *,
    host: str = "127.0.0.1",
    port: int = 3000,
    signing_secret: str | None = None,
    checks: dict[str, HealthCheck] | None = None,
    max_body: int = MAX_BODY,
) -> WSGIServer:
    """A threaded server ready for `serve_forever()` (port 0 picks a free port); loopback unless told."""
    return make_server(
        host,
        port,
        wsgi_app(app, db, signing_secret=signing_secret, checks=checks, max_body=max_body),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
