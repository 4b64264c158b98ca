"""People's words quoted back by the bot (a ticket's title and description, other tickets' titles and
solutions on the card) never ping anyone, whichever builder quotes them: a title typed in the New
ticket modal as "<@U0MANAGER1> Meine Rechnung …" pinged the manager from the acknowledgement. Each builder × each hostile title: no live mention, broadcast or disguised link, no
bidirectional override, and `&` escaped once in mrkdwn and not at all in plain_text. (A relay delivers
a message to the people it was written for, mentions kept: tests/slack/test_adversarial.py.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot import blocks, notices
from bot.blocks.similar import similar_blocks
from bot.models import Status, Ticket
from bot.sla import Clock
from bot.tickets.similar import Match, Similar
from tests.hostile import leaks

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PERSON = "U123"
HOSTILE_TITLES = [
    f"<@{PERSON}> Meine Rechnung für März fehlt leider immer noch",
    "<!channel> the export is stuck",
    "Reset here: <https://evil.example|click>",
    "AT&T invoice & credit note",
    "invoice\u202egnp.exe",
]


def _ticket(text: str) -> Ticket:
    return Ticket(
        number=7,
        title=text,
        description=text,
        requester="U0CUSTOM01",
        channel="C0SUPPORT1",
        thread_ts="1.1",
        team="general",
        status=Status.OPEN,
        priority_reason=text,
        merged_into=3,
        created_at=NOW,
        updated_at=NOW,
    )


def _builders() -> dict[str, Callable[[str], Any]]:
    """Every builder in bot/blocks/tickets.py, bot/notices.py and bot/blocks/similar.py that quotes
    people's words, with the words in each of its slots."""
    clock = Clock("first_response", 3600.0, 3660.0, 0.0, "running", NOW, NOW)

    def similar(text: str) -> Similar:
        match = Match(number=3, title=text, status=Status.RESOLVED, score=0.8, solved_by=text)
        return Similar(
            resolved=[match], duplicates=[Match(number=4, title=text, status=Status.OPEN, score=0.9)]
        )

    return {
        "ticket_card": lambda text: blocks.ticket_card(_ticket(text), None, similar=similar(text)),
        "ticket_ack": lambda text: blocks.ticket_ack(_ticket(text), None),
        "ticket_ack_de": lambda text: blocks.ticket_ack(_ticket(text), None, lang="de"),
        "thread_command_refused": lambda text: blocks.thread_command_refused(text, ""),
        "similar_blocks": lambda text: similar_blocks(7, similar(text)),
        "sla_alert": lambda text: notices.sla_alert(_ticket(text), clock, stage="warn75"),
        "sla_breach": lambda text: notices.sla_alert(_ticket(text), clock, stage="breach"),
        "sla_breach_broadcast": lambda text: notices.sla_breach_broadcast(_ticket(text), clock),
        "stale_nudge": lambda text: notices.stale_nudge(_ticket(text), hours=4),
        "unclaimed_nudge": lambda text: notices.unclaimed_nudge(_ticket(text)),
        "followup": lambda text: notices.followup(_ticket(text), last=True),
    }


def _texts(payload: Any, kind: str = "mrkdwn") -> Iterator[tuple[str, str]]:
    """Every text in a payload with how Slack reads it: (kind, text), kind 'mrkdwn' or 'plain_text'."""
    if isinstance(payload, str):
        yield kind, payload
    elif isinstance(payload, dict):
        kind = payload.get("type", kind) if payload.get("type") in ("mrkdwn", "plain_text") else kind
        for key, value in payload.items():
            if key not in ("type", "action_id", "block_id", "value", "url"):
                yield from _texts(value, kind)
    elif isinstance(payload, list):
        for value in payload:
            yield from _texts(value, kind)


@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=["mention", "broadcast", "link", "amp", "bidi"])
@pytest.mark.parametrize("builder", sorted(_builders()))
def test_quoted_words_never_ping_phish_or_show_escapes(builder: str, title: str) -> None:
    payload = _builders()[builder](title)
    assert not leaks(payload), leaks(payload)
    for kind, text in _texts(payload):
        assert f"<@{PERSON}>" not in text, (kind, text)  # named, not notified
        assert "\u202e" not in text, (kind, text)
        assert "&amp;amp;" not in text, (kind, text)  # never escaped twice
        if "AT" in title and "AT" in text:
            shown = "AT&T" if kind == "plain_text" else "AT&amp;T"
            assert shown in text, (kind, text)
