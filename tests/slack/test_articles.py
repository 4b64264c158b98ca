"""Closing the loop end to end: a question the knowledge base cannot answer becomes a ticket, the agent
answers in the card thread, resolves, drafts an article; the knowledge owner publishes it, and the
same question asked again is answered from it (real model, real Chroma, the bolt app, the fake Slack)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import SAMPLE_DIR
from bot.db import Database
from bot.fakes.simulator import wait_for
from bot.models import ArticleDraft, TicketEvent
from knowledge import frontmatter
from knowledge.base import KnowledgeBase
from knowledge.embedding import LocalEmbedder
from knowledge.store import VectorStore
from tests.slack.conftest import AGENT, CUSTOMER, CUSTOMER2, MANAGER, SUPPORT, TRIAGE, Running, carded, serve

QUESTION = "How do I switch the dashboard to dark mode?"
ANSWER = "Open Settings → Appearance and choose the Dark theme; it applies to every dashboard at once."
SECRET = "internal: this customer is on the churn watch list"
EMAIL = "anna.berg@customer.example"


@pytest.fixture
def desk(sqlite_db: Database, config, clock, tmp_path: Path) -> Iterator[tuple[Running, Path]]:
    sources = tmp_path / "kb"
    shutil.copytree(SAMPLE_DIR / "kb", sources)
    kb = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=LocalEmbedder())
    assert not kb.ingest([sources], root=sources, rules=config.knowledge.visibility.rules()).failed
    users = {CUSTOMER: {"name": "anna.berg", "real_name": "Anna Berg", "profile": {"display_name": "Anna"}}}
    with serve(sqlite_db, config, clock, kb, kb_sources=sources, users=users) as running:
        yield running, sources


def _latest(running: Running, channel: str, word: str) -> dict:
    return wait_for(
        lambda: [m for m in running.bot_messages(channel) if word in str(m.get("blocks"))][-1:] or None,
        what=f"a message with {word!r} in {channel}",
    )[0]


def _card(running: Running, number: int) -> dict:
    [ticket] = [t for t in carded(running) if t.number == number]
    return next(m for m in running.fake.messages[ticket.triage_channel] if m["ts"] == ticket.triage_ts)


def test_a_resolved_ticket_becomes_the_article_that_answers_the_next_asker(
    desk: tuple[Running, Path],
) -> None:
    running, sources = desk
    question, _ = running.slack.say(SUPPORT, CUSTOMER, QUESTION)
    [reply] = running.wait_bot(SUPPORT, thread_ts=question["ts"])
    assert "couldn't find an answer" in reply["text"]
    running.slack.click(reply, "kb_escalate", user=CUSTOMER)
    [ticket] = carded(running)
    running.slack.click(_card(running, ticket.number), "ticket_claim", user=AGENT)
    running.slack.say(SUPPORT, CUSTOMER, f"Thanks! Reach me at {EMAIL}", thread_ts=ticket.thread_ts)
    running.slack.say(TRIAGE, AGENT, f"!note {SECRET}", thread_ts=ticket.triage_ts)
    running.slack.say(TRIAGE, AGENT, f"Hi Anna,\n{ANSWER}\nBest, Sam", thread_ts=ticket.triage_ts)
    _latest(running, SUPPORT, "Appearance")  # relayed to the requester
    running.slack.click(_card(running, ticket.number), "ticket_resolve", user=AGENT)
    wait_for(
        lambda: "Draft an article" in str(_card(running, ticket.number)["blocks"]), what="the card's offer"
    )

    # A requester cannot draft; the agent can, and the knowledge owner gets the preview in a DM.
    running.slack.click(_card(running, ticket.number), "ticket_article", user=CUSTOMER)
    wait_for(
        lambda: [c for c in running.fake.calls if "Only support agents can draft" in str(c.args.get("text"))],
        what="the requester's refusal",
    )
    running.slack.click(_card(running, ticket.number), "ticket_article", user=AGENT)
    dm = "D" + MANAGER[1:]
    preview = _latest(running, dm, "Publish as public")
    shown = str(preview)
    assert "Appearance" in shown and SECRET not in shown and EMAIL not in shown and "Anna" not in shown
    with running.db.session() as s:
        assert [d.created_by for d in s.exec(select(ArticleDraft))] == [AGENT]

    # The owner publishes it as public: a Markdown file in the drafts folder, indexed at once.
    running.slack.click(preview, "article_publish_public", user=MANAGER)
    done = _latest(running, dm, "Published as")
    assert "from-tickets/" in str(done) and "article_publish_public" not in str(done)
    [article] = list((sources / "from-tickets").glob("*.md"))
    meta, body = frontmatter.split(article.read_text())
    assert (meta.title, meta.visibility, meta.source) == (QUESTION, "public", f"ticket #{ticket.number}")
    assert ANSWER in body and SECRET not in body and EMAIL not in body and "Anna" not in body

    # The next person asking the same question gets the answer from the new article.
    again, _ = running.slack.say(SUPPORT, CUSTOMER2, QUESTION)
    [answer] = running.wait_bot(SUPPORT, thread_ts=again["ts"])
    assert "couldn't find an answer" not in answer["text"]
    assert "Appearance" in str(answer["blocks"]) and QUESTION in str(answer["blocks"])
    with running.db.session() as s:
        trail = [
            e.action for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_number == ticket.number))
        ]
    assert trail[-2:] == ["article_draft", "article_publish"]
