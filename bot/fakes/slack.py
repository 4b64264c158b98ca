"""A local fake of the Slack Web API: records every call and answers like Slack.

Tests and the demo point the bolt app's WebClient at it (`SLACK_API_URL=http://127.0.0.1:PORT/api/`).
It listens on 127.0.0.1 only, on a free port, and stops with `close()` (or at process exit).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.fakes.ratelimit import RateLimits
from bot.fakes.spec import METHODS
from bot.fakes.strict import argument_problems, manifest_scopes, missing_scope, unknown_arguments
from bot.fakes.triggers import Triggers
from bot.fakes.web_methods import BOT_USER, TEAM, WebMethods

__all__ = ["BOT_USER", "TEAM", "Call", "FakeSlack"]


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.time)


class FakeSlack(WebMethods):
    """The fake server; `calls` holds every Web API call in order, `messages` every message per channel.

    It answers the methods Deskbot uses like Slack does (ids, timestamps, errors) and refuses what Slack
    refuses: a call without the bot token (`not_authed`) or with another (`invalid_auth`), methods
    outside its specification table, scopes the manifest does not grant (`missing_scope`), missing or
    mistyped arguments, conversations the bot cannot see or is not in (`bot.fakes.strict`; a DM only
    once opened), archived channels (`is_archived`), payloads that break Block Kit limits
    (`invalid_blocks`), trigger ids it never issued, already used or older than 3 s
    (`bot.fakes.triggers`). It can be told to fail: `fail_next(method, status=429, retry_after=1)`
    makes the next call(s) to `method` answer like a rate-limited Slack, and `limits.on()` enforces
    each method's rate-limit tier (`bot.fakes.ratelimit`).
    """

    def __init__(
        self,
        *,
        users: dict[str, dict[str, Any]] | None = None,
        clock: Callable[[], datetime] | None = None,
        channels: Iterable[str] | None = None,
        scopes: Iterable[str] | None = None,
        page_max: int | None = None,
        token: str = "xoxb-test",
    ) -> None:
        """`channels`: the channels that exist, with the bot in each (add more with `add_channel`); None
        is an open world where every C…/G… channel exists with the bot in it. `scopes`: the bot token's
        scopes (default: what bot/slack_manifest.yaml asks for). `page_max`: a smaller page limit for
        conversations.history/replies (15 for apps distributed outside the Marketplace since 2025).
        `token`: the bot token the workspace issued (the only one it accepts)."""
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self.token = token
        self.dms: dict[str, str] = {}  # the DMs opened with the bot: channel id (D…) -> the person
        self.archived: set[str] = set()
        self.limits = RateLimits()
        self.triggers = Triggers()
        self.members: dict[str, set[str]] | None = None if channels is None else {}
        for channel in channels or ():
            self.add_channel(channel)
        self.scopes = frozenset(scopes) if scopes is not None else manifest_scopes()
        self.page_max = page_max
        self.unknown_args: list[tuple[str, str]] = []  # (method, argument) the spec does not list
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home: dict[str, dict[str, Any]] = {}
        self.files: list[dict[str, Any]] = []
        self.ephemerals: dict[str, list[dict[str, Any]]] = {}  # channel -> messages only one user sees
        self.unseen_ephemerals: dict[str, list[dict[str, Any]]] = {}  # sent into threads with no replies
        self.view_triggers: dict[str, str] = {}  # view id -> the trigger id it was opened with
        self.users = users or {}
        self.presence: dict[str, str] = {}
        self.usergroups: dict[str, list[str]] = {}  # user group id (S…) -> its members
        self._failures: dict[str, list[tuple[int, str, float | None]]] = {}
        self._chaos: tuple[float, float, frozenset[str], float, random.Random] | None = None
        self._latency: dict[str, float] = {}
        # microseconds: from now, a second apart (Slack's ts are the time of posting); with a clock,
        # message ts follow it (the demo, tests on a fixed date)
        self._ts = int(time.time()) * 1_000_000
        self._clock = clock
        self._ids = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self._serving = threading.Thread(target=self.server.serve_forever, name="fake-slack", daemon=True)
        self._serving.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: float | None = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail (429 with Retry-After, 500, or an `ok: false`)."""
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, error, retry_after)] * times)

    def fail_randomly(
        self,
        ratio: float,
        *,
        server_errors: float = 0.0,
        methods: tuple[str, ...] = ("chat.postMessage",),
        retry_after: float = 1,
        seed: int = 1,
    ) -> None:
        """Answer `ratio` of the calls to `methods` with 429 + Retry-After and `server_errors` of them
        with a 500 (0 and 0 turn it off)."""
        with self._lock:
            self._chaos = (
                (ratio, server_errors, frozenset(methods), retry_after, random.Random(seed))
                if ratio or server_errors
                else None
            )

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call to `method` only after `seconds` (the call is recorded when it arrives)."""
        with self._lock:
            self._latency[method] = seconds

    def add_channel(self, channel: str, *, bot: bool = True, members: Iterable[str] = ()) -> None:
        """Declare a channel (C… public, G… private), with the bot in it unless `bot=False`."""
        with self._lock:
            if self.members is None:
                self.members = {}
            people = self.members.setdefault(channel, set())
            people.update(members)
            if bot:
                people.add(BOT_USER)

    def open_dm(self, user: str) -> str:
        """The DM between `user` and the bot, opened (conversations.open, or the person writing to it)."""
        channel = "D" + user[1:]
        with self._lock:
            self.dms[channel] = user
        return channel

    def archive(self, channel: str) -> None:
        """Someone archived `channel`: posting into it is refused (`is_archived`)."""
        with self._lock:
            self.archived.add(channel)

    def join(self, channel: str, user: str) -> None:
        """`user` is in `channel` (a declared one; in an open world and in DMs there is nothing to record)."""
        with self._lock:
            if self.members is not None and channel in self.members:
                self.members[channel].add(user)

    def is_member(self, channel: str, user: str = BOT_USER) -> bool:
        with self._lock:
            if channel.startswith("D"):
                return channel in self.dms
            return self.members is None or user in self.members.get(channel, ())

    def next_ts(self) -> str:
        with self._lock:
            return self.next_ts_unlocked()

    def next_ts_unlocked(self) -> str:
        step = 1_000_000 if self._clock is None else 1
        now = int(self._clock().timestamp() * 1_000_000) if self._clock is not None else 0
        self._ts = max(self._ts + step, now)
        seconds, micros = divmod(self._ts, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def add_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """A message a person posted (the event for it is sent separately, like Slack does)."""
        message = {"type": "message", "channel": channel, "user": user, "text": text, "ts": self.next_ts()}
        # The author's team, as Slack sends it: another organisation's id for a Slack Connect guest
        # (`users` may give a person a "team_id"; everyone else is of this workspace).
        team = str((self.users.get(user) or {}).get("team_id") or TEAM)
        message.update(team=team, user_team=team, source_team=team)
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._lock:
            if channel.startswith("D"):
                self.dms.setdefault(channel, user)  # a person writing to the bot opened the DM
            elif self.members is not None:
                if channel not in self.members:
                    raise LookupError(f"no channel {channel}: declare it with add_channel()")
                self.members[channel].add(user)  # who posts in a channel is in it
            self.messages.setdefault(channel, []).append(message)
        return message

    def add_ephemeral(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None, blocks: list | None = None
    ) -> dict[str, Any]:
        """A bot message only `user` sees in `channel` (chat.postEphemeral, or a slash command's reply).
        Slack's chat.postEphemeral: "Ephemeral messages in threads are only shown if there is already an
        active thread": one sent into a message that has no replies yet is accepted and never shown
        (kept in `unseen_ephemerals`)."""
        ts = self.next_ts()
        message = {
            **self._message(channel, {"text": text, "blocks": blocks, "thread_ts": thread_ts}, ts),
            "ephemeral_to": user,
        }
        with self._lock:
            active = not thread_ts or any(
                m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
                for m in self.messages.get(channel, [])
            )
            (self.ephemerals if active else self.unseen_ephemerals).setdefault(channel, []).append(message)
        return message

    def delivered_keys(self) -> Counter[str]:
        """How many posted messages carry each outbox dedupe key (in their Slack message metadata)."""
        with self._lock:
            return Counter(
                key
                for messages in self.messages.values()
                for m in messages
                if (key := (m.get("metadata") or {}).get("event_payload", {}).get("key"))
            )

    def close_view(self, view_id: str) -> None:
        """The person closed the modal (or submitted it and Slack closed it)."""
        with self._lock:
            self.views.pop(view_id, None)
            self.view_triggers.pop(view_id, None)

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """A thread's messages: the parent and its replies, in order."""
        with self._lock:
            return [m for m in self.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts]

    def _store(self, channel: str, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message = self._message(channel, args, ts)
        self.messages.setdefault(channel, []).append(message)
        return message

    def _message(self, channel: str, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message = {
            "type": "message",
            "channel": channel,
            "user": BOT_USER,
            "bot_id": "B0DESKBOT",
            "text": args.get("text", ""),
            "blocks": args.get("blocks") or [],
            "ts": ts,
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        return message

    def react(self, channel: str, ts: str, name: str, user: str, *, add: bool = True) -> bool:
        """Add (or remove) `user`'s reaction `name` on a message; False when there is no such message."""
        with self._lock:
            found = next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)
            if found is None:
                return False
            reactions = found.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if add:
                if entry is None:
                    reactions.append({"name": name, "users": [user], "count": 1})
                elif user not in entry["users"]:
                    entry["users"].append(user)
                    entry["count"] += 1
            elif entry is not None and user in entry["users"]:
                entry["users"].remove(user)
                entry["count"] -= 1
                if not entry["users"]:
                    reactions.remove(entry)
            return True

    def _failure(self, method: str) -> tuple[int, str, float | None] | None:
        with self._lock:
            queue = self._failures.get(method)
            if queue:
                return queue.pop(0)
            if self._chaos is not None:
                ratio, server_errors, methods, retry_after, rng = self._chaos
                roll = rng.random()
                if method in methods and roll < ratio:
                    return 429, "ratelimited", retry_after
                if method in methods and roll < ratio + server_errors:
                    return 500, "internal_error", None
            return None

    def answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Slack's answer to one call: (HTTP status, JSON body, extra headers)."""
        for key in ("blocks", "view", "attachments", "files", "metadata"):
            if isinstance(args.get(key), str) and args[key][:1] in "[{":
                args[key] = json.loads(args[key])
        with self._lock:
            self.calls.append(Call(method, args))
            delay = self._latency.get(method, 0.0)
        time.sleep(delay)
        failure = self._failure(method)
        if failure is None and (wait := self.limits.retry_after(method, args)) is not None:
            failure = 429, "ratelimited", wait
        if failure is not None:
            status, error, retry_after = failure
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return status, {"ok": False, "error": error}, headers
        refused = self._refusal(method, args)
        if refused is not None:
            return 200, refused, {}
        return 200, self._ok(method, args), {}

    def _refusal(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """What Slack refuses before doing anything: an unknown method, a scope the app lacks, bad
        arguments, a conversation the bot cannot see or is not in."""
        if method not in METHODS:
            return {"ok": False, "error": "unknown_method"}
        if not args.get("token"):
            return {"ok": False, "error": "not_authed"}
        if args["token"] != self.token:
            return {"ok": False, "error": "invalid_auth"}
        given = {k: v for k, v in args.items() if k != "token"}
        with self._lock:
            self.unknown_args += [(method, name) for name in unknown_arguments(method, given)]
        refused = missing_scope(method, given, self.scopes)
        if refused is not None:
            return refused
        problems = argument_problems(method, given)
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        return self._conversation_refusal(method, given)

    def _conversation_refusal(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        key = "channel_id" if method == "files.completeUploadExternal" else "channel"
        if key not in METHODS[method]["args"] or method == "conversations.open":
            return None
        channel = str(args.get(key) or "")
        if not channel:
            return None if key == "channel_id" else {"ok": False, "error": "channel_not_found"}
        if channel[:1] in "UW" and method == "chat.postMessage":
            return None  # a user id as channel posts in the app's DM with them
        with self._lock:
            if channel.startswith("D"):  # a DM exists for the bot once opened
                return None if channel in self.dms else {"ok": False, "error": "channel_not_found"}
            if channel in self.archived and "is_archived" in METHODS[method]["errors"]:
                return {"ok": False, "error": "is_archived"}
            if self.members is None:
                return None
            people = self.members.get(channel)
        if people is None or (BOT_USER not in people and channel.startswith("G")):
            return {"ok": False, "error": "channel_not_found"}  # a private channel is invisible to outsiders
        if BOT_USER not in people and method != "chat.getPermalink":
            return {"ok": False, "error": "not_in_channel"}
        if method == "chat.postEphemeral" and str(args.get("user")) not in people:
            return {"ok": False, "error": "user_not_in_channel"}
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path.startswith("/upload/"):
                    file_id = self.path.rsplit("/", 1)[-1]
                    with fake._lock:
                        for f in fake.files:
                            if f["id"] == file_id:
                                f["bytes"] = raw
                    self._reply(200, b"OK - " + str(len(raw)).encode(), {}, "text/plain")
                    return
                body = raw.decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(body or "{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(body).items()}
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if token and "token" not in args:
                    args["token"] = token
                status, reply, headers = fake.answer(self.path.rsplit("/", 1)[-1], args)
                self._reply(status, json.dumps(reply).encode(), headers, "application/json")

            def _reply(self, status: int, data: bytes, headers: dict[str, str], kind: str) -> None:
                # A caller that hung up (a killed bot process) is not an error: Slack would not care.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
