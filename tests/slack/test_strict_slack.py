"""Deskbot against Slack as it really is: the scopes the manifest grants, channels the bot is not in,
messages from bots and channel events, reactions on thread replies, Enterprise Grid W… ids, paginated
reads, and Slack's app_rate_limited callback. The fake refuses what Slack refuses (bot.fakes.strict)."""

from __future__ import annotations

import inspect
import json
import re
import time
from pathlib import Path

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot import slash
from bot.fakes.simulator import slack_markup, wait_for
from bot.fakes.slack import BOT_USER, TEAM, FakeSlack
from bot.fakes.spec import METHODS
from bot.fakes.strict import MANIFEST, manifest_scopes, scopes_for
from bot.models import KbQuery, Notification, Ticket
from bot.send import _channel_of
from handlers.messages import from_a_person
from tests.slack.conftest import AGENT, CUSTOMER, CUSTOMER2, OUTSIDE, SUPPORT, Running

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r"\b(?:client|slack)\.([a-z]+_[A-Za-z0-9_]+)\(")
SDK_HELPERS = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}
BOLT_CALLS = {"auth.test"}  # bolt checks its token at start-up
GRID_USER = "W0GRIDUSR1"


def called_methods() -> set[str]:
    """Every Web API method the code calls: WebClient calls in bot/, handlers/, jobs/ (not the fakes)."""
    sources = [
        path
        for folder in ("bot", "handlers", "jobs")
        for path in (ROOT / folder).rglob("*.py")
        if "demo" not in path.parts and "fakes" not in path.parts
    ]
    names = {name for path in sources for name in CALL.findall(path.read_text())}
    methods = set(BOLT_CALLS)
    for name in names:
        methods |= set(SDK_HELPERS[name] if name in SDK_HELPERS else (web_api_name(name),))
    return methods


def web_api_name(python_name: str) -> str:
    """The Web API method a WebClient method calls (`usergroups_users_list` → `usergroups.users.list`)."""
    source = inspect.getsource(getattr(WebClient, python_name))
    return re.findall(r'api_call\(\s*"([^"]+)"', source)[0]


# ---- scopes --------------------------------------------------------------------------------------------


def test_the_spec_table_covers_exactly_the_methods_the_code_calls() -> None:
    called = called_methods()
    assert "chat.postMessage" in called and "files.completeUploadExternal" in called
    assert called == set(METHODS), "regenerate bot/fakes/slack_spec.json with tests/slack_spec/extract.py"


def test_manifest_grants_exactly_what_the_methods_and_events_need() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed = scopes_for(called_methods(), families=("channels", "groups", "im"), events=events)
    if manifest["features"].get("slash_commands") or manifest["features"].get("shortcuts"):
        needed.add("commands")
    assert manifest_scopes() == needed


def test_a_method_without_its_scope_is_refused_like_slack_does() -> None:
    fake = FakeSlack(channels=["C0HELP0001"], scopes={"chat:write"})
    client = WebClient(token="xoxb-test", base_url=fake.url)
    try:
        client.chat_postMessage(channel="C0HELP0001", text="hi")
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel="C0HELP0001", limit=1)
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "channels:history"
        assert refused.value.response["provided"] == "chat:write"
        with pytest.raises(SlackApiError) as in_dm:
            client.conversations_replies(channel="D0CUSTOM01", ts="1.0")
        assert in_dm.value.response["needed"] == "im:history"
        with pytest.raises(SlackApiError) as upload:
            client.files_upload_v2(channel="C0HELP0001", content=b"png", filename="c.png")
        assert upload.value.response["needed"] == "files:write"
    finally:
        fake.close()


def test_a_missing_cosmetic_scope_does_not_stop_the_answer(running: Running) -> None:
    running.fake.scopes = manifest_scopes() - {"reactions:write"}
    question, _ = running.slack.say(SUPPORT, CUSTOMER, "How do I download my invoices as PDF?")
    running.wait_bot(SUPPORT, thread_ts=question["ts"])
    assert running.fake.calls_to("reactions.add") and not question.get("reactions")


# ---- channels the bot is not in ---------------------------------------------------------------------


