"""Merging a duplicate into the original ticket: the duplicate is closed pointing at the original, and
the original's SLA clocks are the ones that count. The duplicate's requester and followers follow the
original only when it is the same customer's (the same requester, or the same account: then only
the followers who are the account's too): another customer's ticket is never opened to them — they
hear only its number, and when it is resolved. Both tickets keep every event (one `merge` on the
duplicate, one `merge_in` on the original), so each still replays to its stored state; the
after-change flow tells both requesters."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot import access, accounts
from bot.errors import InvalidInput
from bot.models import Status, Ticket
from bot.support.models import SupportConfig
from bot.tickets import states
from bot.tickets.clocks import events_of
from bot.tickets.conversation import add_participant
from bot.tickets.service import _mutate, get


def merge(
    session: Session, *, number: int, into: int, actor: str, config: SupportConfig, now: datetime
) -> Ticket:
    """Merge ticket `number` (the duplicate) into ticket `into` (the original); the duplicate returned."""
    access.require_staff(config, actor, doing="merge tickets")
    if number == into:
        raise InvalidInput(
            f"Ticket #{number} can't be merged into itself: name the original, e.g. `merge {number} into 12`."
        )
    for n in sorted((number, into)):  # both rows locked in one order: two merges never deadlock
        get(session, number=n, lock=True)
    original = get(session, number=into)
    if original.merged_into is not None:
        raise InvalidInput(
            f"Ticket #{into} was itself merged into #{original.merged_into}: merge into #{original.merged_into}."
        )
    states.check("merge_in", Status(original.status), into)
    duplicate = _mutate(
        session,
        "merge",
        lambda t: {"status": Status.CLOSED, "closed_at": now, "merged_into": into},
        number=number,
        actor=actor,
        config=config,
        now=now,
        reason=f"duplicate of #{into}",
    )
    for person in followers(session, duplicate, original):
        add_participant(session, number=into, participant=person, actor=actor, config=config, now=now)
    _mutate(
        session,
        "merge_in",
        lambda t: {"notes": f"+#{number}"},
        number=into,
        actor=actor,
        config=config,
        now=now,
        reason=f"#{number} merged into it",
    )
    return duplicate


def followers(session: Session, duplicate: Ticket, original: Ticket) -> list[str]:
    """Who of the duplicate's side follows the original: nobody for another customer's duplicate; the
    requester and everyone they added for the same requester's; for an account colleague's, the
    colleague and those of the people they added who are the account's too (never someone they chose
    to share their own ticket with)."""
    if not same_customer(duplicate, original):
        return []
    assert duplicate.number is not None
    added = access.participants(events_of(session, duplicate.number))
    if duplicate.requester != original.requester:
        added = {p for p in added if accounts.member_of(session, p) == original.account}
    return sorted({duplicate.requester} | added)


def same_customer(one: Ticket, other: Ticket) -> bool:
    """Whether two tickets were asked for by the same customer: one requester, or one account."""
    return one.requester == other.requester or (one.account is not None and one.account == other.account)
