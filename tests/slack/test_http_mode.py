"""`/ticket` through real signed HTTP requests into the bolt app (HTTP mode), WebClient on the fake Slack."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot import tickets
from bot.app import Deps, build_app
from bot.config import Settings
from bot.fakes.slack import FakeSlack
from bot.models import TicketCreate
from bot.server import make_http_server
from tests.slack.signing import SECRET, signed_post, slash_body

AGENT, OTHER, CUSTOMER = "U0AGENT001", "U0AGENT002", "U0CUSTOM01"


@pytest.fixture
def served(sqlite_db, config, clock) -> Iterator[tuple[str, FakeSlack]]:
    fake = FakeSlack()
    settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.url)
    app = build_app(Deps(settings=settings, config=config, db=sqlite_db, clock=clock))
    server = make_http_server(app, sqlite_db, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", fake
    server.shutdown()
    server.server_close()
    fake.close()


def run(base: str, text: str, user: str = AGENT) -> str:
    status, body = signed_post(f"{base}/slack/events", slash_body("/ticket", text, user))
    assert status == 200, body
    return json.loads(body)["text"] if body.startswith("{") else body


def test_agent_works_a_ticket_with_slash_commands(served, sqlite_db, config, clock) -> None:
    base, fake = served
    with sqlite_db.transaction() as s:
        number = tickets.create(
            s,
            data=TicketCreate(title="SSO broken", requester=CUSTOMER),
            actor=CUSTOMER,
            config=config,
            now=clock(),
        ).number
    assert "SSO broken" in run(base, "list queue")
    assert f"assignee <@{AGENT}>" in run(base, f"claim {number}")
    assert f"already claimed by <@{AGENT}>" in run(base, f"claim {number}", user=OTHER)
    assert "Internal note added" in run(base, f"note {number} checking the IdP logs")
    explained = run(base, f"sla {number}")
    assert (
        "policy `standard`" in explained
        and "First response: target 2h 00m" in explained
        and "business hours of team" in explained
    )
    assert "resolved" in run(base, f"resolve #{number}")
    assert "can't be closed" not in run(base, f"close {number}")
    assert "can't be reopened" in run(base, f"reopen {number}")
    assert fake.calls_to("auth.test"), "bolt authorised against the fake Slack API"
    with sqlite_db.session() as s:
        assert [e.action for e in tickets.events_of(s, number)] == [
            "create",
            "claim",
            "note",
            "resolve",
            "close",
        ]


def test_requesters_cannot_change_tickets_and_bad_input_is_explained(served) -> None:
    base, _ = served
    assert "Only support agents" in run(base, "claim 1", user=CUSTOMER)
    assert "needs a ticket number" in run(base, "claim")
    assert "I don't know `/ticket frobnicate`" in run(base, "frobnicate")
    assert "#999 does not exist" in run(base, "show 999")
    assert "`new [title]`" in run(base, "help") and "`search words`" in run(base, "")


def test_bad_signature_is_rejected_and_health_is_reported(served) -> None:
    base, _ = served
    status, _ = signed_post(f"{base}/slack/events", slash_body("/ticket", "help", AGENT), secret="wrong")
    assert status == 401
    status, _ = signed_post(f"{base}/slack/events", slash_body("/ticket", "help", AGENT), timestamp=1)
    assert status == 401  # replayed: more than 5 minutes old
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True, "database": "ok"}


def test_metrics_request_ids_and_a_health_check_that_names_what_is_down(sqlite_db, config, clock) -> None:
    fake = FakeSlack()
    settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.url)
    app = build_app(Deps(settings=settings, config=config, db=sqlite_db, clock=clock))
    store_up = threading.Event()

    def vector_store() -> str:
        if not store_up.is_set():
            raise ConnectionError("Chroma server at 127.0.0.1:8000 refused the connection")
        return "ok (12 vectors)"

    server = make_http_server(app, sqlite_db, port=0, checks={"vector_store": vector_store})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://{}:{}".format(*server.server_address[:2])
    try:
        with sqlite_db.transaction() as s:
            tickets.create(
                s,
                data=TicketCreate(title="x", requester=CUSTOMER),
                actor=CUSTOMER,
                config=config,
                now=clock(),
            )
        run(base, "list queue")
        request = urllib.request.Request(
            f"{base}/slack/events", headers={"X-Request-Id": "req-from-the-proxy"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:  # unsigned: 401, still with the request id
            urllib.request.urlopen(request, data=b"{}", timeout=5)
        assert refused.value.headers["X-Request-Id"] == "req-from-the-proxy"
        with pytest.raises(urllib.error.HTTPError) as down:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
        report = json.loads(down.value.read())
        assert down.value.code == 503 and report["ok"] is False and report["database"] == "ok"
        assert report["vector_store"] == "down"  # named; the driver's text stays in the log
        assert "127.0.0.1:8000" not in json.dumps(report) and "Error" not in json.dumps(report)
        store_up.set()
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert json.loads(response.read())["vector_store"] == "ok (12 vectors)"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert 'deskbot_tickets{status="new"} 1.0' in metrics
        assert 'deskbot_requests_total{kind="command_or_action",status="200"}' in metrics
        assert "deskbot_ack_seconds_bucket" in metrics and "deskbot_outbox_depth" in metrics
    finally:
        server.shutdown()
        server.server_close()
        fake.close()
