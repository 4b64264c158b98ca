"""Signed requests for the HTTP-mode tests, through `bot.fakes.simulator` (one implementation of Slack signing)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from bot.fakes.simulator import SlackSimulator

SECRET = "test-signing-secret"


def signed_post(
    url: str,
    body: str,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[int, str]:
    """POST `body` with Slack's signature headers (the simulator's signing); return (status, text)."""
    sim = SlackSimulator(events_url=url, secret=secret, fake=None)  # type: ignore[arg-type]
    delivery = sim.send(body, content_type=content_type, timestamp=timestamp)
    return delivery.status, delivery.body


def slash_body(command: str, text: str, user: str) -> str:
    return urllib.parse.urlencode(
        {
            "command": command,
            "text": text,
            "user_id": user,
            "user_name": user.lower(),
            "team_id": "T0DESKBOT",
            "channel_id": "C0TRIAGE01",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "1.2.3",
        }
    )
