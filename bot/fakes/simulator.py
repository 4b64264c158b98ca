"""Slack's side of the conversation: signed requests to the bolt app, as Slack sends them.

Used by the tests and the demo's workspace simulator: people post messages (recorded in the fake
Web API server, then delivered as Events API callbacks), click buttons on messages the bot posted,
submit modals, run slash commands, add reactions and open the Home tab.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.fakes.slack import BOT_USER, TEAM, FakeSlack

_ids = itertools.count(1)
# What Slack keeps as markup when a person types it: mentions (U… or W… on Enterprise Grid), channel
# links, special mentions (<!here>) and links with an optional label. Everything else is escaped.
_ENTITY = re.compile(
    r"<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|![a-z]+(?:\^[^<>|]*)?|(?:https?|mailto):[^<>|\s]+)(?:\|[^<>]*)?>"
)
_BARE_URL = re.compile(r"https?://[^\s<>]+")


def slack_markup(text: str) -> str:
    """What a person typed, as Slack delivers it in events (and in slash commands with should_escape):
    `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`; mentions `<@U…>`, channels `<#C…|name>` and links
    `<url|label>` kept as markup; bare URLs turned into `<url>` links."""
    out, last = [], 0
    for entity in _ENTITY.finditer(text):
        out += [_escaped(text[last : entity.start()]), entity.group(0)]
        last = entity.end()
    out.append(_escaped(text[last:]))
    return "".join(out)


def _escaped(plain: str) -> str:
    escaped = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE_URL.sub(lambda link: f"<{link.group(0)}>", escaped)


@dataclass(frozen=True)
class Delivery:
    status: int
    body: str
    seconds: float

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body.startswith("{") else {"text": self.body}


class SlackSimulator:
    """Sends what Slack would send to `events_url`, signed with `secret`."""

    def __init__(self, *, events_url: str, secret: str, fake: FakeSlack) -> None:
        self.events_url = events_url
        self.secret = secret
        self.fake = fake
        self.triggers: dict[str, str] = {}  # trigger id -> the user whose action made it

    def _trigger(self, user: str) -> str:
        trigger = self.fake.triggers.issue()  # views.open takes it back within 3 s, once
        self.triggers[trigger] = user
        return trigger

    def views_of(self, user: str) -> list[dict[str, Any]]:
        """The modals open for `user` (opened with a trigger from one of their actions), oldest first."""
        return [
            view
            for view_id, view in list(self.fake.views.items())
            if self.triggers.get(self.fake.view_triggers.get(view_id, "")) == user
        ]

    # ---- transport -------------------------------------------------------------------------------

    def send(
        self,
        body: str,
        *,
        content_type: str,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        timeout: float = 15.0,
    ) -> Delivery:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        key = (secret or self.secret).encode()
        signature = "v0=" + hmac.new(key, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self.events_url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
                **(headers or {}),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Delivery(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as exc:
            return Delivery(exc.code, exc.read().decode(), time.perf_counter() - started)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0, **kw: Any
    ) -> Delivery:
        body = self.event_body(event, event_id=event_id)
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.send(json.dumps(body), content_type="application/json", headers=headers, **kw)

    @staticmethod
    def event_body(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        """The Events API envelope Slack wraps `event` in."""
        return {
            "token": "unused",
            "team_id": TEAM,
            "api_app_id": "A0DESKBOT",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "event": {"event_ts": event.get("ts", f"{time.time():.6f}"), **event},
        }

    def interactive(self, payload: dict[str, Any]) -> Delivery:
        payload = {"team": {"id": TEAM}, "api_app_id": "A0DESKBOT", "token": "unused", **payload}
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.send(body, content_type="application/x-www-form-urlencoded")

    # ---- what people do --------------------------------------------------------------------------

    def say(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None, event_id: str | None = None
    ) -> tuple[dict[str, Any], Delivery]:
        """Post a message as `user` (a DM when the channel starts with D): `text` is what they typed, with
        mentions written `<@U…>`; the message and its event carry it as Slack markup (`slack_markup`)."""
        text = slack_markup(text)
        message = self.fake.add_message(channel, user, text, thread_ts=thread_ts)
        event = {k: v for k, v in message.items() if k != "blocks"}
        event["channel_type"] = "im" if channel.startswith("D") else "channel"
        delivery = self.event(event, event_id=event_id)
        if f"<@{BOT_USER}>" in text and not channel.startswith("D"):
            self.event({**event, "type": "app_mention"})
        return message, delivery

    def slash(self, command: str, text: str, *, user: str, channel: str) -> Delivery:
        """Run a slash command in `channel`; the manifest's commands have should_escape: true, so the
        text arrives as Slack markup like a message's."""
        self.fake.join(channel, user)  # people run commands in channels they are in
        body = urllib.parse.urlencode(
            {
                "command": command,
                "text": slack_markup(text),
                "user_id": user,
                "user_name": user.lower(),
                "team_id": TEAM,
                "channel_id": channel,
                "response_url": "http://127.0.0.1:9/unused",
                "trigger_id": self._trigger(user),
            }
        )
        return self.send(body, content_type="application/x-www-form-urlencoded")

    def click(
        self,
        message: dict[str, Any],
        action_id: str,
        *,
        user: str,
        selected_user: str | None = None,
        selected_option: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> Delivery:
        """Press the button (or pick in the select) `action_id` on a message or Home view."""
        source = view or message
        for block in source.get("blocks") or []:
            elements = block.get("elements") or ([block["accessory"]] if "accessory" in block else [])
            for element in elements:
                if element.get("action_id") == action_id:
                    action = {
                        "action_id": action_id,
                        "block_id": block.get("block_id", "b"),
                        "type": element["type"],
                        "value": element.get("value", ""),
                        "action_ts": f"{time.time():.6f}",
                    }
                    if selected_user:
                        action["selected_user"] = selected_user
                    if selected_option is not None:
                        action["selected_option"] = {"value": selected_option}
                    payload: dict[str, Any] = {
                        "type": "block_actions",
                        "user": {"id": user},
                        "trigger_id": self._trigger(user),
                        "actions": [action],
                    }
                    if view is not None:
                        payload.update(view=view, container={"type": "view", "view_id": view.get("id")})
                    else:
                        payload.update(
                            channel={"id": message["channel"]},
                            message=message,
                            container={
                                "type": "message",
                                "channel_id": message["channel"],
                                "message_ts": message["ts"],
                            },
                            response_url="http://127.0.0.1:9/unused",
                        )
                    return self.interactive(payload)
        raise LookupError(f"no element {action_id!r} on that message")

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> Delivery:
        """Submit a modal: `values` maps block id to a text or a selected option value."""
        state: dict[str, Any] = {}
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                continue
            element = block["element"]
            given = values.get(block["block_id"])
            if element["type"] == "static_select":
                chosen = given if given is not None else (element.get("initial_option") or {}).get("value")
                field = {"type": "static_select", "selected_option": {"value": chosen} if chosen else None}
            else:
                field = {
                    "type": "plain_text_input",
                    "value": given if given is not None else element.get("initial_value"),
                }
            state[block["block_id"]] = {element["action_id"]: field}
        payload = {
            "type": "view_submission",
            "user": {"id": user},
            "view": {**view, "state": {"values": state}},
        }
        return self.interactive(payload)

    def shortcut(self, callback_id: str, message: dict[str, Any], *, user: str) -> Delivery:
        return self.interactive(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "user": {"id": user},
                "channel": {"id": message["channel"]},
                "message": message,
                "message_ts": message["ts"],
                "trigger_id": self._trigger(user),
                "response_url": "http://127.0.0.1:9/unused",
            }
        )

    def react(self, message: dict[str, Any], name: str, *, user: str) -> Delivery:
        return self.event(
            {
                "type": "reaction_added",
                "user": user,
                "reaction": name,
                "item_user": message.get("user"),
                "item": {"type": "message", "channel": message["channel"], "ts": message["ts"]},
                "ts": f"{time.time():.6f}",
            }
        )

    def open_home(self, user: str) -> Delivery:
        """The person opens the app (its Home tab): Slack opens their DM with the bot and says which."""
        channel = self.fake.open_dm(user)
        return self.event({"type": "app_home_opened", "user": user, "channel": channel, "tab": "home"})


def wait_for(check: Callable[[], Any], *, timeout: float = 10.0, what: str = "the bot") -> Any:
    """Poll until `check()` is truthy (the bot works after acking); fail with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)
