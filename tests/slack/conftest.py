"""A running Deskbot for end-to-end tests: the real bolt app over HTTP, its WebClient on the fake Slack
Web API, the real knowledge base (MiniLM + embedded Chroma) over the sample help centre."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.answers import AnswerService
from bot.app import Deps, build_app
from bot.config import SAMPLE_DIR, Settings
from bot.db import Database
from bot.fakes.simulator import SlackSimulator, wait_for
from bot.fakes.slack import FakeSlack
from bot.models import Ticket
from bot.server import make_http_server
from bot.slack_limits import problems_in_message, problems_in_view
from knowledge.base import KnowledgeBase
from knowledge.embedding import LocalEmbedder
from knowledge.store import VectorStore
from tests.hostile import leaks

SECRET = "test-signing-secret"
CUSTOMER, CUSTOMER2 = "U0CUSTOM01", "U0CUSTOM02"
AGENT, AGENT2 = "U0AGENT001", "U0AGENT002"
MANAGER = "U0MANAGER1"
SUPPORT, ENTERPRISE, TRIAGE = "C0SUPPORT1", "C0ENTERPR1", "C0TRIAGE01"
RANDOM = "C0RANDOM01"  # not configured, but the bot was invited (it answers @mentions there)
OUTSIDE = "C0OUTSIDE1"  # a public channel the bot is not in


@pytest.fixture(scope="session")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(
        store=VectorStore(path=tmp_path_factory.mktemp("kb") / "chroma"), embedder=LocalEmbedder()
    )
    assert not kb.ingest([SAMPLE_DIR / "kb"]).failed
    kb.warm_up()
    return kb


@dataclass
class Running:
    fake: FakeSlack
    slack: SlackSimulator
    db: Database
    clock: Any
    url: str
    app: Any = None  # the bolt App (for what a second process would do with it)

    def bot_messages(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.fake.messages.get(channel, []) if m.get("bot_id")]

    def wait_bot(self, channel: str, count: int = 1, *, thread_ts: str | None = None) -> list[dict[str, Any]]:
        def found() -> list[dict[str, Any]] | None:
            msgs = [
                m for m in self.bot_messages(channel) if thread_ts is None or m.get("thread_ts") == thread_ts
            ]
            return msgs if len(msgs) >= count else None

        return wait_for(found, what=f"{count} bot message(s) in {channel}")


def bot_channels(config) -> list[str]:
    """The channels the bot is in: support channels, team triage channels, the managers' channel, #random."""
    triage = [t.triage_channel for t in config.teams.values() if t.triage_channel]
    return [*config.channels, *triage, *filter(None, [config.managers.channel]), RANDOM]


@contextmanager
def serve(
    db: Database,
    config,
    clock,
    kb: KnowledgeBase,
    *,
    kb_sources: Path | None = None,
    users: dict[str, dict[str, Any]] | None = None,
) -> Iterator[Running]:
    """Deskbot serving signed requests over HTTP against the strict fake Slack (checked on the way out)."""
    fake = FakeSlack(channels=bot_channels(config), users=users)
    fake.add_channel(OUTSIDE, bot=False)
    settings = Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.url,
        **({"kb_sources": kb_sources} if kb_sources else {}),
    )
    answers = AnswerService.from_config(kb=kb, config=config, db=db, clock=clock)
    app = build_app(Deps(settings=settings, config=config, db=db, clock=clock, answers=answers))
    server = make_http_server(app, db, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}"
    sim = SlackSimulator(events_url=f"{url}/slack/events", secret=SECRET, fake=fake)
    try:
        yield Running(fake, sim, db, clock, url, app)
    finally:
        server.shutdown()
        server.server_close()
        fake.close()
    assert not fake.unknown_args, f"arguments Slack's specification does not list: {fake.unknown_args}"
    # Every message and view the app sent must have passed Slack's limits, and none may ping a whole
    # channel or carry a disguised link (the text boundary, bot/slack_text.py).
    for call in fake.calls:
        assert not leaks(call.args), (call.method, leaks(call.args))
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            assert not problems_in_message(call.args), (call.method, problems_in_message(call.args))
        if call.method.startswith("views."):
            assert not problems_in_view(call.args["view"]), (call.method, problems_in_view(call.args["view"]))


@pytest.fixture
def running(sqlite_db: Database, config, clock, sample_kb: KnowledgeBase) -> Iterator[Running]:
    with serve(sqlite_db, config, clock, sample_kb) as it:
        yield it


def carded(running: Running, count: int = 1) -> list[Ticket]:
    """Wait until `count` tickets have their triage card posted and linked."""

    def found() -> list[Ticket] | None:
        with running.db.session() as s:
            rows = list(
                s.exec(
                    select(Ticket)
                    .where(col(Ticket.triage_ts).is_not(None), col(Ticket.thread_ts).is_not(None))
                    .order_by(Ticket.number)
                )
            )
        return rows if len(rows) >= count else None

    return wait_for(found, what=f"{count} triage card(s)")
