"""Send Slack-signed requests (HMAC-SHA256 over v0:timestamp:body) like Slack does."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.parse
import urllib.request

SECRET = "test-signing-secret"


def signed_post(
    url: str,
    body: str,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[int, str]:
    """POST `body` with valid Slack signature headers; return (status, response text)."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


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