def test_conversations_and_membership_are_enforced() -> None:
    fake = FakeSlack(channels=["C0HELP0001"])
    fake.add_channel("C0ELSEWHR1", bot=False)
    fake.add_channel("G0SECRET01", bot=False)
    client = WebClient(token="xoxb-test", base_url=fake.url)

    def error(call, **kw) -> str | None:
        try:
            call(**kw)
        except SlackApiError as exc:
            return exc.response["error"]
        return None

    try:
        assert error(client.chat_postMessage, channel="C0HELP0001", text="hi") is None
        assert error(client.chat_postMessage, channel="C0ELSEWHR1", text="hi") == "not_in_channel"
        assert error(client.chat_postMessage, channel="G0SECRET01", text="hi") == "channel_not_found"
        assert error(client.chat_postMessage, channel="C0NOWHERE1", text="hi") == "channel_not_found"
        assert error(client.conversations_history, channel="C0ELSEWHR1") == "not_in_channel"
        ephemeral = {"channel": "C0HELP0001", "text": "psst"}
        assert error(client.chat_postEphemeral, user=CUSTOMER, **ephemeral) == "user_not_in_channel"
        fake.join("C0HELP0001", CUSTOMER)
        assert error(client.chat_postEphemeral, user=CUSTOMER, **ephemeral) is None
        dm = client.conversations_open(users=CUSTOMER)["channel"]["id"]
        assert error(client.chat_postMessage, channel=dm, text="DMs always work") is None
        assert (
            error(client.api_call, api_method="chat.postMessage", json={"channel": "C0HELP0001"}) == "no_text"
        )
        no_ts = {"channel": "C0HELP0001", "text": "x"}
        assert error(client.api_call, api_method="chat.update", json=no_ts) == "invalid_arguments"
        assert error(client.api_call, api_method="chat.unfurl", json=no_ts) == "unknown_method"
    finally:
        fake.close()


def _dm_of(user: str) -> str:
    return "D" + user[1:]


def _tickets(running: Running) -> list[Ticket]:
    with running.db.session() as s:
        return list(s.exec(select(Ticket)))


def _assert_opened_once_and_requester_told(running: Running, requester: str) -> Ticket:
    carded = wait_for(
        lambda: [t for t in _tickets(running) if t.triage_ts and t.channel == _dm_of(requester)],
        what="the card and the DM thread",
    )
    time.sleep(0.3)
    [ticket] = _tickets(running)
    assert ticket == carded[0] and ticket.requester == requester
    card = next(m for m in running.fake.messages[ticket.triage_channel] if m["ts"] == ticket.triage_ts)
    assert f"#{ticket.number}" in card["text"]
    told = running.wait_bot(_dm_of(requester), count=2)
    assert f"#{ticket.number}" in told[0]["text"]
    assert f"I'm not in <#{OUTSIDE}>" in told[1]["text"] and told[1]["thread_ts"] == told[0]["ts"]
    assert (ticket.channel, ticket.thread_ts) == (_dm_of(requester), told[0]["ts"]), "replies go to the DM"
    assert not running.bot_messages(OUTSIDE)
    went_wrong = [c for c in running.fake.calls if "went wrong" in str(c.args.get("text"))]
    assert not went_wrong, "the requester must not be invited to try again (a duplicate)"
    return ticket


def test_ticket_new_in_a_channel_the_bot_is_not_in(running: Running) -> None:
    running.slack.slash("/ticket", "new Printer on fire", user=CUSTOMER, channel=OUTSIDE)
    view = next(iter(wait_for(lambda: running.fake.views, what="the modal").values()))
    running.slack.submit(view, {}, user=CUSTOMER)
    ticket = _assert_opened_once_and_requester_told(running, CUSTOMER)
    assert ticket.title == "Printer on fire"


def test_shortcut_in_a_channel_the_bot_is_not_in(running: Running) -> None:
    message = running.fake.add_message(OUTSIDE, CUSTOMER2, "Webhooks are failing with 500")
    running.slack.shortcut("create_ticket", message, user=AGENT)
    view = next(iter(wait_for(lambda: running.fake.views, what="the modal").values()))
    running.slack.submit(view, {}, user=AGENT)
    ticket = _assert_opened_once_and_requester_told(running, CUSTOMER2)
    assert ticket.title == "Webhooks are failing with 500"


# ---- what is not a question -------------------------------------------------------------------------

QUESTION = "How do I reset my password?"
NOT_QUESTIONS = {
    "bot_message": {"subtype": "bot_message", "bot_id": "B0OTHERAPP", "username": "Other", "text": QUESTION},
    "another app's bot user": {"user": "U0OTHERBOT", "bot_id": "B0OTHERAPP", "text": QUESTION},
    "our own message": {"user": BOT_USER, "bot_id": "B0DESKBOT", "text": QUESTION},
    "channel_topic": {"subtype": "channel_topic", "user": CUSTOMER, "topic": QUESTION, "text": QUESTION},
    "channel_join": {
        "subtype": "channel_join",
        "user": CUSTOMER,
        "text": f"<@{CUSTOMER}> has joined the channel",
    },
    "file_share without text": {
        "subtype": "file_share",
        "user": CUSTOMER,
        "text": "",
        "files": [{"id": "F1"}],
    },
    "message_changed": {
        "subtype": "message_changed",
        "hidden": True,
        "message": {"type": "message", "user": CUSTOMER, "text": QUESTION, "ts": "1699999999.000100"},
    },
}


