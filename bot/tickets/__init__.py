"""Tickets: the service every surface uses, the queries, the SLA view and the audit replay."""

from bot.tickets.clocks import calendar_for, events_of, report_for
from bot.tickets.conversation import add_note, add_participant, link_messages, rate
from bot.tickets.queries import by_thread, list_tickets, near_or_past_sla, search
from bot.tickets.replay import replay
from bot.tickets.service import (
    AUTO_ACTOR,
    assign,
    auto_assign,
    claim,
    close,
    create,
    escalate,
    get,
    reopen,
    resolve,
    resume,
    set_category,
    set_priority,
    set_team,
    snapshot,
    unassign,
    wait_on_customer,
)

__all__ = [
    "add_note",
    "add_participant",
    "AUTO_ACTOR",
    "assign",
    "auto_assign",
    "by_thread",
    "link_messages",
    "calendar_for",
    "claim",
    "close",
    "create",
    "escalate",
    "events_of",
    "get",
    "list_tickets",
    "near_or_past_sla",
    "rate",
    "reopen",
    "replay",
    "report_for",
    "resolve",
    "resume",
    "search",
    "set_category",
    "set_priority",
    "set_team",
    "snapshot",
    "unassign",
    "wait_on_customer",
]
