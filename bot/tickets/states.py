"""The ticket state machine: which actions are allowed from which statuses, and where they lead."""

from __future__ import annotations

from bot.errors import InvalidTransition
from bot.models import ACTIVE_STATUSES, Status

ACTIVE = frozenset(ACTIVE_STATUSES)
ANY = frozenset(Status)

# action -> statuses it is allowed from
ALLOWED: dict[str, frozenset[Status]] = {
    "claim": ACTIVE,
    "assign": ACTIVE,
    "auto_assign": frozenset({Status.NEW, Status.REOPENED}),
    "unassign": ACTIVE,
    "set_priority": ACTIVE,
    "set_category": ACTIVE,
    "set_team": ACTIVE,
    "escalate": ACTIVE,
    "wait_on_customer": frozenset({Status.NEW, Status.OPEN, Status.REOPENED}),
    "resume": frozenset({Status.WAITING}),
    "resolve": ACTIVE,
    "close": frozenset({Status.RESOLVED}),
    "reopen": frozenset({Status.RESOLVED}),
    "note": ANY,
    "reply": ACTIVE | {Status.RESOLVED},
    "rate": frozenset({Status.RESOLVED, Status.CLOSED}),
    "merge": ACTIVE,
    "merge_in": ACTIVE | {Status.RESOLVED},
}

_HINTS = {
    Status.CLOSED: "Closed tickets are final; open a new ticket and mention #{n}.",
    Status.RESOLVED: "Reopen it first (`/ticket reopen {n}`).",
}

_VERBS = {
    "claim": "claimed",
    "assign": "assigned",
    "auto_assign": "auto-assigned (someone already acknowledged it)",
    "unassign": "unassigned",
    "set_priority": "re-prioritised",
    "set_category": "re-categorised",
    "set_team": "moved to another team",
    "escalate": "escalated",
    "wait_on_customer": "put on hold for the customer",
    "resume": "resumed (it is not waiting on the customer)",
    "resolve": "resolved",
    "close": "closed (only resolved tickets can be closed)",
    "reopen": "reopened (only resolved tickets can be reopened)",
    "reply": "replied to",
    "rate": "rated before it is resolved",
    "merge": "merged into another (only open tickets can be)",
    "merge_in": "the one others are merged into (merge into an open or resolved ticket)",
}


def check(action: str, status: Status, number: int) -> None:
    """Raise InvalidTransition with a clear reason when `action` is not allowed from `status`."""
    if status in ALLOWED[action]:
        return
    hint = _HINTS.get(status, "")
    if action == "rate":
        hint = "Customers rate a ticket once it is resolved."
    raise InvalidTransition(
        f"Ticket #{number} is {status.value.replace('_', ' ')}, so it can't be {_VERBS[action]}. "
        + hint.format(n=number)
    )