def test_bots_and_channel_events_get_no_answer_and_no_ticket(running: Running) -> None:
    for i, (name, extra) in enumerate(NOT_QUESTIONS.items()):
        ts = f"1699999999.{i:06d}"
        event = {"type": "message", "channel": SUPPORT, "channel_type": "channel", "ts": ts, **extra}
        assert running.slack.event(event).status == 200, name
    other_app_mention = {
        "type": "app_mention",
        "channel": SUPPORT,
        "user": "U0OTHERBOT",
        "bot_id": "B0OTHERAPP",
        "text": f"<@{BOT_USER}> {QUESTION}",
        "ts": "1699999999.000900",
    }
    assert running.slack.event(other_app_mention).status == 200
    control, _ = running.slack.say(SUPPORT, CUSTOMER, QUESTION)  # a person's question still gets its answer
    running.wait_bot(SUPPORT, thread_ts=control["ts"])
    time.sleep(0.5)
    assert len(running.bot_messages(SUPPORT)) == 1
    assert not running.fake.calls_to("chat.postEphemeral")
    assert not _tickets(running)
    with running.db.session() as s:
        assert len(s.exec(select(KbQuery)).all()) == 1


def test_a_file_shared_with_a_question_is_a_question(running: Running) -> None:
    message = running.fake.add_message(SUPPORT, CUSTOMER, QUESTION)
    event = {**message, "subtype": "file_share", "files": [{"id": "F1"}], "channel_type": "channel"}
    running.slack.event(event)
    running.wait_bot(SUPPORT, thread_ts=message["ts"])


# ---- reactions on thread replies ----------------------------------------------------------------------


def test_ticket_reaction_on_a_thread_reply_reads_that_reply(running: Running) -> None:
    parent = running.fake.add_message(SUPPORT, CUSTOMER, "Morning all, quick thread about exports")
    running.fake.add_message(SUPPORT, CUSTOMER, "First: the PDF export is fine", thread_ts=parent["ts"])
    reply = running.fake.add_message(
        SUPPORT, CUSTOMER2, "The CSV export times out after 30 s\nSince Monday", thread_ts=parent["ts"]
    )
    running.slack.react(reply, "ticket", user=AGENT)
    [ticket] = wait_for(lambda: [t for t in _tickets(running) if t.triage_ts], what="the ticket")
    assert ticket.title == "The CSV export times out after 30 s"
    assert ticket.requester == CUSTOMER2 and ticket.thread_ts == parent["ts"]


# ---- Enterprise Grid ----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["U0CUSTOM01", GRID_USER])
def test_user_ids_of_both_kinds_are_users(user: str) -> None:
    assert slash._user_id(f"<@{user}|someone>", usage="/ticket assign 42 @agent") == user
    assert slash._user_id(user, usage="/ticket assign 42 @agent") == user
    assert from_a_person({"type": "message", "user": user, "text": "hi"}, BOT_USER)
    assert slack_markup(f"<@{user}> a < b") == f"<@{user}> a &lt; b"
    fake = FakeSlack(channels=[])
    try:
        note = Notification(dedupe_key="k", channel=user, payload={}, status="pending")
        assert _channel_of(WebClient(token="xoxb-test", base_url=fake.url), note) == _dm_of(user)
    finally:
        fake.close()


def test_an_enterprise_grid_user_gets_answers(running: Running) -> None:
    question, _ = running.slack.say(SUPPORT, GRID_USER, f"<@{BOT_USER}> {QUESTION}")
    running.wait_bot(SUPPORT, thread_ts=question["ts"])
    running.slack.say(_dm_of(GRID_USER), GRID_USER, QUESTION)
    running.wait_bot(_dm_of(GRID_USER))


# ---- paginated reads ------------------------------------------------------------------------------------


