"""The demo page in a real browser with hostile input: titles and links a person types never become
markup, attributes or script (the page renders Slack mrkdwn into DOM nodes, links only http(s)/mailto)."""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.demo.test_demo_browser import CHROMIUM, as_person, open_channel, say
from tests.demo.test_demo_browser import demo as demo  # noqa: F401 - the running demo, a fixture

pytestmark = pytest.mark.slow

# Every payload, if it ever ran, sets window.__pwned (alert is trapped too).
HOSTILE_TITLE = '"><img src=x id=pwned1 onerror="window.__pwned=1">'
HOSTILE_MESSAGES = [
    "<javascript:window.__pwned=2|click me>",
    '<https://example.com" id="pwned3" onmouseover="window.__pwned=3|hover me>',
    "<img src=x id=pwned4 onerror=window.__pwned=4>",
    "`<img src=x id=pwned5 onerror=window.__pwned=5>` and *<b id=pwned6 onclick=window.__pwned=6>bold</b>*",
    "<data:text/html,<script>window.__pwned=7</script>|data link> <mailto:help@example.com|mail us>",
    "<https://example.com/ok?a=1&b=2|a fine link> <b id=pwned8>literal</b>",  # typed as a person types it
]
INJECTED = "[onerror], [onmouseover], [onclick], [onload], script:not([src='/app.js']), [id^=pwned]"


@pytest.fixture(scope="module")
def page(demo: tuple[str, object]) -> Iterator[object]:  # noqa: F811 - the fixture above
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        tab.set_default_timeout(20_000)
        tab.add_init_script("window.alert = (m) => { window.__pwned = 'alert: ' + m; };")
        tab.goto(demo[0])
        yield tab
        browser.close()


def assert_nothing_ran(page) -> None:  # noqa: ANN001 - playwright Page
    assert page.evaluate("window.__pwned") is None
    assert page.locator(INJECTED).count() == 0
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert all(h == "#" or re.match(r"(https?:|mailto:)", h) for h in hrefs), hrefs


