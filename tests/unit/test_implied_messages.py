"""What a ticket's requester is told about a change (bot/cards.py `_implied`), for every action the
ticket service really records: a comparison against a misspelt action name ("wait" for the service's
"wait_on_customer") silently told nobody."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cards import AUTOMATION, TOLD, _implied
from bot.models import Ticket
from bot.tickets import states

AGENT = "U0AGENT001"
# every action the service records: the state machine's (each change is checked there) and creation
ACTIONS = sorted({*states.ALLOWED, "create"})
TOLD_OF = {"resolve", "wait_on_customer", "merge", "merge_in"}


def _ticket() -> Ticket:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return Ticket(
        number=7,
        title="Export broken",
        requester="U0CUSTOM01",
        team="support",
        merged_into=3,
        channel="C1",
        created_at=now,
        updated_at=now,
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_the_requester_hears_of_the_changes_that_concern_them(action: str) -> None:
    said = _implied(_ticket(), action=action, actor=AGENT)
    assert (said is not None) == (action in TOLD_OF), action


def test_every_action_the_requester_hears_of_is_one_the_service_records() -> None:
    assert set(TOLD) <= set(ACTIONS), set(TOLD) - set(ACTIONS)


@pytest.mark.parametrize("actor", ["U0CUSTOM01", AUTOMATION])
def test_no_csat_prompt_when_the_requester_or_deskbot_resolves(actor: str) -> None:
    assert _implied(_ticket(), action="resolve", actor=actor) is None
