"""Claim race: 50 agents in 2 processes press Claim on the same ticket, 200 rounds, on both databases."""

from __future__ import annotations

import multiprocessing as mp
from collections import defaultdict

import pytest

from bot import tickets
from bot.models import TicketCreate
from tests import race_worker

ROUNDS, PROCESSES, THREADS = 200, 2, 25


@pytest.mark.slow
def test_exactly_one_winner_and_every_loser_told_who(db, config, clock) -> None:
    with db.transaction() as s:
        numbers = [
            tickets.create(
                s,
                data=TicketCreate(title=f"race {i}", requester="U0REQ"),
                actor="U0REQ",
                config=config,
                now=clock(),
            ).number
            for i in range(ROUNDS)
        ]
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(
            target=race_worker.run,
            args=(
                str(db.engine.url.render_as_string(hide_password=False)),
                numbers,
                p,
                THREADS,
                barrier,
                results,
            ),
        )
        for p in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    outcomes = [row for _ in procs for row in results.get(timeout=600)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    by_ticket: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for number, agent, owner, won in outcomes:
        by_ticket[number].append((agent, owner, won))
    assert len(by_ticket) == ROUNDS
    with db.session() as s:
        for number, rows in by_ticket.items():
            assert len(rows) == PROCESSES * THREADS
            winners = [agent for agent, _, won in rows if won]
            assert len(winners) == 1, f"ticket #{number} had winners {winners}"
            assert {owner for _, owner, _ in rows} == {winners[0]}, "every loser is told the winner"
            assert tickets.get(s, number=number).assignee == winners[0]
            assert [e.action for e in tickets.events_of(s, number)] == ["create", "claim"]
