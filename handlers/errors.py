"""The one global error handler: unexpected errors are logged with a reference the user can quote;
events that failed before their ack are refused (500) so that Slack retries them."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse

log = logging.getLogger("deskbot.errors")


def register(app: App) -> None:
    """Attach the error handler."""

    @app.error
    def on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> BoltResponse:
        ref = uuid.uuid4().hex[:8]
        log.exception(
            "unhandled error ref=%s type=%s", ref, body.get("type") or body.get("command"), exc_info=error
        )
        if body.get("type") == "event_callback":
            # Not acked (e.g. the database was unreachable before the event was recorded): a 500 makes
            # Slack deliver it again, and whichever process gets the retry handles it once.
            return BoltResponse(status=500, body="")
        return BoltResponse(
            status=200, body=f"Something went wrong (ref {ref}). Please try again or tell your admin."
        )
