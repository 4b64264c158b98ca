"""Similar and duplicate tickets on the triage card, and merging a duplicate from the card's button,
through the bolt app and the strict fake Slack, on SQLite and PostgreSQL. Staff see other people's
tickets on the card; requesters only ever hear ticket numbers of their own."""

from __future__ import annotations

from datetime import timedelta

from bot import tickets
from bot.fakes.simulator import wait_for
from bot.models import Status, Ticket, TicketCreate
from tests.slack.conftest import AGENT, CUSTOMER, CUSTOMER2, MANAGER, SUPPORT, Running, carded

EARLIER = "U0CUSTOM03"  # an earlier customer whose resolved ticket is like the new ones
SOLUTION = "Re-import the IdP metadata from Okta, then sign in again"
PRIVATE = "Contoso"  # a word only in the earlier customer's ticket


def _open(running: Running, user: str, title: str, description: str) -> Ticket:
    running.slack.slash("/ticket", f"new {title}", user=user, channel=SUPPORT)
    view = wait_for(lambda: running.slack.views_of(user), what="the New ticket modal")[-1]
    running.slack.submit(view, {"description": description, "category": "login_access"}, user=user)
    return _carded_titled(running, title)


def _carded_titled(running: Running, title: str) -> Ticket:
    return wait_for(
        lambda: next((t for t in carded(running) if t.title == title), None), what=f"the card of {title!r}"
    )


def _card(running: Running, number: int) -> dict:
    with running.db.session() as s:
        t = tickets.get(s, number=number)
    return next(m for m in running.fake.messages[t.triage_channel] if m["ts"] == t.triage_ts)


def _resolved_earlier(running: Running, config) -> int:  # noqa: ANN001
    data = TicketCreate(
        title=f"SSO login fails with invalid audience at {PRIVATE}",
        description="Okta SSO login says invalid audience",
        requester=EARLIER,
        category="login_access",
    )
    now = running.clock() - timedelta(days=3)
    with running.db.transaction() as s:
        number = tickets.create(s, data=data, actor=EARLIER, config=config, now=now).number
        tickets.claim(s, number=number, agent=AGENT, config=config, now=now)
        tickets.add_note(
            s, number=number, author=AGENT, body=SOLUTION, internal=False, config=config, now=now
        )
        tickets.resolve(s, number=number, actor=AGENT, config=config, now=now)
    return number


def _requester_side(running: Running) -> str:
    """Everything Deskbot said where requesters read: the support channel and DMs."""
    said = [
        c.args
        for c in running.fake.calls
        if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
        and not str(c.args.get("channel", "")).startswith("C0TRIAGE")
    ]
    return str(said)


