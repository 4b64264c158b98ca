"""The HTTP edge with real requests over a socket: malformed, oversized, unsigned and forged bodies get a
4xx with a short reason (never a 500 or a traceback), the signature is checked before anything parses
the body, and a blank signing secret is refused before the server starts."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Deps, build_app
from bot.config import Settings
from bot.fakes.slack import FakeSlack
from bot.server import make_http_server
from tests.slack.signing import SECRET

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory, config) -> Iterator[int]:  # noqa: ANN001
    from bot.db import Database
    from bot.migrations import upgrade

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('edge') / 'edge.db'}")
    upgrade(db)
    fake = FakeSlack()
    settings_ = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.url)
    app = build_app(Deps(settings=settings_, config=config, db=db))
    server = make_http_server(app, db, port=0, signing_secret=SECRET, max_body=LIMIT)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    fake.close()
    db.dispose()


def signature(body: bytes, *, secret: str = SECRET, stamp: int | None = None) -> dict[str, str]:
    ts = str(stamp if stamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def post(
    port: int, body: bytes, *, kind: str = FORM, signed: bool = True, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = {"Content-Type": kind, **(signature(body) if signed else {}), **(headers or {})}
    connection.request("POST", "/slack/events", body=body, headers=sent)
    response = connection.getresponse()
    return response.status, response.read().decode("utf-8", "replace")


def raw(port: int, request: bytes, *, close_write: bool = False) -> str:
    """Send bytes as they are (headers Python's clients would fix) and return the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        return sock.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def assert_plain_refusal(status: int, text: str, expected: int) -> None:
    assert status == expected, text
    assert "Traceback" not in text and "Error" not in text and len(text) < 200


@pytest.mark.parametrize(
    ("body", "kind", "status"),
    [
        (b"payload=%7Bnot+json", FORM, 400),
        (b"payload=%5B1%2C2%5D", FORM, 400),  # JSON, but not an object
        (b"payload=null", FORM, 400),
        (b"payload=%7B%22user%22%3A1%7D", FORM, 400),  # an object with no type
        (b"payload=\xff\xfe", FORM, 400),  # not UTF-8
        (b"\xff\xfe\x00", JSON, 400),
        (b"{not json", JSON, 400),
        (b"[1, 2]", JSON, 400),
        (b"[" * 60_000, JSON, 400),  # deep nesting: the parser's recursion limit is not a 500
        (b'{"type": "event_callback", "event": "x"}', JSON, 400),
        (b'{"type": "event_callback"}', JSON, 400),
        (b"hello", "text/plain", 415),
        (b"<xml/>", "application/xml", 415),
        (b"", FORM, 400),
        (b"a&&b", FORM, 400),  # not a form
        (b"text=hi", FORM, 400),  # neither a command nor a payload
    ],
)
def test_malformed_signed_bodies_get_a_4xx_with_a_reason(
    edge: int, body: bytes, kind: str, status: int
) -> None:
    assert_plain_refusal(*post(edge, body, kind=kind), status)


def test_the_signature_is_checked_before_anything_parses_the_body(edge: int) -> None:
    # Unsigned, forged or replayed garbage is refused as unsigned (401), not as malformed (400).
    for body in (b"payload=%7Bnot+json", b"\xff\xfe", b"{not json"):
        assert_plain_refusal(*post(edge, body, kind=JSON, signed=False), 401)
        assert_plain_refusal(*post(edge, body, headers=signature(body, secret="wrong")), 401)
        assert_plain_refusal(*post(edge, body, headers=signature(body, stamp=1)), 401)
    body = b"command=%2Fticket&text=help&user_id=U0AGENT001"
    forged = signature(b"command=%2Fticket&text=list")  # signed another body
    assert_plain_refusal(*post(edge, body, headers=forged), 401)
    assert_plain_refusal(*post(edge, body, headers={"X-Slack-Request-Timestamp": "soon"}), 401)


def test_oversized_bodies_are_refused_from_their_length_before_they_are_read(edge: int) -> None:
    started = time.monotonic()
    # Only the headers are sent: a server that tried to read 1 GB would wait for it instead of answering.
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    assert "413" in raw(edge, head + b"Content-Length: 1000000000\r\n\r\n")
    assert "413" in raw(edge, head + f"Content-Length: {LIMIT + 1}\r\n\r\n".encode())
    assert time.monotonic() - started < 5
    big = json.dumps({"type": "event_callback", "event": {"text": "x" * LIMIT}}).encode()
    status, text = post(edge, big, kind=JSON)
    assert status == 413 and "over" in text


def test_bodies_without_a_usable_length_are_refused(edge: int) -> None:
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    chunked = head + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    assert "411" in raw(edge, chunked)
    assert "411" in raw(edge, head + b"\r\n", close_write=True)
    assert "400" in raw(edge, head + b"Content-Length: abc\r\n\r\n")
    assert "400" in raw(edge, head + b"Content-Length: -5\r\n\r\n")
    truncated = head + b"Content-Length: 100\r\n\r\ncommand=%2Fticket"  # the sender hung up early
    assert "400" in raw(edge, truncated, close_write=True)


def test_only_post_reaches_slack_events_and_unknown_paths_are_404(edge: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", edge, timeout=10)
    connection.request("GET", "/slack/events")
    response = connection.getresponse()
    assert response.status == 405 and response.headers["Allow"] == "POST"
    response.read()
    connection.request("GET", "/../../etc/passwd")
    assert connection.getresponse().status == 404


def test_a_well_formed_signed_command_still_works(edge: int) -> None:
    body = (
        b"command=%2Fticket&text=help&user_id=U0AGENT001&user_name=bob&team_id=T0DESKBOT"
        b"&channel_id=C0TRIAGE01&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fx&trigger_id=1.2.3"
    )
    status, text = post(edge, body)
    assert status == 200 and "new [title]" in text


def test_a_blank_signing_secret_is_refused_before_serving(sqlite_db, config) -> None:  # noqa: ANN001
    fake = FakeSlack()
    try:
        settings_ = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.url)
        app = build_app(Deps(settings=settings_, config=config, db=sqlite_db))
        for blank in ("", "   ", "\t\n"):
            with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
                make_http_server(app, sqlite_db, port=0, signing_secret=blank)
    finally:
        fake.close()


# ---- fuzz: whatever arrives, the edge answers below 500 ------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
SLACK_TYPES = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action", "weird")
payloads = st.builds(
    lambda kind, extra: {**extra, "type": kind},
    st.sampled_from(SLACK_TYPES),
    st.dictionaries(
        st.sampled_from(["user", "team", "channel", "view", "actions", "message", "container", "trigger_id"]),
        json_values,
        max_size=5,
    ),
)
bodies = st.one_of(
    st.tuples(st.binary(max_size=300), st.sampled_from([FORM, JSON, "text/plain", ""])),
    st.tuples(json_values.map(lambda v: json.dumps(v).encode()), st.just(JSON)),
    st.tuples(payloads.map(lambda p: f"payload={quote(json.dumps(p))}".encode()), st.just(FORM)),
    st.tuples(
        st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=5).map(
            lambda d: "&".join(f"{quote(k)}={quote(v)}" for k, v in d.items()).encode()
        ),
        st.just(FORM),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, signed=st.booleans())
def test_fuzzed_requests_never_get_a_500(edge: int, body: tuple[bytes, str], signed: bool) -> None:
    data, kind = body
    status, text = post(edge, data, kind=kind, signed=signed)
    assert status < 500, (status, text)
    assert "Traceback" not in text
    if not signed:
        assert status == 401
