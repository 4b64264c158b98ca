"""Who may see and do what: the one access policy every surface asks (slash commands, buttons, thread
relay, App Home, jobs). Requesters see and touch their own tickets only, and in a ticket's requester
thread only the requester and the people they added act as the requester; support staff (agents,
managers, admins, and operators at the CLI) work tickets; tickets are assigned to agents only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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


def may_see(config: SupportConfig, ticket: Ticket, user: str, added: set[str] = frozenset()) -> bool:  # type: ignore[assignment]
    """Staff see every ticket; a requester their own and those they were added to."""
    return is_staff(config, user) or speaks_for_requester(ticket, user, added)


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
