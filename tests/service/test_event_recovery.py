"""Recovery's bookkeeping on both databases: each abandoned event is claimed by one process only, a
live process's leases keep its events, and an event that keeps failing is given up."""

from __future__ import annotations

import contextvars
import threading
from datetime import timedelta

from sqlmodel import select

from bot import recovery
from bot.models import ProcessedEvent

AFTER = timedelta(seconds=60)


def _taken(db, event_id: str, at) -> None:  # noqa: ANN001
    with db.transaction() as s:
        s.add(ProcessedEvent(event_id=event_id, received_at=at, body={"event_id": event_id}))


def test_each_abandoned_event_is_claimed_by_one_process(db, clock) -> None:
    now = clock()
    for i in range(12):
        _taken(db, f"Ev{i:02d}", now - timedelta(minutes=5))
    barrier = threading.Barrier(4)
    claimed: list[str] = []
    lock = threading.Lock()

    def process() -> None:
        barrier.wait()
        for _ in range(3):
            got = recovery.claim_stale(db, now=now, after=AFTER, limit=5)
            with lock:
                claimed.extend(b["event_id"] for b in got)

    threads = [threading.Thread(target=process) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(claimed) == [f"Ev{i:02d}" for i in range(12)]  # every one, none twice
    assert recovery.claim_stale(db, now=now + timedelta(seconds=30), after=AFTER) == []  # leased


def test_a_live_process_keeps_its_events_and_a_hopeless_one_is_given_up(db, clock) -> None:
    now = clock()
    _taken(db, "EvSlow", now - timedelta(minutes=5))
    leases = recovery.Leases(db, clock)
    context = contextvars.copy_context()
    context.run(recovery.CURRENT_EVENT.set, "EvSlow")
    leases.taken(context)  # this process is still working on it (a slow Slack call)
    leases.renew(now)
    assert recovery.claim_stale(db, now=now, after=AFTER) == []
    leases.finished(context)
    with db.session() as s:
        done = s.get(ProcessedEvent, "EvSlow")
    assert done is not None and done.done_at == now and done.body is None

    _taken(db, "EvBroken", now - timedelta(minutes=5))
    later = now
    for _ in range(recovery.MAX_ATTEMPTS):
        later += timedelta(minutes=2)
        assert [b["event_id"] for b in recovery.claim_stale(db, now=later, after=AFTER)] == ["EvBroken"]
    later += timedelta(minutes=2)
    assert recovery.claim_stale(db, now=later, after=AFTER) == []  # given up, logged
    with db.session() as s:
        pending = s.exec(select(ProcessedEvent).where(ProcessedEvent.done_at == None)).all()  # noqa: E711
    assert pending == []
