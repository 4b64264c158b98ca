"""A claim-race worker process: for each ticket, `threads` agents press Claim at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bot import tickets
from bot.config import SAMPLE_DIR
from bot.db import Database
from bot.errors import AlreadyClaimed
from bot.support import load_support_config


def run(url: str, numbers: list[int], proc: int, threads: int, barrier, results) -> None:  # type: ignore[no-untyped-def]
    """Claim every ticket from `threads` threads at once; report (number, agent, winner-or-owner)."""
    db = Database(url)
    config = load_support_config(SAMPLE_DIR / "support.yaml")
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    out: list[tuple[int, str, str, bool]] = []
    lock = threading.Lock()
    for number in numbers:
        barrier.wait()  # both processes start each round together
        start = threading.Barrier(threads)

        def claim(agent: str, number: int = number, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                with db.transaction() as s:
                    ticket = tickets.claim(s, number=number, agent=agent, config=config, now=now)
                    owner, won = ticket.assignee or "", ticket.assignee == agent
            except AlreadyClaimed as exc:
                owner, won = exc.owner, False
            with lock:
                out.append((number, agent, owner, won))

        workers = [threading.Thread(target=claim, args=(f"U{proc}X{i:02d}",)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    results.put(out)
    db.dispose()
