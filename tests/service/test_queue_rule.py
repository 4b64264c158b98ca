"""Home and `/ticket queue` show the same queue to every kind of user: a team's agent, an agent listed
only in `roles`, a manager, an admin; a requester sees no queue on either (a property test over
generated tickets)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import slash, tickets
from bot.desk import DeskContext
from bot.desk.home import Home
from bot.errors import PermissionDenied
from bot.models import TicketCreate

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PEOPLE = {
    "agent of support": "U0AGENT001",
    "agent of billing": "U0AGENT004",
    "manager": "U0MANAGER1",
    "admin": "U0ADMIN001",
    "requester": "U0CUSTOM01",
}


def _home_queue(home: Home, user: str) -> set[int]:
    view = home.view_for(user=user)
    at = next(
        (i for i, b in enumerate(view["blocks"]) if b.get("text", {}).get("text") == "Unassigned queue"), None
    )
    if at is None:
        return set()
    rows = [b for b in view["blocks"][at + 1 :] if b.get("type") == "section"]
    return {int(m.group(1)) for b in rows if (m := re.match(r"\*#(\d+)\*", b["text"]["text"]))}


def _slash_queue(db, config, user: str) -> set[int] | None:  # noqa: ANN001
    try:
        reply = slash.execute(slash.parse("queue"), user=user, db=db, config=config, now=NOW)
    except PermissionDenied:
        return None
    return {int(n) for n in re.findall(r"^• #(\d+) ", reply, flags=re.M)}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["support", "billing", "technical", "engineering"]), min_size=1, max_size=8))
def test_home_and_ticket_queue_agree_for_every_kind_of_user(db, config, teams: list[str]) -> None:
    with db.transaction() as s:
        for i, team in enumerate(teams):
            data = TicketCreate(title=f"t{i}", requester="U0CUSTOM01", team=team)
            tickets.create(s, data=data, actor="U0CUSTOM01", config=config, now=NOW - timedelta(minutes=i))
    home = Home(DeskContext(config=config, db=db, client=None, answers=lambda: None, clock=lambda: NOW))  # type: ignore[arg-type,return-value]
    for kind, user in PEOPLE.items():
        listed = _slash_queue(db, config, user)
        shown = _home_queue(home, user)
        if kind == "requester":
            assert listed is None and shown == set(), kind
        else:
            assert listed == shown, (kind, listed, shown)
    with db.transaction() as s:  # the next example starts from an empty desk
        from sqlmodel import delete

        from bot.models import Notification, Ticket, TicketEvent

        for model in (Notification, TicketEvent, Ticket):
            s.exec(delete(model))