def test_threads_come_parent_first_in_pages() -> None:
    fake = FakeSlack(channels=["C0HELP0001"], page_max=15)
    client = WebClient(token="xoxb-test", base_url=fake.url)
    try:
        parent = fake.add_message("C0HELP0001", CUSTOMER, "parent")
        replies = [fake.add_message("C0HELP0001", AGENT, f"r{i}", thread_ts=parent["ts"]) for i in range(5)]
        others = [fake.add_message("C0HELP0001", CUSTOMER, f"m{i}") for i in range(20)]
        pages, cursor = [], None
        while True:
            page = client.conversations_replies(channel="C0HELP0001", ts=parent["ts"], limit=2, cursor=cursor)
            pages.append([m["text"] for m in page["messages"]])
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                assert not page["has_more"]
                break
        assert pages == [["parent", "r0"], ["r1", "r2"], ["r3", "r4"]]
        from_reply = client.conversations_replies(channel="C0HELP0001", ts=replies[3]["ts"], limit=1)
        assert [m["text"] for m in from_reply["messages"]] == ["parent"], "a reply's ts gives its thread"
        window = {"latest": replies[3]["ts"], "oldest": replies[3]["ts"], "inclusive": True}
        one = client.conversations_replies(channel="C0HELP0001", ts=replies[3]["ts"], limit=2, **window)
        assert [m["text"] for m in one["messages"]] == ["parent", "r3"]

        history = client.conversations_history(channel="C0HELP0001", limit=500)
        assert len(history["messages"]) == 15 and history["has_more"], "capped at the page maximum"
        assert history["messages"][0]["text"] == "m19" and "r0" not in str(history["messages"])
        rest = client.conversations_history(
            channel="C0HELP0001", cursor=history["response_metadata"]["next_cursor"]
        )
        assert [m["text"] for m in rest["messages"]] == [*(f"m{i}" for i in range(4, -1, -1)), "parent"]
        exact = client.conversations_history(
            channel="C0HELP0001", limit=1, **{**window, "latest": others[3]["ts"], "oldest": others[3]["ts"]}
        )
        assert [m["text"] for m in exact["messages"]] == ["m3"]
        for bad, error in (
            ({"limit": "lots"}, "invalid_arguments"),
            ({"cursor": "garbage"}, "invalid_cursor"),
        ):
            with pytest.raises(SlackApiError) as refused:
                client.conversations_history(channel="C0HELP0001", **bad)
            assert refused.value.response["error"] == error
    finally:
        fake.close()


def test_metadata_only_when_asked_for() -> None:
    fake = FakeSlack(channels=["C0HELP0001"])
    client = WebClient(token="xoxb-test", base_url=fake.url)
    try:
        meta = {"event_type": "deskbot_notification", "event_payload": {"key": "k"}}
        client.chat_postMessage(channel="C0HELP0001", text="x", metadata=meta)
        assert "metadata" not in client.conversations_history(channel="C0HELP0001")["messages"][0]
        with_meta = client.conversations_history(channel="C0HELP0001", include_all_metadata=True)
        assert with_meta["messages"][0]["metadata"]["event_payload"] == {"key": "k"}
    finally:
        fake.close()


# ---- Slack's rate-limit callback ------------------------------------------------------------------------


def test_app_rate_limited_callback_is_acknowledged(running: Running) -> None:
    body = {
        "token": "unused",
        "type": "app_rate_limited",
        "team_id": TEAM,
        "minute_rate_limited": 1518467820,
        "api_app_id": "A0DESKBOT",
    }
    assert running.slack.send(json.dumps(body), content_type="application/json").status == 200


# ---- tokens, DMs, triggers, errors and rate limits ---------------------------------------------------


def _error(call, **kw) -> str | None:
    try:
        call(**kw)
    except SlackApiError as exc:
        return exc.response["error"]
    return None


def test_a_call_without_the_bot_token_is_refused() -> None:
    fake = FakeSlack(channels=["C0HELP0001"])
    try:
        post = {"channel": "C0HELP0001", "text": "hi"}
        assert _error(WebClient(base_url=fake.url).chat_postMessage, **post) == "not_authed"
        assert (
            _error(WebClient(token="xoxb-stolen", base_url=fake.url).chat_postMessage, **post)
            == "invalid_auth"
        )
        assert _error(WebClient(token="xoxb-stolen", base_url=fake.url).auth_test) == "invalid_auth"
        assert _error(WebClient(token=fake.token, base_url=fake.url).chat_postMessage, **post) is None
        assert not fake.messages.get("C0HELP0001", [])[1:], "only the authenticated call posted"
    finally:
        fake.close()


def test_a_dm_the_bot_never_opened_does_not_exist() -> None:
    fake = FakeSlack()  # an open world: every channel exists, but a DM only once opened
    client = WebClient(token="xoxb-test", base_url=fake.url)
    try:
        assert _error(client.chat_postMessage, channel="D0CUSTOM01", text="hi") == "channel_not_found"
        assert _error(client.conversations_history, channel="D0CUSTOM01") == "channel_not_found"
        dm = client.conversations_open(users=CUSTOMER)["channel"]["id"]
        assert _error(client.chat_postMessage, channel=dm, text="hi") is None
        fake.add_message("D0CUSTOM02", CUSTOMER2, "hello bot")  # a person writing to the bot opens it
        assert _error(client.chat_postMessage, channel="D0CUSTOM02", text="hello") is None
    finally:
        fake.close()


