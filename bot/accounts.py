"""Customer accounts: which account a channel, a person or a Slack team belongs to.

Configured accounts (`customers:` in the support YAML) own their channels and their Slack Connect team
ids. In a Slack Connect channel the customer's people belong to another organisation: Slack sends
their team id with each message (`user_team`), so a person whose team is not ours belongs to the
account with that team id, else to the account owning the channel when it lists no team ids, else to
an account of their own team, found by itself ("team:T…"). What is learned about a person is kept
(`account_member`), so the tickets they open anywhere (a DM, the `/ticket new` modal) are their
account's too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from bot import access
from bot.models import Account, AccountCheckin, AccountMember
from bot.support import SupportConfig

FOUND_PREFIX = "team:"


def channel_account(config: SupportConfig, channel: str | None) -> str | None:
    """The configured account that owns `channel`, if any."""
    for key, customer in config.customers.items():
        if channel and channel in customer.channels:
            return key
    return None


def team_account(config: SupportConfig, team_id: str | None) -> str | None:
    """The configured account of a Slack Connect team id, if any."""
    for key, customer in config.customers.items():
        if team_id and team_id in customer.team_ids:
            return key
    return None


def _shared_with(config: SupportConfig, channel: str | None) -> str | None:
    """The account owning `channel`, for another organisation's person whose team no account lists:
    only when that account lists no team ids. When it does, the person is of another organisation (a
    Slack Connect channel may be shared with several), never the channel's account's."""
    key = channel_account(config, channel)
    return key if key is not None and not config.customers[key].team_ids else None


def sync(session: Session, *, config: SupportConfig, now: datetime) -> None:
    """Bring the configured accounts into the table (names, tiers and owners follow the YAML)."""
    if not config.customers:
        return
    configured = col(Account.key).in_(list(config.customers))
    rows = {a.key: a for a in session.exec(select(Account).where(configured))}
    for key, customer in config.customers.items():
        row = rows.get(key)
        fields = {
            "name": customer.name or key,
            "tier": customer.tier,
            "owner": customer.owner,
            "team_id": customer.team_ids[0] if customer.team_ids else None,
            "configured": True,
        }
        if row is None:
            _insert(session, Account(key=key, created_at=now, **fields))
        elif any(getattr(row, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(row, k, v)
            session.add(row)
    session.flush()


def _insert(session: Session, row: Account | AccountMember) -> None:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent message created it first
        pass


def _ensure(session: Session, *, config: SupportConfig, key: str, team_id: str | None, now: datetime) -> None:
    if session.get(Account, key) is not None:
        return
    if key in config.customers:
        sync(session, config=config, now=now)
        return
    _insert(
        session,
        Account(
            key=key,
            name=f"Slack team {team_id}",
            owner=config.health.default_owner,
            team_id=team_id,
            configured=False,
            created_at=now,
        ),
    )


def seen(
    session: Session,
    *,
    config: SupportConfig,
    channel: str | None,
    user: str,
    user_team: str | None,
    home_team: str | None,
    now: datetime,
) -> str | None:
    """A person wrote in Slack: the account they write for (learned for later), and its last contact.
    Support staff write for no account."""
    if access.is_staff(config, user):
        return None
    external = bool(user_team and home_team and user_team != home_team)
    if external:
        key = (
            team_account(config, user_team) or _shared_with(config, channel) or FOUND_PREFIX + str(user_team)
        )
    else:
        key = channel_account(config, channel) or member_of(session, user)
    if key is None:
        return None
    _ensure(session, config=config, key=key, team_id=user_team if external else None, now=now)
    _remember(session, user=user, account=key, team_id=user_team)
    touch(session, key=key, now=now)
    return key


def contact(session: Session, *, config: SupportConfig, key: str, now: datetime) -> None:
    """A request for account `key` came in at `now` (a ticket opened for it)."""
    _ensure(session, config=config, key=key, team_id=None, now=now)
    touch(session, key=key, now=now)


def touch(session: Session, *, key: str, now: datetime) -> None:
    """The account's people were in contact at `now`."""
    session.exec(  # type: ignore[call-overload]
        update(Account)
        .where(col(Account.key) == key)
        .where((col(Account.last_contact_at).is_(None)) | (col(Account.last_contact_at) < now))
        .values(last_contact_at=now)
    )


def _remember(session: Session, *, user: str, account: str, team_id: str | None) -> None:
    member = session.get(AccountMember, user)
    if member is None:
        _insert(session, AccountMember(user=user, account=account, team_id=team_id))
    elif member.account != account:
        member.account, member.team_id = account, team_id
        session.add(member)


def member_of(session: Session, user: str | None) -> str | None:
    """The account `user` is known to write for, if any."""
    if not user:
        return None
    member = session.get(AccountMember, user)
    return member.account if member else None


def account_for(
    session: Session, *, config: SupportConfig, channel: str | None, user: str | None
) -> str | None:
    """The account a request from `user` in `channel` belongs to: the person's (learned from their
    Slack team), else the channel's."""
    return member_of(session, user) or channel_account(config, channel)


def checkin_posted(session: Session, *, config: SupportConfig, channel: str, at: datetime) -> str | None:
    """Record a check-in to an account's channel (for the silence that may follow)."""
    key = channel_account(config, channel)
    if key is not None:
        session.add(AccountCheckin(account=key, channel=channel, at=at))
    return key


def owned_by(session: Session, *, config: SupportConfig, user: str, now: datetime) -> list[Account]:
    """The accounts `user` owns, by name."""
    sync(session, config=config, now=now)
    return list(session.exec(select(Account).where(Account.owner == user).order_by(col(Account.name))))


def every(session: Session, *, config: SupportConfig, now: datetime) -> list[Account]:
    """Every account, configured ones first, by name."""
    sync(session, config=config, now=now)
    return list(
        session.exec(
            select(Account).order_by(col(Account.configured).desc(), col(Account.name), col(Account.key))
        )
    )