def test_similar_tickets_on_the_card_and_merge_from_its_button(running_on: Running, config) -> None:  # noqa: ANN001
    running = running_on
    earlier = _resolved_earlier(running, config)
    first = _open(
        running, CUSTOMER, "SSO login fails with invalid audience", "Okta SSO login broken since today"
    )
    running.clock.advance(minutes=5)
    second = _open(running, CUSTOMER2, "Okta SSO login fails: invalid audience", "Cannot sign in with SSO")
    assert first.number and second.number

    # The second ticket's card (staff, in the triage channel): the earlier ticket with how it was
    # solved, and the first one as the same problem, with a button to merge into it.
    card = str(_card(running, second.number)["blocks"])
    assert f"#{earlier}" in card and "Re-import the IdP metadata" in card and PRIVATE in card
    assert f"#{first.number}" in card and f"Merge into #{first.number}" in card
    # Requesters never see another customer's ticket: not its words, not its solution.
    heard = _requester_side(running)
    assert PRIVATE not in heard and "Re-import" not in heard and f"#{earlier}" not in heard

    # A requester cannot merge (the button refuses them, nothing changes).
    running.slack.click(_card(running, second.number), f"ticket_merge:{first.number}", user=CUSTOMER2)
    told = wait_for(lambda: running.fake.calls_to("chat.postEphemeral"), what="the refusal")
    assert "Only support agents" in told[-1].args["text"]
    refused = running.slack.slash(
        "/ticket", f"merge {second.number} into {first.number}", user=CUSTOMER2, channel=SUPPORT
    )
    assert "Only support agents" in refused.json()["text"]
    with running.db.session() as s:
        assert tickets.get(s, number=second.number).merged_into is None

    # An agent merges it from the card.
    running.slack.click(_card(running, second.number), f"ticket_merge:{first.number}", user=AGENT)
    wait_for(lambda: "Merged into" in str(_card(running, second.number)["blocks"]), what="the merged card")
    wait_for(
        lambda: f"Duplicates merged in: #{second.number}" in str(_card(running, first.number)["blocks"]),
        what="the original's card",
    )
    wait_for(
        lambda: _told(running, second, f"*#{first.number}*, which the team is already working on"),
        what="the duplicate's requester told",
    )
    wait_for(
        lambda: _told(running, first, "Someone else reported the same problem"),
        what="the original's requester told",
    )

    with running.db.session() as s:
        dup, original = tickets.get(s, number=second.number), tickets.get(s, number=first.number)
        assert (dup.status, dup.merged_into) == (Status.CLOSED, first.number)
        assert original.status != Status.CLOSED
        for t in (dup, original):  # every event kept; each ticket replays to its stored state
            assert _state(tickets.replay(tickets.events_of(s, t.number))) == _state(tickets.snapshot(t))
        actions = [e.action for e in tickets.events_of(s, first.number)]
        assert actions[0] == "create" and "merge_in" in actions
        assert [e.action for e in tickets.events_of(s, second.number)][-1] == "merge"
        # Another customer's duplicate: its requester is not let into the original.
        assert "participant_added" not in actions
    assert original.resolution_due is not None  # the original's clocks run; the duplicate's stopped

    # The original resolved: the duplicate's requester hears it in their own thread.
    running.slack.click(_card(running, first.number), "ticket_resolve", user=AGENT)
    wait_for(
        lambda: _told(running, second, f"Ticket *#{first.number}*, which your request"),
        what="resolution relayed",
    )
    assert f"#{earlier}" not in _requester_side(running)
    shown = running.slack.slash("/ticket", f"show {first.number}", user=CUSTOMER2, channel=SUPPORT).json()
    assert "SSO" not in shown["text"] and "no ticket" in shown["text"].lower()


LINKS = {"channel", "thread_ts", "triage_channel", "triage_ts"}  # where its messages live: not audited


def _state(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if k not in LINKS}


def _told(running: Running, ticket: Ticket, words: str) -> bool:
    with running.db.session() as s:
        t = tickets.get(s, number=ticket.number)
    return any(
        words in str(m.get("blocks")) and m.get("thread_ts") == t.thread_ts
        for m in running.bot_messages(t.channel)
    )


def test_a_third_report_of_the_same_problem_gets_its_card_with_a_merge_button_per_ticket(
    running_on: Running,
) -> None:
    """A review: with two open look-alikes, the third card's Merge buttons shared one action_id, which
    Slack refuses (`invalid_blocks`): from the third report of an outage on, tickets had no card."""
    running = running_on
    first = _open(
        running, CUSTOMER, "CSV export fails with error 500 on the reports page", "The export fails with 500"
    )
    running.clock.advance(minutes=2)
    second = _open(running, CUSTOMER2, "CSV export of the reports page fails: error 500", "Export: error 500")
    running.clock.advance(minutes=2)
    third = _open(running, CUSTOMER, "Error 500 when the reports page CSV export runs", "Error 500 on export")
    card = _card(running, third.number)
    [merge] = [b for b in card["blocks"] if b.get("block_id") == f"merge:{third.number}"]
    ids = [e["action_id"] for e in merge["elements"]]
    assert sorted(ids) == sorted([f"ticket_merge:{first.number}", f"ticket_merge:{second.number}"])
    running.slack.click(card, f"ticket_merge:{second.number}", user=MANAGER)  # the team's lead (technical)
    wait_for(lambda: "Merged into" in str(_card(running, third.number)["blocks"]), what="the merged card")
    with running.db.session() as s:
        assert tickets.get(s, number=third.number).merged_into == second.number
