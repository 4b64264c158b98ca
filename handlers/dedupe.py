"""Slack retries events (and may deliver one twice, concurrently): each event id is handled once."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse
from sqlalchemy.exc import IntegrityError

from bot.desk import Desk
from bot.models import ProcessedEvent


def register(app: App, desk: Desk) -> None:
    @app.middleware
    def once_per_event(body: dict[str, Any], next: Any) -> BoltResponse | None:  # noqa: A002 - bolt's name
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        try:
            with desk.db.transaction() as s:
                s.add(ProcessedEvent(event_id=str(event_id)[:64], received_at=desk.clock()))
        except IntegrityError:
            return BoltResponse(status=200, body="")  # already handled (or being handled): ack, do nothing
        return next()