def test_hostile_links_and_markup_in_messages_stay_text(page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    as_person(page, "U0CUSTOM01")
    open_channel(page, "#help-acme")
    for text in HOSTILE_MESSAGES:
        say(page, text)
        expect(page.locator("#text")).to_have_value("")  # sent (the composer clears) before the next one
        expect(page.get_by_test_id("composer-error")).to_be_empty()
    channel = page.locator("#messages")
    expect(channel).to_contain_text("data link")
    expect(channel).to_contain_text("<b id=pwned8>literal</b>")  # Slack escapes it; shown as typed
    page.get_by_text("hover me").first.hover()
    page.get_by_text("click me").first.click()
    page.get_by_text("data link").first.click()
    assert_nothing_ran(page)
    fine = channel.get_by_role("link", name="a fine link").first
    assert fine.get_attribute("href") == "https://example.com/ok?a=1&b=2"
    assert fine.get_attribute("rel") == "noopener noreferrer"
    assert (
        channel.get_by_role("link", name="mail us").first.get_attribute("href") == "mailto:help@example.com"
    )
    assert channel.get_by_role("link", name="click me").count() == 0  # javascript: is not a link


def test_a_hostile_ticket_title_stays_text_in_the_form_the_card_and_the_queue(page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    as_person(page, "U0CUSTOM01")
    open_channel(page, "#help-acme")
    say(page, f"/ticket new {HOSTILE_TITLE}")
    modal = page.get_by_test_id("modal")
    expect(modal).to_contain_text("New ticket")
    assert_nothing_ran(page)
    modal.get_by_role("button", name=re.compile("Open|Submit|Create")).click()
    expect(modal).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text(re.compile(r"Ticket #\d+ is open"))
    as_person(page, "U0AGENT001")
    open_channel(page, "#support-triage")
    expect(page.locator("#messages")).to_contain_text("img src=x id=pwned1")  # the title, as text
    page.locator("#nav-home").click()
    expect(page.get_by_test_id("home")).to_contain_text("Deskbot")
    assert_nothing_ran(page)


# ---- the simulator's API: same-site JSON only, bounded, and never a 500 --------------------------------


def api(
    url: str, path: str, body: bytes, headers: dict[str, str] | None = None, method: str = "POST"
) -> tuple[int, dict]:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.request(
        method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    response = connection.getresponse()
    text = response.read()
    try:
        return response.status, json.loads(text)
    except ValueError:
        return response.status, {"raw": text.decode("latin-1")}


HOME = json.dumps({"user": "U0AGENT001"}).encode()


def test_cross_site_posts_are_refused(demo: tuple[str, object]) -> None:  # noqa: F811
    url = demo[0]
    port = urlparse(url).port
    evil = "http://evil.example"
    assert api(url, "/api/home", HOME, {"Origin": evil})[0] == 403
    assert api(url, "/api/home", HOME, {"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert api(url, "/api/home", HOME, {"Sec-Fetch-Site": "same-site"})[0] == 403
    # What a cross-site <form> can send: a form or text/plain body (no preflight) is not accepted.
    for kind in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"):
        assert api(url, "/api/home", b"user=U0AGENT001", {"Content-Type": kind})[0] == 415
    assert api(url, "/api/home", HOME, {"Host": f"evil.example:{port}"})[0] == 403  # DNS rebinding
    assert api(url, "/api/state", b"", {"Host": "evil.example"}, method="GET")[0] == 403
    same = {"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"}
    assert api(url, "/api/home", HOME, same) == (200, {"ok": True})


def test_malformed_and_oversized_api_requests_get_a_4xx(demo: tuple[str, object]) -> None:  # noqa: F811
    url = demo[0]
    for body in (b"{not json", b"[1]", b"\xff\xfe", b'{"user": 5}', b'{"user": "U0AGENT001", "channel": []}'):
        status, answer = api(url, "/api/message", body)
        assert status == 400 and answer["ok"] is False and "Traceback" not in answer["error"]
    assert api(url, "/api/submit", b'{"user": "U0AGENT001", "view_id": "V1", "values": [1]}')[0] == 400
    assert api(url, "/api/nothing", b"{}")[0] == 404
    parsed = urlparse(url)
    head = f"POST /api/home HTTP/1.1\r\nHost: 127.0.0.1:{parsed.port}\r\nContent-Type: application/json\r\n"
    for extra, status in (("Content-Length: 1000000000", b" 413 "), ("Transfer-Encoding: chunked", b" 411 ")):
        with socket.create_connection((parsed.hostname, parsed.port), timeout=10) as sock:
            sock.sendall(f"{head}{extra}\r\n\r\n".encode())  # headers only: refused before any body
            assert status in sock.recv(200)


PEOPLE_IDS = ["U0CUSTOM01", "U0AGENT001", "U0MANAGER1", "U0NOBODY", ""]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["text", "thread_ts", "action_id", "where", "ts", "view_id", "name", "values", "selected_option"]
api_bodies = st.fixed_dictionaries(
    {"user": st.sampled_from(PEOPLE_IDS)},
    optional={
        **{name: st.one_of(st.text(max_size=40), json_values) for name in FIELDS},
        "channel": st.sampled_from(["C0SUPPORT1", "C0TRIAGE01", "DX", "nope"]) | st.text(max_size=5),
    },
)
ROUTES = [
    "/api/message",
    "/api/action",
    "/api/submit",
    "/api/close",
    "/api/react",
    "/api/shortcut",
    "/api/home",
]


@settings(max_examples=80, deadline=None)
@given(
    route=st.sampled_from([*ROUTES, "/api/x"]),
    body=st.one_of(api_bodies.map(lambda b: json.dumps(b).encode()), st.binary(max_size=200)),
    kind=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]),
    site=st.sampled_from([None, "same-origin", "cross-site"]),
)
def test_fuzzed_api_requests_never_get_a_500(
    demo, route: str, body: bytes, kind: str, site: str | None
) -> None:  # noqa: ANN001, F811
    headers = {"Content-Type": kind, **({"Sec-Fetch-Site": site} if site else {})}
    status, answer = api(demo[0], route, body, headers)
    assert status < 500, answer
    if site == "cross-site":
        assert status == 403
