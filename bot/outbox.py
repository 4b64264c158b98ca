"""The notifications outbox: written first (unique dedupe key), then delivered, retried, marked sent.

A job that produces a notification calls `enqueue` inside its own transaction: if the key exists the
notification was already produced (by an earlier run, a restarted process or a second scheduler)
and nothing happens. `deliver` sends due rows: a row is leased before the Slack call (so two
deliverers never send it twice), marked sent after it, and on Slack errors rescheduled (429 after
Retry-After, 5xx, Slack's transient errors and timeouts with exponential backoff, for up to 24 hours;
a token Slack refuses too, since the operator's new token sends what waited) or marked failed at once
when retrying cannot help (any other Slack error: missing_scope, not_in_channel, channel_not_found,
is_archived …), with an error log line and the row's last_error.

A deliverer can die between Slack accepting a message and the row being marked sent. Such a row is
"in doubt" when its lease runs out; before sending it again the deliverer asks `already_sent` (for
Slack: is a message carrying this dedupe key in its metadata already in the channel or thread?), so
a crash does not become a duplicate either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from bot.db import Database
from bot.models import Notification
from bot.timeutil import as_utc

log = logging.getLogger("deskbot.outbox")

LEASE = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=24)  # transient errors (429, 5xx, timeouts) are retried this long
# Slack errors that say "not now" rather than "never": everything else Slack answers fails at once
# (missing_scope, not_in_channel, channel_not_found, is_archived, invalid_blocks …), since sending the
# same call again for a day cannot make it succeed.
TRANSIENT = {
    "ratelimited",
    "rate_limited",
    "internal_error",
    "fatal_error",
    "request_timeout",
    "service_unavailable",
    "team_is_restricted_temporarily",
}
# The bot token refused: every row would fail the same way until the operator puts a valid token in
# place and restarts, so rows wait (backing off, logged) rather than being lost.
TOKEN_REFUSED = {"not_authed", "invalid_auth", "token_revoked", "account_inactive"}


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def enqueue(
    session: Session,
    *,
    key: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    thread_ts: str | None = None,
    kind: str = "message",
    at: datetime | None = None,
) -> bool:
    """Record a notification once (to send now, or at `at`); False when `key` was already produced."""
    if session.exec(select(Notification.id).where(Notification.dedupe_key == key)).first() is not None:
        return False
    row = Notification(
        dedupe_key=key[:200],
        channel=channel,
        thread_ts=thread_ts,
        payload={"kind": kind, **payload},
        status="pending",
        created_at=now,
        next_attempt_at=at or now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent producer won the race
        return False
    return True


def pending_count(db: Database) -> int:
    with db.session() as s:
        return int(
            s.exec(
                select(func.count())
                .select_from(Notification)
                .where(col(Notification.status).in_(("pending", "sending")))
            ).one()
        )


def deliver(
    db: Database,
    *,
    send: Callable[[Notification], None],
    now: datetime,
    limit: int = 50,
    already_sent: Callable[[Notification], bool] | None = None,
    key_prefix: str | None = None,
) -> DeliveryReport:
    """Send what is due (`send` raises SlackApiError or OSError on failure); rows whose earlier
    deliverer died mid-send are checked with `already_sent` first. After a 429 the channel's other rows
    wait for the same Retry-After, unsent (asking again at once would only be refused again)."""
    sent = retried = failed = 0
    held: dict[str, datetime] = {}  # channel -> when Slack's Retry-After lets it be sent to again
    for note_id, in_doubt in _lease(db, now=now, limit=limit, key_prefix=key_prefix):
        with db.session() as s:
            note = s.get(Notification, note_id)
        assert note is not None
        if note.channel in held:
            _finish(db, note_id, status="pending", error="ratelimited", now=now, retry_at=held[note.channel])
            retried += 1
            continue
        try:
            if in_doubt and already_sent is not None and already_sent(note):
                log.info(
                    "notification %s was delivered before a crash; not sending it again", note.dedupe_key
                )
            else:
                send(note)
        except (SlackApiError, OSError) as exc:  # OSError: timeouts, connection resets
            error, transient, wait = _failure(exc, attempts=note.attempts)
            expired = now - as_utc(note.created_at) >= GIVE_UP_AFTER
            if not transient or expired:
                _finish(db, note_id, status="failed", error=error, now=now)
                failed += 1
                why = (
                    "still failing after 24 hours" if transient else "Slack refused it; retrying cannot help"
                )
                log.error(
                    "notification %s to %s failed for good (%s): %s",
                    note.dedupe_key,
                    note.channel,
                    why,
                    error,
                )
            else:
                _finish(db, note_id, status="pending", error=error, now=now, retry_at=now + wait)
                retried += 1
                if error in ("ratelimited", "rate_limited"):
                    held[note.channel] = now + wait
                if error in TOKEN_REFUSED:
                    log.error(
                        "notification %s waits: Slack refused the bot token (%s)", note.dedupe_key, error
                    )
            continue
        _finish(db, note_id, status="sent", error=None, now=now)
        sent += 1
    return DeliveryReport(sent, retried, failed)


def _failure(exc: Exception, *, attempts: int) -> tuple[str, bool, timedelta]:
    """What went wrong, whether trying again can help (429, 5xx, Slack's transient errors, network
    errors), and how long to wait first (Slack's Retry-After on a 429)."""
    if not isinstance(exc, SlackApiError):
        return type(exc).__name__, True, _backoff(attempts)
    status = int(getattr(exc.response, "status_code", 200) or 200)
    retry_after = _retry_after(exc)
    wait = retry_after if status == 429 and retry_after is not None else _backoff(attempts)
    error = str(exc.response.get("error", "error"))
    transient = status == 429 or status >= 500 or error in TRANSIENT or error in TOKEN_REFUSED
    if error == "missing_scope":  # say which: the fix is adding it to the manifest and reinstalling
        error += f" (needed {exc.response.get('needed')}; add it to the app manifest and reinstall)"
    return error, transient, wait


def _lease(
    db: Database, *, now: datetime, limit: int, key_prefix: str | None = None
) -> list[tuple[int, bool]]:
    """Take up to `limit` due rows for this deliverer, each with whether it is in doubt (an expired
    lease: its deliverer died during the send, which Slack may or may not have received)."""
    with db.transaction() as s:
        statement = (
            select(Notification)
            .where(
                or_(
                    (Notification.status == "pending") & (col(Notification.next_attempt_at) <= now),
                    (Notification.status == "sending") & (col(Notification.next_attempt_at) <= now),
                )
            )
            .order_by(col(Notification.next_attempt_at), col(Notification.id))
            .limit(limit)
        )
        if key_prefix is not None:  # one ticket's rows, delivered right after its change
            statement = statement.where(col(Notification.dedupe_key).startswith(key_prefix, autoescape=True))
        if s.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        leased = []
        for row in list(s.exec(statement)):
            assert row.id is not None
            leased.append((row.id, row.status == "sending"))  # "sending" here: an expired lease
            row.status = "sending"
            row.attempts += 1
            row.next_attempt_at = now + LEASE
            s.add(row)
        return leased


def _finish(
    db: Database,
    note_id: int,
    *,
    status: str,
    error: str | None,
    now: datetime,
    retry_at: datetime | None = None,
) -> None:
    with db.transaction() as s:
        row = s.get(Notification, note_id)
        assert row is not None
        row.status = status
        row.last_error = error[:500] if error else None
        if status == "sent":
            row.sent_at = now
            row.next_attempt_at = None
        elif retry_at is not None:
            row.next_attempt_at = retry_at
        s.add(row)


def _retry_after(exc: SlackApiError) -> timedelta | None:
    headers = getattr(exc.response, "headers", {}) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return timedelta(seconds=float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2**attempts, 3600))
