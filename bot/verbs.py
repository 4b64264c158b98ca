"""The one table of ticket verbs: the service function each runs, who may use it, its label, help, and
whether it is a card button and a `!command` in the card thread. `/ticket`, the card's buttons, the
thread commands, the CLI and the help texts all derive from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI builds its commands from this table: keep its import light
    from sqlmodel import Session

    from bot.support import SupportConfig


@dataclass(frozen=True)
class Verb:
    name: str
    service: str  # the ticket service function it runs (exported by bot.tickets)
    help: str  # one line, for /ticket help and the CLI
    label: str = ""  # the card button's label ("" when the card has none)
    thread: bool = False  # `!name` in the card thread runs it
    extra: str = ""  # what follows the number in /ticket ("@agent", "urgent|high|normal|low")
    cli: str = ""  # the `deskbot ticket` command, when its name differs
    actor_as: str = "actor"  # the service's name for who does it
    module: str = "bot.tickets"  # where `service` lives
    changes: bool = True  # False: the ticket is left as it is (its own desk part runs it, e.g. drafts)

    @property
    def command(self) -> str:
        return self.cli or self.name

    @property
    def action_id(self) -> str:
        return f"ticket_{self.name}"


VERBS: dict[str, Verb] = {
    v.name: v
    for v in (
        Verb("claim", "claim", "take a ticket", "Claim", True, actor_as="agent"),
        Verb("unassign", "unassign", "put it back in the team's queue", "", True),
        Verb("escalate", "escalate", "raise its level (and move it to that level's team)", "Escalate", True),
        Verb(
            "wait",
            "wait_on_customer",
            "wait on the customer (the clock pauses)",
            "Wait on customer",
            True,
            cli="wait-on-customer",
        ),
        Verb("resume", "resume", "the customer replied: the clock runs again", "Customer replied", True),
        Verb("resolve", "resolve", "resolve it (the requester is asked for a rating)", "Resolve", True),
        Verb("close", "close", "close a resolved ticket", "Close", True),
        Verb("reopen", "reopen", "reopen a resolved ticket", "Reopen", True),
        Verb("assign", "assign", "give it to an agent", extra="@agent"),
        Verb("priority", "set_priority", "set its priority", extra="urgent|high|normal|low"),
        Verb(
            "article",
            "draft_from_ticket",
            "draft a knowledge-base article from a resolved ticket (the knowledge owners review it)",
            "Draft an article",
            module="bot.drafts.service",
            changes=False,
        ),
    )
}
THREAD_VERBS = [v.name for v in VERBS.values() if v.thread]
CHANGE_VERBS = [v.name for v in VERBS.values() if v.changes]


def run(
    name: str,
    session: Session,
    *,
    number: int,
    actor: str,
    config: SupportConfig,
    now: datetime,
    **extra: Any,
) -> Any:
    """Run verb `name` on ticket `number` for `actor` (staff: the caller has checked); a ticket
    change returns the ticket, `article` the draft."""
    from importlib import import_module

    verb = VERBS[name]
    act = getattr(import_module(verb.module), verb.service)
    return act(session, number=number, config=config, now=now, **{verb.actor_as: actor}, **extra)


def thread_help() -> str:
    """What the card thread understands."""
    names = ", ".join(f"`!{n}`" for n in THREAD_VERBS)
    return (
        f"In a ticket card's thread, {names} act on the ticket; `!note text` adds an internal note. "
        "Anything else you write there goes to the requester."
    )


def slash_help() -> str:
    """The verbs' lines of `/ticket help`."""
    return "\n".join(f"• `{v.name} N{' ' + v.extra if v.extra else ''}` — {v.help}" for v in VERBS.values())
