"""The one global error handler: unexpected errors are logged with a reference the user can quote."""

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
        return BoltResponse(
            status=200, body=f"Something went wrong (ref {ref}). Please try again or tell your admin."
        )
