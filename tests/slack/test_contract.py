"""Slack's rules: the manifest matches the handlers, payloads stay within limits, the parser survives
anything, acks are fast even when answering is slow, and 429s are retried."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import blocks, slash
from bot.app import Deps, build_app
from bot.config import Settings
from bot.errors import BotError
from bot.fakes.simulator import SlackSimulator, wait_for
from bot.fakes.slack import FakeSlack
from bot.models import Level, Status, Ticket
from bot.server import make_http_server
from bot.slack_limits import problems_in_message, problems_in_view
from bot.support import Priority
from knowledge.gaps import Gap
from knowledge.results import Answer, Source
from tests.slack.conftest import CUSTOMER, SECRET, SUPPORT, Running

MANIFEST = Path(__file__).resolve().parents[2] / "bot" / "slack_manifest.yaml"


def test_manifest_declares_exactly_what_the_app_handles() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    source = "\n".join(p.read_text() for p in (MANIFEST.parents[1] / "handlers").glob("*.py"))
    handled = {
        kind: set(re.findall(rf'@app\.{kind}\("([^"]+)"\)', source))
        for kind in ("command", "event", "shortcut")
    }
    assert {c["command"] for c in manifest["features"]["slash_commands"]} == handled["command"]
    assert {s["callback_id"] for s in manifest["features"]["shortcuts"]} == handled["shortcut"]
    subscribed = {e.split(".")[0] for e in manifest["settings"]["event_subscriptions"]["bot_events"]}
    assert subscribed == handled["event"]
    scopes = {s.split()[0] for s in manifest["oauth_config"]["scopes"]["bot"]}
    needed = {
        "chat:write",
        "commands",
        "reactions:write",
        "reactions:read",
        "im:history",
        "app_mentions:read",
    }
    assert needed <= scopes


def _ticket(**kw) -> Ticket:
    base = dict(
        number=7,
        title="t",
        requester="U1",
        team="support",
        level=Level.L1,
        status=Status.OPEN,
        priority=Priority.HIGH,
        created_at=None,
        updated_at=None,
    )
    return Ticket(**(base | kw))


def test_builders_stay_within_limits_on_huge_content(config) -> None:
    huge = "lorem ipsum " * 5000
    answer = Answer(huge, [Source("d", huge, "https://x/" + "y" * 3000, 0.9)] * 3, 0.9, True)
    for payload in (
        blocks.answer_message(answer, query_id=1),
        blocks.abstain_message(query_id=1, related=answer.sources),
        blocks.abstain_message(query_id=1, opened=7, related=answer.sources),
        blocks.ticket_card(_ticket(title=huge[:200], description=huge, priority_reason=huge[:300]), None),
        blocks.ticket_ack(_ticket(title=huge[:200]), None),
        blocks.relay("U1", huge, from_agent=True),
        blocks.csat_prompt(_ticket()),
    ):
        assert not problems_in_message(payload), problems_in_message(payload)
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in payload["blocks"])
        lines = [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]
        assert all(line.count("<") == line.count(">") for line in lines), "a link was cut in half"
    modal = blocks.new_ticket_modal(
        categories=[(f"c{i}", huge[:500]) for i in range(300)],
        title=huge,
        description=huge,
        metadata={"permalink": huge},
    )
    assert not problems_in_view(modal)
    many = [(_ticket(number=i, title=huge[:200]), None) for i in range(200)]
    home = blocks.home_view(
        role="manager",
        mine=many,
        queue=many,
        today={f"k{i}": huge[:50] for i in range(20)},
        unanswered=[Gap(wording=huge, asked=10**6, tickets=0, offered=None)] * 5,
        now=__import__("datetime").datetime(2026, 1, 1),
    )
    assert not problems_in_view(home)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda a, b: f"{a} <!here> <@U123|bob> *bold* `x` {b}", st.text(max_size=40), st.text(max_size=40)
        ),
        st.sampled_from(
            [
                "<!channel>",
                "<!everyone>",
                "claim <!here>",
                "assign 3 <!here>",
                "x" * 100_000,
                "search <!here>",
            ]
        ),
    ),
    st.sampled_from(["", "claim ", "show ", "assign 1 ", "search ", "priority 1 ", "new ", "note 1 "]),
)
def test_slash_parser_fuzz(sqlite_db, config, text: str, prefix: str) -> None:
    try:
        command = slash.parse(prefix + text)
    except BotError as exc:
        assert (
            "<!here>" not in exc.message
            and "<!channel>" not in exc.message
            and "<!everyone>" not in exc.message
        )
        return
    if command.verb in ("new",) or (command.verb in slash.AGENT_ONLY):
        return  # these change state; covered end to end elsewhere
    try:
        reply = slash.execute(
            command,
            user="U0AGENT001",
            db=sqlite_db,
            config=config,
            now=__import__("datetime").datetime.now(__import__("datetime").UTC),
        )
    except BotError as exc:
        reply = exc.message
    for broadcast in ("<!here>", "<!channel>", "<!everyone>"):
        assert broadcast not in reply


class SlowKb:
    """An answer service that takes 5 s, like an LLM on a bad day."""

    def __init__(self, real) -> None:
        self.real = real
        self.kb = real.kb

    def answer(self, question, **kw):
        time.sleep(5)
        return self.real.answer(question, **kw)


def test_acks_are_fast_even_when_answering_is_slow(
    running: Running, sqlite_db, config, clock, sample_kb
) -> None:
    from bot.answers import AnswerService

    fake = FakeSlack()
    settings_ = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.url)
    slow = SlowKb(AnswerService(kb=sample_kb, db=sqlite_db, clock=clock))
    app = build_app(Deps(settings=settings_, config=config, db=sqlite_db, clock=clock, answers=slow))  # type: ignore[arg-type]
    server = make_http_server(app, sqlite_db, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sim = SlackSimulator(
        events_url=f"http://127.0.0.1:{server.server_address[1]}/slack/events", secret=SECRET, fake=fake
    )
    try:
        message, delivery = sim.say(SUPPORT, CUSTOMER, "How do I reset my password?")
        assert delivery.status == 200 and delivery.seconds < 1.0, delivery
        assert not [m for m in fake.messages.get(SUPPORT, []) if m.get("bot_id")], (
            "the answer comes after the ack"
        )
        wait_for(lambda: [m for m in fake.messages.get(SUPPORT, []) if m.get("bot_id")], timeout=15)
    finally:
        server.shutdown()
        server.server_close()
        fake.close()


def test_rate_limited_slack_is_retried_after_retry_after(running: Running) -> None:
    running.fake.fail_next("chat.postMessage", times=2, status=429, retry_after=1)
    started = time.monotonic()
    message, _ = running.slack.say(SUPPORT, CUSTOMER, "How do I reset my password?")
    [answer] = running.wait_bot(SUPPORT, thread_ts=message["ts"])
    assert time.monotonic() - started >= 2.0, "waited Retry-After twice"
    assert len(running.fake.calls_to("chat.postMessage")) == 3 and "Forgot password" in answer["text"]


class DownKb:
    """A knowledge base whose vector store cannot be reached."""

    embedder = None

    def answer(self, question, audience):  # noqa: ANN001, ANN201
        raise ConnectionError("Chroma server at 127.0.0.1:8000 refused the connection")


def _serve(sqlite_db, config, clock, answers=None):  # noqa: ANN001, ANN202
    fake = FakeSlack()
    settings_ = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.url)
    app = build_app(Deps(settings=settings_, config=config, db=sqlite_db, clock=clock, answers=answers))
    server = make_http_server(app, sqlite_db, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    return fake, server, SlackSimulator(events_url=url, secret=SECRET, fake=fake)


def test_a_knowledge_base_outage_is_said_plainly_with_a_ticket_offer(sqlite_db, config, clock) -> None:
    from bot.answers import AnswerService

    fake, server, sim = _serve(
        sqlite_db, config, clock, AnswerService(kb=DownKb(), db=sqlite_db, clock=clock)
    )  # type: ignore[arg-type]
    try:
        message, _ = sim.say(SUPPORT, CUSTOMER, "How do I reset my password?")
        [reply] = wait_for(lambda: [m for m in fake.thread(SUPPORT, message["ts"]) if m.get("bot_id")])
        assert "can't search our help centre right now" in reply["text"]
        assert "kb_escalate" in str(reply["blocks"])  # a person can still help
    finally:
        server.shutdown()
        server.server_close()
        fake.close()


def test_an_event_that_fails_before_its_ack_is_refused_so_slack_retries(sqlite_db, config, clock) -> None:
    from sqlalchemy import text

    fake, server, sim = _serve(sqlite_db, config, clock)
    try:
        with sqlite_db.engine.begin() as conn:  # the database cannot record the event
            conn.execute(text("ALTER TABLE processed_event RENAME TO processed_event_away"))
        event = {"type": "message", "channel": SUPPORT, "channel_type": "channel", "user": CUSTOMER}
        event |= {"text": "How do I reset my password?", "ts": "1800000000.000100"}
        fake.add_message(SUPPORT, CUSTOMER, event["text"])
        assert sim.event(event, event_id="EvOutage1").status == 500
        with sqlite_db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE processed_event_away RENAME TO processed_event"))
        assert sim.event(event, event_id="EvOutage1", retry=1).status == 200  # Slack's retry is handled
        wait_for(
            lambda: [c for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == event["ts"]]
        )
    finally:
        server.shutdown()
        server.server_close()
        fake.close()
