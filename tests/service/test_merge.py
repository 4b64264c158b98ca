"""Merging a duplicate into the original, and finding similar tickets, through the ticket service on
SQLite and PostgreSQL (the Slack side: tests/slack/test_merge_and_similar.py)."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot import access, slash, tickets
from bot.cli import app as cli
from bot.db import Database
from bot.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from bot.models import AccountMember, Notification, Status, TicketCreate
from bot.support import SupportConfig
from bot.tickets import similar

ALICE, BOB, FRIEND, AGENT = "U0CUSTOM01", "U0CUSTOM02", "U0FRIEND01", "U0AGENT001"


def _open(db: Database, config: SupportConfig, clock, requester: str, title: str, body: str = "", team: str | None = None) -> int:  # noqa: ANN001
    data = TicketCreate(
        title=title, description=body, requester=requester, channel="C0SUPPORT1", thread_ts="1.1", team=team
    )
    with db.transaction() as s:
        return tickets.create(s, data=data, actor=requester, config=config, now=clock()).number


def test_merge_keeps_both_trails_and_the_originals_clocks(db: Database, config: SupportConfig, clock) -> None:  # noqa: ANN001
    original = _open(db, config, clock, ALICE, "Invoices export times out")
    clock.advance(minutes=10)
    duplicate = _open(db, config, clock, BOB, "Invoice export keeps timing out")
    with db.transaction() as s:
        tickets.add_participant(
            s, number=duplicate, participant=FRIEND, actor=BOB, config=config, now=clock()
        )
        before = {n: len(tickets.events_of(s, n)) for n in (original, duplicate)}
        due = tickets.get(s, number=original).resolution_due
    clock.advance(minutes=5)
    with db.transaction() as s:
        tickets.merge(s, number=duplicate, into=original, actor=AGENT, config=config, now=clock())
    with db.session() as s:
        dup, orig = tickets.get(s, number=duplicate), tickets.get(s, number=original)
        assert (dup.status, dup.merged_into, dup.closed_at) == (Status.CLOSED, original, clock())
        assert orig.status == Status.NEW and orig.resolution_due == due  # the original's clocks count
        trails = {n: tickets.events_of(s, n) for n in (original, duplicate)}
        # Every earlier event kept: one merge on the duplicate, one merge_in on the original. Bob is
        # another customer: he and his follower are not let into Alice's ticket.
        assert len(trails[duplicate]) == before[duplicate] + 1 and trails[duplicate][-1].action == "merge"
        assert [e.action for e in trails[original][before[original] :]] == ["merge_in"]
        assert access.participants(trails[original]) == set()
        for ticket in (dup, orig):
            assert tickets.replay(trails[ticket.number]) == tickets.snapshot(ticket)
        told = {n.dedupe_key: n for n in s.exec(select(Notification))}
    assert any(k.endswith(":merge") for k in told) and any(k.endswith(":merge_in") for k in told)

    for who in (BOB, FRIEND):
        with pytest.raises(NotFound):
            slash.execute(slash.parse(f"show {original}"), user=who, db=db, config=config, now=clock())

    # The original resolved: the duplicate's requester is told in their thread.
    with db.transaction() as s:
        tickets.resolve(s, number=original, actor=AGENT, config=config, now=clock())
    with db.session() as s:
        keys = [n.dedupe_key for n in s.exec(select(Notification))]
    assert any(k.endswith(f":merged:{duplicate}") for k in keys)


def test_merge_refusals_change_nothing(db: Database, config: SupportConfig, clock) -> None:  # noqa: ANN001
    a = _open(db, config, clock, ALICE, "Cannot log in")
    b = _open(db, config, clock, BOB, "Login broken")
    c = _open(db, config, clock, BOB, "SSO down")
    with db.transaction() as s:
        tickets.merge(s, number=c, into=a, actor=AGENT, config=config, now=clock())
    refusals = [
        (dict(number=b, into=a, actor=BOB), PermissionDenied, "Only support agents"),
        (dict(number=b, into=b, actor=AGENT), InvalidInput, "into itself"),
        (dict(number=b, into=c, actor=AGENT), InvalidInput, f"merged into #{a}"),
        (dict(number=c, into=b, actor=AGENT), InvalidTransition, "closed"),
        (dict(number=b, into=999, actor=AGENT), Exception, "does not exist"),
    ]
    for kwargs, error, words in refusals:
        with pytest.raises(error, match=words), db.transaction() as s:
            tickets.merge(s, config=config, now=clock(), **kwargs)
    with db.session() as s:
        assert tickets.get(s, number=b).status == Status.NEW and len(tickets.events_of(s, b)) == 1


def test_merge_from_slash_text_and_the_cli(db: Database, config: SupportConfig, clock) -> None:  # noqa: ANN001
    a = _open(db, config, clock, ALICE, "Cannot log in")
    b = _open(db, config, clock, BOB, "Login broken")
    parsed = slash.parse(f"merge {b} into #{a}")
    assert (parsed.verb, parsed.number, slash.change_args(parsed)) == ("merge", b, {"into": a})
    with pytest.raises(InvalidInput, match="Say which ticket"):
        slash.change_args(slash.parse(f"merge {b} onto the other one"))
    assert "merge N into M" in slash.HELP
    env = {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    done = CliRunner().invoke(cli, ["ticket", "merge", str(b), "--into", str(a)], env=env)
    assert done.exit_code == 0, done.output
    with db.session() as s:
        assert tickets.get(s, number=b).merged_into == a


def test_similar_finds_solved_and_open_look_alikes(db: Database, config: SupportConfig, clock) -> None:  # noqa: ANN001
    solved = _open(db, config, clock, "U0CUSTOM03", "Invoice PDF export fails with timeout", "large invoices")
    other = _open(db, config, clock, "U0CUSTOM04", "Dark mode colours are wrong in settings")
    with db.transaction() as s:
        tickets.claim(s, number=solved, agent=AGENT, config=config, now=clock())
        for author, body, internal in [
            (AGENT, "Export per month instead.", False),
            ("U0CUSTOM03", "Thanks!", False),  # the requester's words do not say how it was solved
            (AGENT, "internal: big account", True),  # nor does an internal note
        ]:
            tickets.add_note(
                s, number=solved, author=author, body=body, internal=internal, config=config, now=clock()
            )
        tickets.resolve(s, number=solved, actor=AGENT, config=config, now=clock())
    clock.advance(days=1)
    first = _open(db, config, clock, ALICE, "PDF export of invoices fails with a timeout", "since today")
    merged = _open(db, config, clock, "U0CUSTOM05", "Invoices PDF export timeout again")
    with db.transaction() as s:
        tickets.merge(s, number=merged, into=first, actor=AGENT, config=config, now=clock())
    clock.advance(minutes=5)
    new = _open(db, config, clock, BOB, "Invoice PDF export fails: timeout", "large invoices")
    with db.session() as s:
        found = similar.find(s, tickets.get(s, number=new))
    assert [m.number for m in found.resolved] == [solved]
    assert found.resolved[0].solved_by == "Export per month instead."  # the team's reply, not a note
    assert [m.number for m in found.duplicates] == [first]  # not the merged one, not itself
    assert other not in {m.number for m in found.resolved + found.duplicates}


def test_similar_tickets_stay_within_the_tickets_team(db: Database, config: SupportConfig, clock) -> None:  # noqa: ANN001
    """The card lives in its team's triage channel: another team's tickets (their titles, how they were
    solved, a Merge button) are not shown there, as on every other surface of the team scope."""
    secret = "GDPR deletion request for a former employee"
    solved = _open(db, config, clock, ALICE, secret, "erase all records", team="support")
    pending = _open(db, config, clock, ALICE, "GDPR deletion request pending", "erase all records", team="support")
    with db.transaction() as s:
        tickets.claim(s, number=solved, agent=AGENT, config=config, now=clock())
        tickets.resolve(s, number=solved, actor=AGENT, config=config, now=clock(), reason="Erased in the console")
    found = {}
    for team in ("billing", "support"):
        number = _open(db, config, clock, BOB, secret, "erase all records", team=team)
        with db.session() as s:
            found[team] = similar.find(s, tickets.get(s, number=number))
    assert not found["billing"].resolved and not found["billing"].duplicates, found["billing"]
    assert [m.number for m in found["support"].resolved] == [solved]
    assert [m.number for m in found["support"].duplicates] == [pending]


def test_the_same_customers_duplicate_brings_its_followers(db: Database, config: SupportConfig, clock) -> None:  # noqa: ANN001
    original = _open(db, config, clock, ALICE, "Invoices export times out")
    duplicate = _open(db, config, clock, ALICE, "Invoice export still times out")
    with db.transaction() as s:
        tickets.add_participant(s, number=duplicate, participant=FRIEND, actor=ALICE, config=config, now=clock())
    with db.transaction() as s:
        tickets.merge(s, number=duplicate, into=original, actor=AGENT, config=config, now=clock())
    with db.session() as s:
        assert access.participants(tickets.events_of(s, original)) == {FRIEND}
    shown = slash.execute(slash.parse(f"show {original}"), user=FRIEND, db=db, config=config, now=clock())
    assert f"#{original}" in shown


def test_an_account_colleagues_duplicate_brings_only_that_accounts_people(db: Database, config: SupportConfig, clock) -> None:  # noqa: ANN001
    """Bob and Alice are one account's; Bob added an outsider to his own ticket. Merging Bob's duplicate
    into Alice's lets Bob follow it (the same customer), never the person Bob chose to share his with."""
    original = _open(db, config, clock, ALICE, "Invoices export times out")
    duplicate = _open(db, config, clock, BOB, "Invoice export keeps timing out")
    with db.transaction() as s:
        for number in (original, duplicate):
            tickets.get(s, number=number).account = "bigcorp"
        s.add(AccountMember(user=ALICE, account="bigcorp"))
        s.add(AccountMember(user=BOB, account="bigcorp"))
        tickets.add_participant(s, number=duplicate, participant=FRIEND, actor=BOB, config=config, now=clock())
    with db.transaction() as s:
        tickets.merge(s, number=duplicate, into=original, actor=AGENT, config=config, now=clock())
    with db.session() as s:
        assert access.participants(tickets.events_of(s, original)) == {BOB}
    with pytest.raises(NotFound):
        slash.execute(slash.parse(f"show {original}"), user=FRIEND, db=db, config=config, now=clock())
