"""Slack retries events (and may deliver one twice, concurrently): each event id is handled once.

The first process to take an event records it; questions and reactions keep their body until their
listener has finished, so another process can redo them if this one dies (`bot.recovery`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse
from sqlalchemy.exc import IntegrityError

from bot.desk import Desk
from bot.models import ProcessedEvent
from bot.recovery import CURRENT_EVENT, RECOVERABLE, REDO_KEY

log = logging.getLogger("deskbot.handlers")


def register(app: App, desk: Desk) -> None:
    @app.middleware
    def rate_limited_notice(body: dict[str, Any], next: Any) -> BoltResponse | None:  # noqa: A002
        """Slack's `app_rate_limited` callback (events over 30,000 an hour were dropped) is not an
        event_callback, so no listener matches it and bolt would answer 404: log it and answer 200."""
        if body.get("type") != "app_rate_limited":
            return next()
        log.warning(
            "Slack dropped events for team %s: app rate limited since minute %s",
            body.get("team_id"),
            body.get("minute_rate_limited"),
        )
        return BoltResponse(status=200, body="")

    @app.middleware
    def once_per_event(body: dict[str, Any], next: Any) -> BoltResponse | None:  # noqa: A002 - bolt's name
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        event_id = str(event_id)[:64] if event_id else None
        CURRENT_EVENT.set(event_id)  # the listener executor marks it done when its listener finishes
        if not event_id or body.get(REDO_KEY) == event_id:
            return next()  # not an event, or one recovery took over (it is recorded already)
        now = desk.ctx.clock()
        keep = (body.get("event") or {}).get("type") in RECOVERABLE
        try:
            with desk.ctx.db.transaction() as s:
                s.add(
                    ProcessedEvent(
                        event_id=event_id,
                        received_at=now,
                        body={k: v for k, v in body.items() if k != "token"} if keep else None,
                        done_at=None if keep else now,
                    )
                )
        except IntegrityError:
            return BoltResponse(status=200, body="")  # already handled (or being handled): ack, do nothing
        return next()
