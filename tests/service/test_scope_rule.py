"""One scope rule everywhere: for every kind of user and generated tickets (teams, assignees, requesters),
the SQL condition lists and search use (`access.visible_clause`) selects exactly the tickets the
per-ticket rule (`access.may_see`) lets them see, and `/ticket search` and `/ticket show` agree with it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot import access, slash, tickets
from bot.errors import NotFound
from bot.models import Ticket, TicketCreate

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PEOPLE = ["U0AGENT001", "U0AGENT004", "U0ENGINE01", "U0MANAGER1", "U0ADMIN001", "U0CUSTOM01", "U0CUSTOM02"]
TEAMS = ["support", "billing", "technical", "engineering"]
AGENTS = ["U0AGENT001", "U0AGENT004", "U0AGENT006", None]

ticket_specs = st.lists(
    st.tuples(
        st.sampled_from(TEAMS),
        st.sampled_from(AGENTS),
        st.sampled_from(["U0CUSTOM01", "U0CUSTOM02", "U0AGENT004"]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ticket_specs)
def test_lists_search_and_show_apply_the_one_scope_rule(db, config, specs) -> None:  # noqa: ANN001
    tag = f"scope{uuid.uuid4().hex[:10]}"  # this example's tickets (earlier examples' stay in the database)
    with db.transaction() as s:
        for i, (team, assignee, requester) in enumerate(specs):
            data = TicketCreate(title=f"{tag} {i}", requester=requester, team=team)
            t = tickets.create(s, data=data, actor=requester, config=config, now=NOW - timedelta(minutes=i))
            if assignee:
                t.assignee = assignee  # placed directly: the rule, not the assign verb, is under test
                s.add(t)
    with db.session() as s:
        mine = select(Ticket).where(col(Ticket.title).startswith(tag))
        every = list(s.exec(mine))
        for user in PEOPLE:
            allowed = {t.number for t in every if access.may_see(config, t, user)}
            clause = access.visible_clause(config, user)
            query = mine if clause is None else mine.where(clause)
            assert {t.number for t in s.exec(query)} == allowed, user
            found = slash.execute(slash.parse(f"search {tag}"), user=user, db=db, config=config, now=NOW)
            assert {int(n) for n in re.findall(r"^• #(\d+) ", found, flags=re.M)} == allowed, user
            for t in every:
                try:
                    slash.execute(slash.parse(f"show {t.number}"), user=user, db=db, config=config, now=NOW)
                    shown = True
                except NotFound:
                    shown = False
                assert shown == (t.number in allowed), (user, t.team, t.assignee, t.requester)
