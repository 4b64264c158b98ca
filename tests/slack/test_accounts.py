"""Customer accounts through the bolt app and the fake Slack: a Slack Connect guest (another
organisation's person, told by the `user_team` Slack sends) is attributed to their account, in the
account's channel and in a DM; an unknown organisation becomes an account by itself; the owner's Home
shows their accounts."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.fakes.simulator import wait_for
from bot.models import Account, KbQuery, Ticket
from bot.support import SupportConfig, parse_support_config
from tests.conftest import SAMPLE_DIR
from tests.slack.conftest import CUSTOMER, ENTERPRISE, MANAGER, SUPPORT, TRIAGE, Running, carded

GUEST, STRANGER, CSM = "U0BIGGUEST", "U0STRANGER", "U0CSM00001"
BIGCORP_TEAM, UNKNOWN_TEAM = "T0BIGCORP1", "T0UNKNOWN1"


@pytest.fixture
def config() -> SupportConfig:
    """The sample configuration with one account: BigCorp, in the enterprise Slack Connect channel."""
    text = (
        (SAMPLE_DIR / "support.yaml").read_text(encoding="utf-8")
        + f"""
customers:
  bigcorp:
    name: BigCorp
    tier: enterprise
    owner: {CSM}
    channels: [{ENTERPRISE}]
    team_ids: [{BIGCORP_TEAM}]
"""
    )
    return parse_support_config(text, file="support.yaml")


def test_a_slack_connect_guest_is_attributed_to_their_account(running: Running) -> None:
    running.fake.users[GUEST] = {"team_id": BIGCORP_TEAM}
    running.fake.users[STRANGER] = {"team_id": UNKNOWN_TEAM}
    question, _ = running.slack.say(
        ENTERPRISE, GUEST, "<@U0DESKBOT> our nightly sync to the warehouse stopped after the migration"
    )
    assert question["user_team"] == BIGCORP_TEAM  # what Slack sends for another organisation's person
    [ticket] = carded(running)  # the enterprise channel opens a ticket when the bot has no answer
    assert ticket.requester == GUEST and ticket.account == "bigcorp"

    running.slack.say("D0BIGGUEST", GUEST, "Can you recommend a good pizza place in Berlin?")
    running.slack.say(SUPPORT, STRANGER, "Can you recommend a good pizza place in Berlin?")
    running.slack.say(SUPPORT, CUSTOMER, "Can you recommend a good pizza place in Berlin?")
    queries = wait_for(
        lambda: (rows := _queries(running)) and len(rows) >= 4 and rows, what="four questions logged"
    )
    by_user = {q.user: q.account for q in queries}
    assert by_user[GUEST] == "bigcorp", "their DM is their account's too"
    assert by_user[STRANGER] == f"team:{UNKNOWN_TEAM}", "an unknown organisation is an account by itself"
    assert by_user[CUSTOMER] is None, "our own people in a channel of no account belong to none"
    with running.db.session() as s:
        found = s.get(Account, f"team:{UNKNOWN_TEAM}")
        bigcorp = s.get(Account, "bigcorp")
    assert found is not None and not found.configured and found.team_id == UNKNOWN_TEAM
    assert bigcorp is not None and bigcorp.last_contact_at is not None

    running.slack.open_home(CSM)
    home = wait_for(lambda: running.fake.home.get(CSM), what="the owner's Home")
    text = str(home["blocks"])
    assert "Your accounts" in text and "BigCorp" in text and "/100" in text
    running.slack.open_home(CUSTOMER)
    other = wait_for(lambda: running.fake.home.get(CUSTOMER), what="a requester's Home")
    assert "Your accounts" not in str(other["blocks"])


def _queries(running: Running) -> list[KbQuery]:
    with running.db.session() as s:
        return list(s.exec(select(KbQuery).order_by(KbQuery.id)))


def test_tickets_of_no_account_stay_unattributed(running: Running) -> None:
    running.slack.say(SUPPORT, CUSTOMER, "Can you recommend a good pizza place in Berlin?")
    [reply] = running.wait_bot(SUPPORT)
    running.slack.click(reply, "kb_escalate", user=CUSTOMER)
    wait_for(lambda: carded(running), what="the ticket")
    with running.db.session() as s:
        assert s.exec(select(Ticket)).one().account is None


def test_another_organisation_in_an_accounts_shared_channel_is_not_that_account(running: Running) -> None:
    """A Slack Connect channel may be shared with more than one organisation. When the account lists its
    team ids, a person of another team writing there is their own organisation's, not the channel's
    account: else merging their duplicate into the account's ticket made them a follower of it (the
    same customer, by account), and `/ticket show` opened another customer's ticket to them."""
    running.fake.users[GUEST] = {"team_id": BIGCORP_TEAM}
    running.fake.users[STRANGER] = {"team_id": UNKNOWN_TEAM}
    running.slack.say(
        ENTERPRISE, GUEST, "<@U0DESKBOT> our nightly sync to the warehouse stopped after the migration"
    )
    [theirs] = carded(running)
    running.slack.say(
        ENTERPRISE, STRANGER, "<@U0DESKBOT> nightly sync to the warehouse stopped after migration"
    )
    [_, mine] = carded(running, 2)
    assert (theirs.account, mine.account) == ("bigcorp", f"team:{UNKNOWN_TEAM}")
    merged = running.slack.slash(
        "/ticket", f"merge {mine.number} into {theirs.number}", user=MANAGER, channel=TRIAGE
    )
    assert "merged into" in merged.json()["text"]
    shown = running.slack.slash("/ticket", f"show {theirs.number}", user=STRANGER, channel=ENTERPRISE).json()
    assert "warehouse" not in shown["text"] and f"There is no ticket #{theirs.number}" in shown["text"], shown


