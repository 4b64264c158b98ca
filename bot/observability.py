"""Logs, request ids and Prometheus metrics.

- `setup_logging(settings)`: one root handler, text or JSON lines (`LOG_FORMAT=json`), every record
  carrying the id of the Slack request it belongs to (`request_id`, also sent back as `X-Request-Id`).
- `request_context()`: sets the request id for the code that handles one request; `ContextExecutor`
  carries it into bolt's listener threads, so the work done after the ack logs the same id.
- Metrics (prometheus_client): requests and ack latency, answers by decision, job runs and failures,
  and, read from the database at scrape time, tickets by status and the notification outbox depth.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Run a block of work under one request id (a new one unless given)."""
    rid = request_id or uuid.uuid4().hex[:16]
    token = REQUEST_ID.set(rid)
    try:
        yield rid
    finally:
        REQUEST_ID.reset(token)


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the submitter's context (its request id included), and that
    can be drained: on shutdown, the work Slack was already told "received" (acked) gets to finish."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self._busy = 0
        self._idle = threading.Condition()
        self.before: Callable[[contextvars.Context], None] | None = None  # run when a task is submitted
        self.after: Callable[[contextvars.Context], None] | None = None  # run when a task ends

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        context = contextvars.copy_context()
        if self.before is not None:
            self.before(context)
        with self._idle:
            self._busy += 1
        return super().submit(self._tracked, context, fn, *args, **kwargs)

    def _tracked(
        self, context: contextvars.Context, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        try:
            return context.run(fn, *args, **kwargs)
        finally:
            if self.after is not None:
                try:
                    self.after(context)
                except Exception:  # noqa: BLE001 - bookkeeping must not break the pool
                    logging.getLogger("deskbot").exception("after-task hook failed")
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    @property
    def in_flight(self) -> int:
        with self._idle:
            return self._busy

    def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for submitted work to finish; how many tasks are still running."""
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)
            return self._busy


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "request_id", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def setup_logging(*, level: str = "INFO", fmt: str = "text", stream: Any = None) -> logging.Handler:
    """Configure the root logger once (replacing an earlier Deskbot handler)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name("deskbot")
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "deskbot"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


class Metrics:
    """Deskbot's Prometheus metrics, in their own registry (one per process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._database: _DatabaseCollector | None = None
        self.requests = Counter(
            "deskbot_requests", "Slack requests served", ["kind", "status"], registry=self.registry
        )
        self.ack_seconds = Histogram(
            "deskbot_ack_seconds",
            "Time to answer Slack's request (the ack)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5),
            registry=self.registry,
        )
        self.answers = Counter(
            "deskbot_answers", "Questions answered, by decision", ["decision"], registry=self.registry
        )
        self.job_runs = Counter(
            "deskbot_job_runs", "Scheduled job runs, by outcome", ["job", "outcome"], registry=self.registry
        )

    def watch_database(self, db: Any) -> None:
        """Tickets by status and the outbox depth, read from `db` when scraped (the latest one given)."""
        if self._database is None:
            self._database = _DatabaseCollector(db)
            self.registry.register(self._database)  # type: ignore[arg-type]
        self._database.db = db


class _DatabaseCollector:
    def __init__(self, db: Any) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from sqlmodel import col, func, select

        from bot.models import Notification, Ticket

        tickets = GaugeMetricFamily("deskbot_tickets", "Tickets by status", labels=["status"])
        depth = GaugeMetricFamily(
            "deskbot_outbox_depth", "Notifications waiting to be delivered", labels=["status"]
        )
        try:
            with self.db.session() as s:
                for status, n in s.exec(select(Ticket.status, func.count()).group_by(Ticket.status)):
                    tickets.add_metric([getattr(status, "value", str(status))], int(n))
                for status, n in s.exec(
                    select(Notification.status, func.count())
                    .where(col(Notification.status).in_(("pending", "sending", "failed")))
                    .group_by(Notification.status)
                ):
                    depth.add_metric([str(status)], int(n))
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
            logging.getLogger("deskbot.metrics").warning("metrics: database unreachable")
        yield tickets
        yield depth


METRICS = Metrics()  # the process's metrics; the HTTP server exposes them at /metrics
