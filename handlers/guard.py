"""Never silent: run a handler's work, and tell the user in a sentence when it fails (with a reference)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk.errors import SlackApiError

from bot.desk import Desk
from bot.errors import BotError

log = logging.getLogger("deskbot.handlers")

# views.open takes a trigger once and within 3 s of the click: only a new click brings a new one
TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}
FORM_TOO_LATE = ":hourglass_flowing_sand: That form took too long to open. Please try again."


@contextmanager
def guarded(
    desk: Desk, *, user: str, channel: str | None = None, thread_ts: str | None = None
) -> Iterator[None]:
    """Expected problems (BotError, a form Slack would no longer open) are explained; anything else is
    logged with a ref the user can quote."""
    try:
        yield
    except BotError as exc:
        desk.slack.tell(user=user, channel=channel, thread_ts=thread_ts, text=f":warning: {exc.message}")
    except Exception as exc:
        if isinstance(exc, SlackApiError) and exc.response.get("error") in TRIGGER_ERRORS:
            log.info("a form did not open for %s: %s", user, exc.response.get("error"))
            desk.slack.tell(user=user, channel=channel, thread_ts=thread_ts, text=FORM_TOO_LATE)
            return
        ref = uuid.uuid4().hex[:8]
        log.exception("handler failed ref=%s user=%s channel=%s", ref, user, channel)
        desk.slack.tell(
            user=user,
            channel=channel,
            thread_ts=thread_ts,
            text=f":warning: Something went wrong on our side (ref `{ref}`). Please try again; if it keeps happening, quote the ref to your admin.",
        )
