"""SQLModel tables: tickets, their audit trail and notes, and what later features store."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import false as sa_false
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Column, Field, SQLModel

from bot.support.models import Level, Priority
from bot.timeutil import as_utc


class UTCDateTime(TypeDecorator):
    """A timestamp stored with its zone where the database can, and always returned aware in UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class EnumText(TypeDecorator):
    """A StrEnum stored as plain text (portable, no native enum type) and read back as the enum."""

    impl = sa.String(24)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else self.enum(value)


def ts(*, nullable: bool = True, index: bool = False) -> Any:
    """A UTC timestamp column."""
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING, Status.REOPENED)

# The words of a ticket for PostgreSQL's full-text search ('simple': no one language's stemming or stop
# words; tickets come in several). The similar-ticket lookup (bot/tickets/similar.py) queries this exact
# expression, so its GIN index serves it.
TEXT_CONFIG = "simple"
TICKET_TEXT_SQL = f"to_tsvector('{TEXT_CONFIG}', coalesce(title, '') || ' ' || coalesce(description, ''))"
# Tables in the same database that are not ours to migrate: slack_sdk's stores, APScheduler's job
# store, and the knowledge base's PostgreSQL lexical index (knowledge/lexical_pg.py creates its own).
FOREIGN_TABLE_PREFIXES = ("slack_", "apscheduler_", "kb_lexical_")


def foreign(type_: str, name: str | None, obj: object) -> bool:
    """Whether a table (or an index on one) belongs to another library, for autogenerate to leave alone."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return bool(table) and str(table).startswith(FOREIGN_TABLE_PREFIXES)


EXPRESSION_INDEXES = frozenset({"ix_ticket_text"})  # Alembic cannot compare these: checked by name


class TicketBase(SQLModel):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=40000)
    requester: str = Field(max_length=64, index=True)
    channel: str | None = Field(default=None, max_length=64)
    thread_ts: str | None = Field(default=None, max_length=32)
    priority: Priority = Field(default=Priority.NORMAL, sa_type=EnumText(Priority))
    category: str | None = Field(default=None, max_length=64)
    # the requester's language, detected once from their own words when the ticket opens (every later
    # message in it speaks this one: detected again from the clipped title, a thread switched language)
    language: str | None = Field(default=None, max_length=16)


class Ticket(TicketBase, table=True):
    __table_args__ = (
        sa.Index("ix_ticket_triage_thread", "triage_channel", "triage_ts"),
        sa.Index("ix_ticket_requester_thread", "channel", "thread_ts"),
        # Account health: a period's tickets per account (an index-only scan), and one account's.
        sa.Index("ix_ticket_created_account", "created_at", "account"),
        sa.Index("ix_ticket_account_created", "account", "created_at"),
        # A team's active tickets in due order: queues and App Home stay fast when a team's queue is
        # empty among a million closed tickets (without it PostgreSQL walks the whole due-time index).
        sa.Index(
            "ix_ticket_active_team_due",
            "team",
            "resolution_due",
            "number",
            postgresql_where=sa.text("status IN ('new', 'open', 'waiting_on_customer', 'reopened')"),
            sqlite_where=sa.text("status IN ('new', 'open', 'waiting_on_customer', 'reopened')"),
        ),
        sa.Index("ix_ticket_text", sa.text(TICKET_TEXT_SQL), postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )
    number: int | None = Field(default=None, primary_key=True)
    status: Status = Field(default=Status.NEW, sa_type=EnumText(Status), index=True)
    team: str = Field(max_length=64, index=True)
    level: Level = Field(default=Level.L1, sa_type=EnumText(Level))
    assignee: str | None = Field(default=None, max_length=64, index=True)
    sla_policy: str = Field(default="standard", max_length=64)
    priority_reason: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    first_response_at: datetime | None = ts(index=True)
    resolved_at: datetime | None = ts(index=True)
    closed_at: datetime | None = ts()
    first_response_due: datetime | None = ts(index=True)
    resolution_due: datetime | None = ts(index=True)
    next_alert_at: datetime | None = ts(index=True)  # next SLA warning or breach (the sweep's index)
    csat: int | None = Field(default=None, ge=1, le=5)
    first_response_breached: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    resolution_breached: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    triage_channel: str | None = Field(default=None, max_length=64)
    triage_ts: str | None = Field(default=None, max_length=32)
    merged_into: int | None = Field(default=None, index=True)  # the original this duplicate joined
    version: int = Field(default=1)
    account: str | None = Field(default=None, max_length=80)  # bot/accounts.py; indexed after created_at


class TicketCreate(TicketBase):
    """What a surface gives to open a ticket."""

    team: str | None = None
    level: Level | None = None
    priority_reason: str | None = None


class TicketEvent(SQLModel, table=True):
    """One audited change: who did what to which fields, with the values before and after."""

    __tablename__ = "ticket_event"
    __table_args__ = (  # account health counts recent reopenings without reading every recent event
        sa.Index(
            "ix_ticket_event_reopen_at",
            "at",
            postgresql_where=sa.text("action = 'reopen'"),
            sqlite_where=sa.text("action = 'reopen'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_number: int = Field(foreign_key="ticket.number", index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str | None = Field(default=None, max_length=500)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class Note(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ticket_number: int = Field(foreign_key="ticket.number", index=True)
    author: str = Field(max_length=64)
    body: str = Field(max_length=40000)
    internal: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Feedback(SQLModel, table=True):
    """A requester's Helpful / Not helpful on a bot answer."""

    id: int | None = Field(default=None, primary_key=True)
    query_id: int | None = Field(default=None, foreign_key="kb_query.id", index=True)
    user: str = Field(max_length=64)
    helpful: bool
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class KbQuery(SQLModel, table=True):
    """Every question asked of the knowledge base and what was decided (deflection, unanswered)."""

    __tablename__ = "kb_query"
    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=4000)
    # the question as the model read it when misspelt words were corrected (knowledge.spelling), else None
    searched_for: str | None = Field(default=None, max_length=4000)
    user: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=64)
    audience: str = Field(default="customer", max_length=16)
    grounded: bool = Field(index=True)
    # the knowledge base could not be searched (store down, engine changed): an outage, never a content gap
    unavailable: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    confidence: float = 0.0
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ticket_number: int | None = Field(default=None, foreign_key="ticket.number")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    account: str | None = Field(default=None, max_length=80, index=True)


