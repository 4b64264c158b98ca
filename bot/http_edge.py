"""The HTTP edge in front of bolt: a request to `/slack/events` is bounded, its Slack signature verified
on the raw bytes, and its envelope checked *before* anything parses it. What fails gets a 4xx with a
short reason; nothing here ever answers with a traceback or a parser's error text.

Order matters: bolt parses the body (JSON or `payload=`) when it builds its request, before its own
signature middleware runs, so a forged, malformed body used to reach the parser (and answer 500).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY = 1024 * 1024  # Slack's largest payloads (a full modal's state) are a few hundred KB
MAX_SKEW = 300  # seconds: Slack's own rule for the request timestamp (replays)
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class EdgeError(Exception):
    """A request the edge refuses: an HTTP status and a short, user-safe reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


STATUS_LINES = {
    400: "400 Bad Request",
    401: "401 Unauthorized",
    405: "405 Method Not Allowed",
    408: "408 Request Timeout",
    411: "411 Length Required",
    413: "413 Content Too Large",
    415: "415 Unsupported Media Type",
}


def blank_secret_error(setting: str = "SLACK_SIGNING_SECRET") -> str:
    """The message for a missing or blank signing secret, with the fix."""
    return (
        f"{setting} is empty or blank: every request would be accepted with a signature anyone can compute. "
        "Copy the Signing Secret from your Slack app (api.slack.com/apps → Basic Information → App "
        "Credentials) into .env as SLACK_SIGNING_SECRET=…"
    )


def read_body(environ: dict[str, Any], *, limit: int = MAX_BODY) -> bytes:
    """The request body, refused before reading when its length is missing, bad or over `limit`."""
    if environ.get("REQUEST_METHOD", "GET") != "POST":
        raise EdgeError(405, "Slack sends POST requests here.")
    if environ.get("HTTP_TRANSFER_ENCODING"):
        # The WSGI server cannot bound a chunked body it does not decode; Slack always sends a length.
        raise EdgeError(411, "Send the body with a Content-Length (chunked bodies are not accepted).")
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    if not declared:
        raise EdgeError(411, "Content-Length is required.")
    if not declared.isdigit():
        raise EdgeError(400, "Content-Length is not a number.")
    length = int(declared)
    if length > limit:
        raise EdgeError(413, f"The body is over {limit} bytes.")
    stream = environ["wsgi.input"]
    chunks, got = [], 0
    try:
        while got < length:
            chunk = stream.read(min(length - got, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except TimeoutError:  # the server's socket timeout: a client that stalls
        raise EdgeError(408, "The body did not arrive in time.") from None
    if got < length:
        raise EdgeError(400, "The body is shorter than its Content-Length.")
    return b"".join(chunks)


def verify_signature(
    environ: dict[str, Any], body: bytes, *, secret: str, now: Callable[[], float] = time.time
) -> None:
    """Slack's v0 HMAC-SHA256 over the raw bytes, with the timestamp at most five minutes off."""
    stamp = (environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").strip()
    signature = (environ.get("HTTP_X_SLACK_SIGNATURE") or "").strip()
    if not stamp.isdigit() or not signature:
        raise EdgeError(401, "Missing or malformed Slack signature headers.")
    if abs(now() - int(stamp)) > MAX_SKEW:
        raise EdgeError(401, "The request timestamp is too old (or in the future).")
    expected = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    if not hmac.compare_digest("v0=" + expected.hexdigest(), signature):
        raise EdgeError(401, "Invalid Slack signature.")


def check_envelope(environ: dict[str, Any], body: bytes) -> None:
    """The body is UTF-8 in a content type Slack uses, and what bolt will read from it is an object."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise EdgeError(400, "The body is not UTF-8.") from None
    kind = (environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
    if kind == JSON:
        document = _json_object(text, "The JSON body")
        if document.get("type") == "event_callback" and not isinstance(document.get("event"), dict):
            raise EdgeError(400, "An event_callback needs an `event` object.")
    elif kind == FORM:
        try:
            fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
        except ValueError:
            raise EdgeError(400, "The form body is malformed.") from None
        if "payload" in fields:
            payload = _json_object(fields["payload"], "The `payload` field")
            if not isinstance(payload.get("type"), str):
                raise EdgeError(400, "The `payload` has no `type`.")
        elif "command" not in fields and "ssl_check" not in fields:
            raise EdgeError(400, "The form has neither a `command` nor a `payload`.")
    else:
        raise EdgeError(415, f"Slack sends {JSON} or {FORM}.")


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise EdgeError(400, f"{what} is not valid JSON.") from None
    if not isinstance(value, dict):
        raise EdgeError(400, f"{what} is not a JSON object.")
    return value
