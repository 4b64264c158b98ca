"""Who may see and do what: the one access policy every surface asks (slash commands, buttons, thread
relay, App Home, jobs). Requesters see and touch their own tickets only, and in a ticket's requester
thread only the requester and the people they added act as the requester; agents see and work their
teams' tickets (and those assigned to them; an agent in no team works every team's); managers, admins
and operators at the CLI see and work all; tickets are assigned to agents only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, false, or_
from sqlmodel import col

from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.models import Ticket, TicketEvent
from bot.support import SupportConfig

Role = Literal["admin", "manager", "agent", "requester"]
OPERATOR_PREFIXES = ("cli:", "deskbot")  # the CLI's operator and Deskbot's own automation
PARTICIPANT_ADDED = "participant_added"


@dataclass(frozen=True)
class Viewer:
    """A person (or operator) asking for something, with the role the configuration gives them."""

    user: str
    role: Role

    @property
    def staff(self) -> bool:
        return self.role != "requester"


def viewer(config: SupportConfig, user: str) -> Viewer:
    """The viewer for a Slack user id or an operator actor ("cli:…")."""
    if user.startswith(OPERATOR_PREFIXES):
        return Viewer(user, "admin")
    return Viewer(user, config.role_of(user))


def is_staff(config: SupportConfig, user: str) -> bool:
    return viewer(config, user).staff


def require_staff(config: SupportConfig, user: str, *, doing: str = "work tickets") -> None:
    """Refuse a requester what only support staff may do."""
    if not is_staff(config, user):
        raise PermissionDenied(f"Only support agents can {doing}. Ask in your support channel instead.")


def participants(events: Iterable[TicketEvent]) -> set[str]:
    """The people the requester (or an agent) added to a ticket, from its audit trail."""
    return {str(e.after.get("participant")) for e in events if e.action == PARTICIPANT_ADDED}


def speaks_for_requester(ticket: Ticket, user: str, added: set[str]) -> bool:
    """Whether `user` acts as the requester of `ticket` (the requester, or someone they added)."""
    return user == ticket.requester or user in added


def in_scope(config: SupportConfig, ticket: Ticket, user: str) -> bool:
    """Whether a staff member works this ticket: managers and admins all, agents their teams' and their own."""
    who = viewer(config, user)
    if who.role in ("admin", "manager"):
        return True
    teams = config.teams_of(user)
    return who.role == "agent" and (not teams or ticket.team in teams or ticket.assignee == user)


def may_see(config: SupportConfig, ticket: Ticket, user: str, added: set[str] = frozenset()) -> bool:  # type: ignore[assignment]
    """Staff see the tickets in their scope; a requester their own and those they were added to."""
    return in_scope(config, ticket, user) or speaks_for_requester(ticket, user, added)


def require_work(config: SupportConfig, ticket: Ticket, user: str, added: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Refuse a change to a ticket outside the user's scope: unseen, it does not exist; seen (their own
    request), only the team working it may change it."""
    require_staff(config, user)
    require_see(config, ticket, user, added)
    if not in_scope(config, ticket, user):
        raise PermissionDenied(f"Ticket #{ticket.number} is team {ticket.team}'s; ask them in their channel.")


def may_review(config: SupportConfig, ticket: Ticket, user: str, *, via: str | None = None) -> bool:
    """Whether a staff member decides on an article drafted from `ticket` (publish, edit, discard): the
    knowledge owners (`knowledge.reviewers`, and whoever presses in the review channel the preview went
    to, `via`) and the staff who work the ticket."""
    knowledge = config.knowledge
    owner = user in knowledge.reviewers or bool(via and via == knowledge.review_channel)
    return owner or in_scope(config, ticket, user)


def visible_clause(config: SupportConfig, user: str) -> ColumnElement[bool] | None:
    """The same rule as `may_see` for ticket lists and search, as a SQL condition (None: everything).
    A requester's lists hold the tickets they requested."""
    who = viewer(config, user)
    if who.role in ("admin", "manager"):
        return None
    teams = config.teams_of(user)
    if who.role == "agent" and not teams:
        return None
    mine = col(Ticket.requester) == user
    if who.role != "agent":
        return mine
    return or_(col(Ticket.team).in_(teams) if teams else false(), col(Ticket.assignee) == user, mine)


def require_see(config: SupportConfig, ticket: Ticket, user: str, added: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """A ticket the user may not see is answered exactly like one that does not exist."""
    if not may_see(config, ticket, user, added):
        raise NotFound(f"There is no ticket #{ticket.number} of yours. `/ticket mine` lists your requests.")


def queue_teams(config: SupportConfig, user: str) -> list[str]:
    """The teams whose queue a staff member sees: their own teams, or every team for staff in none
    (managers, admins, agents listed only in `roles`). The one rule for Home and `/ticket queue`."""
    return config.teams_of(user) or list(config.teams)


def require_assignable(config: SupportConfig, assignee: str) -> None:
    """Tickets go to agents (or managers and admins), never to a requester."""
    if not assignee.startswith(("U", "W")) or config.role_of(assignee) == "requester":
        raise InvalidInput(
            f"<@{assignee}> is not a support agent, so they can't be assigned tickets. "
            "Pick someone from a team (see `teams:` or `roles.agents` in the support configuration)."
        )