class Notification(SQLModel, table=True):
    """The outbox: written with a unique dedupe key before delivery, so each is sent exactly once."""

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    channel: str = Field(max_length=64)
    thread_ts: str | None = Field(default=None, max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    next_attempt_at: datetime | None = ts(index=True)
    sent_at: datetime | None = ts()


class CheckinRow(SQLModel, table=True):
    """A check-in added from Slack with `/checkin add` (configured ones live in the support YAML)."""

    __tablename__ = "checkin"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=64)
    days: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    at: str = Field(max_length=5)
    message: str = Field(max_length=3000)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    active: bool = Field(default=True)


class ProcessedEvent(SQLModel, table=True):
    """Slack event ids already taken (retries and duplicate deliveries are dropped). Until its work is
    done an event keeps its body, so another process can redo it if the one that took it died."""

    __tablename__ = "processed_event"
    __table_args__ = (
        sa.Index(
            "ix_processed_event_pending",
            "received_at",
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        ),
    )
    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    body: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    done_at: datetime | None = ts()
    attempts: int = 0


class ArticleDraft(SQLModel, table=True):
    """A knowledge-base article drafted from a resolved ticket, until a knowledge owner publishes or
    discards it (`bot/drafts/`). `group_key` marks a draft offered for a recurring question (once)."""

    __tablename__ = "article_draft"
    id: int | None = Field(default=None, primary_key=True)
    ticket_number: int = Field(foreign_key="ticket.number", index=True)
    title: str = Field(max_length=200)
    body: str = Field(max_length=40000)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    written_by: str = Field(default="extract", max_length=16)  # extract | llm
    status: str = Field(default="draft", max_length=16, index=True)  # draft | published | discarded
    group_key: str | None = Field(default=None, max_length=200, sa_column_kwargs={"unique": True})
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = ts()
    visibility: str | None = Field(default=None, max_length=16)
    path: str | None = Field(default=None, max_length=500)  # relative to KB_SOURCES, once published


class Account(SQLModel, table=True):
    """A customer account: configured under `customers:` or found by itself (an external Slack team);
    its last contact and the state of its health warning (warned once per drop, re-armed on recovery)."""

    key: str = Field(primary_key=True, max_length=80)  # the YAML key, or "team:T…" for a found one
    name: str = Field(max_length=120)
    tier: str = Field(default="standard", max_length=64)
    owner: str | None = Field(default=None, max_length=64, index=True)
    team_id: str | None = Field(default=None, max_length=32, index=True)
    configured: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_contact_at: datetime | None = ts()
    warned: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    warnings: int = 0


class AccountMember(SQLModel, table=True):
    """A customer's person and the account they belong to (learned from their Slack team)."""

    __tablename__ = "account_member"
    user: str = Field(primary_key=True, max_length=64)
    account: str = Field(max_length=80, index=True)
    team_id: str | None = Field(default=None, max_length=32)


class AccountCheckin(SQLModel, table=True):
    """A check-in posted to an account's channel (its silence is a health signal)."""

    __tablename__ = "account_checkin"
    __table_args__ = (sa.Index("ix_account_checkin_account_at", "account", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=80)
    channel: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AccountHealthDay(SQLModel, table=True):
    """An account's health score on a day (the last computed that day): how fast it falls."""

    __tablename__ = "account_health_day"
    account: str = Field(primary_key=True, max_length=80)
    day: date = Field(primary_key=True)
    score: int