def test_a_trigger_opens_one_view_within_3_seconds() -> None:
    fake = FakeSlack()
    client = WebClient(token="xoxb-test", base_url=fake.url)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": []}
    try:
        trigger = fake.triggers.issue()
        assert _error(client.views_open, trigger_id=trigger, view=view) is None
        assert _error(client.views_open, trigger_id=trigger, view=view) == "exchanged_trigger_id"
        assert (
            _error(client.views_open, trigger_id="12345.98765.abcd2358fdea", view=view)
            == "invalid_trigger_id"
        )
        assert _error(client.views_open, trigger_id="anything", view=view) == "invalid_trigger_id"
        fake.triggers.ttl = 0.05
        late = fake.triggers.issue()
        time.sleep(0.1)
        assert _error(client.views_open, trigger_id=late, view=view) == "expired_trigger_id"
        assert len(fake.views) == 1
    finally:
        fake.close()


def test_slacks_error_codes_for_reactions_users_archives_and_updates() -> None:
    fake = FakeSlack(channels=["C0HELP0001", "C0OLDHELP1"])
    client = WebClient(token="xoxb-test", base_url=fake.url)
    try:
        theirs = fake.add_message("C0HELP0001", CUSTOMER, "a question")
        ours = client.chat_postMessage(channel="C0HELP0001", text="an answer")["ts"]
        react = {"channel": "C0HELP0001", "timestamp": theirs["ts"], "name": "eyes"}
        assert _error(client.reactions_remove, **react) == "no_reaction"
        assert _error(client.reactions_add, **react) is None
        assert _error(client.reactions_add, **react) == "already_reacted"
        assert _error(client.reactions_remove, **react) is None
        assert _error(client.reactions_add, **{**react, "timestamp": "1.000001"}) == "message_not_found"
        assert _error(client.users_info, user="U0NOBODY01") == "user_not_found"
        update = {"channel": "C0HELP0001", "text": "edited"}
        assert _error(client.chat_update, ts=theirs["ts"], **update) == "cant_update_message"
        assert _error(client.chat_update, ts="1.000001", **update) == "message_not_found"
        assert _error(client.chat_update, ts=ours, **update) is None
        link = {"channel": "C0HELP0001", "message_ts": "1.000001"}
        assert _error(client.chat_getPermalink, **link) == "message_not_found"
        fake.archive("C0OLDHELP1")
        assert _error(client.chat_postMessage, channel="C0OLDHELP1", text="hi") == "is_archived"
        assert _error(client.conversations_history, channel="C0OLDHELP1") is None, "still readable"
    finally:
        fake.close()


def test_rate_limits_follow_each_methods_tier() -> None:
    fake = FakeSlack(channels=["C0HELP0001", "C0HELP0002"])
    client = WebClient(token="xoxb-test", base_url=fake.url)  # no retry handler: sees the 429s
    try:
        assert METHODS["chat.postMessage"]["tier"] == "special" and METHODS["reactions.remove"]["tier"] == 2
        for _ in range(5):
            client.chat_postMessage(channel="C0HELP0001", text="before the limits")
        fake.limits.on()
        for _ in range(3):  # a short burst into one channel passes
            client.chat_postMessage(channel="C0HELP0001", text="burst")
        with pytest.raises(SlackApiError) as limited:
            client.chat_postMessage(channel="C0HELP0001", text="one too many")
        assert limited.value.response.status_code == 429
        assert limited.value.response["error"] == "ratelimited"
        assert limited.value.response.headers["Retry-After"] == "1"
        assert _error(client.chat_postMessage, channel="C0HELP0002", text="another channel") is None
        time.sleep(1.05)
        assert _error(client.chat_postMessage, channel="C0HELP0001", text="after Retry-After") is None
        fake.limits.on({2: 2})  # Tier 2 at 2 a minute: the third call waits 30 s
        ts = client.chat_postMessage(channel="C0HELP0002", text="x")["ts"]
        react = {"channel": "C0HELP0002", "timestamp": ts, "name": "eyes"}
        assert [_error(client.reactions_remove, **react) for _ in range(3)] == ["no_reaction"] * 2 + [
            "ratelimited"
        ]
    finally:
        fake.close()