def _opened_with_the_form(running: Running, user: str, title: str) -> Ticket:
    running.slack.slash("/ticket", f"new {title}", user=user, channel=ENTERPRISE)
    view = wait_for(
        lambda: next((v for v in running.fake.views.values() if title in str(v["blocks"])), None),
        what="the New ticket form",
    )
    running.slack.submit(view, {"description": "since this morning"}, user=user)
    return wait_for(
        lambda: next((t for t in carded(running, 0) if t.title == title), None), what="the ticket"
    )


def test_a_ticket_opened_with_the_form_is_the_requesters_accounts(running: Running) -> None:
    """The New ticket form (from `/ticket new`) carries no `user_team` the way a message does: a
    person whose first act in a shared channel is to open a ticket was given the channel's account,
    another organisation's. Their team is asked of Slack (users.info) before the ticket is made."""
    running.fake.users[GUEST] = {"team_id": BIGCORP_TEAM}
    running.fake.users[STRANGER] = {"team_id": UNKNOWN_TEAM}
    mine = _opened_with_the_form(running, STRANGER, "Our export is stuck at 40%")
    theirs = _opened_with_the_form(running, GUEST, "The nightly sync stopped")
    assert (mine.account, theirs.account) == (f"team:{UNKNOWN_TEAM}", "bigcorp")


@pytest.mark.parametrize("refusal", ["user_not_found", "ratelimited"])
def test_a_requester_slack_will_not_place_is_not_the_shared_channels_account(
    running: Running, refusal: str
) -> None:
    """users.info does not always say whose a person is: it may not show another organisation's person
    in a Slack Connect channel (`user_not_found`), or stay rate limited past the retries. The form's
    requester was then given the channel's account anyway, though the account lists its team ids (the
    channel may be shared with other organisations): merging their duplicate into the account's
    ticket made them its follower, and `/ticket show` opened another customer's ticket to them."""
    running.fake.users[GUEST] = {"team_id": BIGCORP_TEAM}
    theirs = _opened_with_the_form(running, GUEST, "The nightly sync to the warehouse stopped")
    if refusal == "ratelimited":
        running.fake.users[STRANGER] = {"team_id": UNKNOWN_TEAM}
        running.fake.fail_next("users.info", times=4, retry_after=0)  # the first try and 3 retries
    mine = _opened_with_the_form(running, STRANGER, "Nightly sync to the warehouse stopped")
    assert theirs.account == "bigcorp" and mine.account != "bigcorp"
    merged = running.slack.slash(
        "/ticket", f"merge {mine.number} into {theirs.number}", user=MANAGER, channel=TRIAGE
    )
    assert "merged into" in merged.json()["text"]
    shown = running.slack.slash("/ticket", f"show {theirs.number}", user=STRANGER, channel=ENTERPRISE).json()
    assert f"There is no ticket #{theirs.number}" in shown["text"], shown
