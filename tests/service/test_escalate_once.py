""" "Talk to a human" pressed many times at once on one question opens exactly one ticket (both databases)."""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from sqlmodel import select

from bot.desk import Desk, DeskContext
from bot.errors import InvalidInput
from bot.fakes.slack import FakeSlack
from bot.models import KbQuery, Ticket

CLICKS = 8


def test_concurrent_escalations_of_one_question_open_one_ticket(db, config, clock) -> None:
    fake = FakeSlack()
    try:
        desk = Desk(
            DeskContext(
                config=config,
                db=db,
                client=WebClient(token="xoxb-test", base_url=fake.url),
                answers=lambda: None,  # type: ignore[arg-type,return-value]
                clock=clock,
            )
        )
        with db.transaction() as s:
            query = KbQuery(
                question="my teammate never got the invite email",
                user="U0CUSTOM01",
                channel="C0SUPPORT1",
                grounded=False,
                confidence=0.54,
                sources=["invite-teammates"],
                created_at=clock(),
            )
            s.add(query)
            s.flush()
            query_id = query.id
        barrier = threading.Barrier(CLICKS)
        opened: list[int] = []
        refused: list[str] = []

        def click() -> None:
            barrier.wait()
            try:
                ticket = desk.answering.escalate(
                    query_id=query_id,
                    user="U0CUSTOM01",
                    channel="C0SUPPORT1",
                    message_ts="1.0",
                    thread_ts="1.0",
                )
                opened.append(ticket.number)
            except InvalidInput as exc:
                refused.append(str(exc))

        threads = [threading.Thread(target=click) for _ in range(CLICKS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        with db.session() as s:
            numbers = [t.number for t in s.exec(select(Ticket))]
            linked = s.get(KbQuery, query_id)
        assert len(opened) == 1 and numbers == opened, (opened, numbers)
        assert linked is not None and linked.ticket_number == opened[0]
        assert len(refused) == CLICKS - 1
        assert all(r == f"This question already has ticket #{opened[0]}." for r in refused)
        with db.session() as s:
            description = s.exec(select(Ticket)).one().description
        assert "The bot offered as possibly related: invite-teammates (confidence 0.54)" in description
    finally:
        fake.close()
