"""Hostile text and the checks the adversarial tests share: what no payload Deskbot sends may hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

EVIL = "evil.example"
HOSTILE = [
    f"<!channel> Boom <https://{EVIL}|Reset SSO>",
    "<!here> please look",
    "<!everyone> all hands",
    "<!subteam^S0ONCALL|@oncall> wake up",
    "<!here|here> and <!channel|channel>",
    "<!date^1392734382^{date_num}|Feb 18> <!here>",
    f"Reset here: <https://{EVIL}/sso|https://acme.example/sso>",
    f"<mailto:x@{EVIL}|support@acme.example>",
    "<javascript:alert(1)|click me>",
    "&lt;!channel&gt; already escaped &amp;lt;",
    "a < b > c & d <b>bold</b>",
    "مرحبا <!channel> ‮RTL override‬",
    "🔥💥 <!here> emoji <@U0AGENT001> <#C0TRIAGE01|triage>",
    "x" * 40_000 + "<!channel>",
]
_BROADCAST = re.compile(r"<!(?!date\^)[^<>]*>")
_DISGUISED = re.compile(rf"<[a-z]+:[^>|]*{re.escape(EVIL)}[^>|]*\|[^>]*>", re.I)


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a payload."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)


def broadcasts(payload: Any) -> list[str]:
    """The broadcasts in a payload (what the client-level scrub guarantees to remove)."""
    return [found for text in strings(payload) for found in _BROADCAST.findall(text)]


def leaks(payload: Any) -> list[str]:
    """Broadcasts and disguised links in a payload (an empty list when it is safe to send)."""
    found: list[str] = []
    for text in strings(payload):
        found += _BROADCAST.findall(text)
        found += _DISGUISED.findall(text)
    return found
