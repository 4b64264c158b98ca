"""Never silent: run a handler's work, and tell the user in a sentence when it fails (with a reference)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from bot.desk import Desk
from bot.errors import BotError

log = logging.getLogger("deskbot.handlers")


@contextmanager
def guarded(
    desk: Desk, *, user: str, channel: str | None = None, thread_ts: str | None = None
) -> Iterator[None]:
    """Expected problems (BotError) are explained; anything else is logged with a ref the user can quote."""
    try:
        yield
    except BotError as exc:
        desk.slack.tell(user=user, channel=channel, thread_ts=thread_ts, text=f":warning: {exc.message}")
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("handler failed ref=%s user=%s channel=%s", ref, user, channel)
        desk.slack.tell(
            user=user,
            channel=channel,
            thread_ts=thread_ts,
            text=f":warning: Something went wrong on our side (ref `{ref}`). Please try again; if it keeps happening, quote the ref to your admin.",
        )
