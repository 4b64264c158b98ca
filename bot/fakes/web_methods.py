"""The fake Web API's answers, one handler per Slack method, for calls the strict checks let through
(`FakeSlack` mixes this in and holds the state they read and write)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.fakes import history as slack_history
from bot.fakes.triggers import Triggers
from bot.slack_limits import problems_in_message, problems_in_view

BOT_USER = "U0DESKBOT"
TEAM = "T0DESKBOT"


class WebMethods:
    """Slack's answers to the Web API methods Deskbot calls."""

    _lock: threading.Lock
    _ids: int
    messages: dict[str, list[dict[str, Any]]]
    views: dict[str, dict[str, Any]]
    home: dict[str, dict[str, Any]]
    files: list[dict[str, Any]]
    view_triggers: dict[str, str]
    presence: dict[str, str]
    usergroups: dict[str, list[str]]
    page_max: int | None
    server: Any
    triggers: Triggers

    if TYPE_CHECKING:  # FakeSlack, which mixes this in, holds the messages and defines these

        def add_ephemeral(self, channel: str, user: str, text: str, **kw: Any) -> dict[str, Any]: ...
        def next_ts(self) -> str: ...
        def open_dm(self, user: str) -> str: ...
        def next_ts_unlocked(self) -> str: ...
        def react(self, channel: str, ts: str, name: str, user: str, *, add: bool = True) -> bool: ...
        def _store(self, channel: str, args: dict[str, Any], ts: str) -> dict[str, Any]: ...
        def _message(self, channel: str, args: dict[str, Any], ts: str) -> dict[str, Any]: ...

    def _ok(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer a call the strict checks let through: one handler per Web API method."""
        handler = self._handlers().get(method)
        return handler(method, args) if handler else {"ok": True}

    def _handlers(self) -> dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post,
            "chat.update": self._post,
            "chat.postEphemeral": self._post,
            "views.open": self._view,
            "views.update": self._view,
            "views.push": self._view,
            "views.publish": self._view,
            "reactions.add": self._reaction,
            "reactions.remove": self._reaction,
            "conversations.open": lambda _, a: {
                "ok": True,
                "channel": {"id": self.open_dm(str(a.get("users", "")).split(",")[0])},
            },
            "conversations.replies": self._read,
            "conversations.history": self._read,
            "chat.getPermalink": self._permalink,
            "usergroups.users.list": self._usergroup,
            "users.getPresence": lambda _, a: {
                "ok": True,
                "presence": self.presence.get(a.get("user", ""), "active"),
            },
            "users.info": lambda _, a: (
                {"ok": True, "user": {"id": a.get("user"), **self.users[str(a.get("user"))]}}
                if str(a.get("user")) in self.users
                else {"ok": False, "error": "user_not_found"}
            ),
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    def _auth_test(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://deskbot-demo.slack.com/",
            "team": "Demo",
            "user": "deskbot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "B0DESKBOT",
        }

    def _post(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage, chat.update and chat.postEphemeral, within Block Kit's limits."""
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        problems = problems_in_message(args)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        if method == "chat.postEphemeral":
            user, text = str(args.get("user")), args.get("text", "")
            message = self.add_ephemeral(
                channel, user, text, thread_ts=args.get("thread_ts"), blocks=args.get("blocks")
            )
            return {"ok": True, "message_ts": message["ts"]}
        if method == "chat.update":
            with self._lock:
                found = next((m for m in self.messages.get(channel, []) if m["ts"] == args.get("ts")), None)
                if found is None:
                    return {"ok": False, "error": "message_not_found"}
                if found.get("user") != BOT_USER or found.get("ephemeral_to"):
                    return {"ok": False, "error": "cant_update_message"}  # only its own messages
                found.update(text=args.get("text", ""), blocks=args.get("blocks") or [])
                return {"ok": True, "channel": channel, "ts": found["ts"], "text": found["text"]}
        message = self._store(channel, args, self.next_ts())
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """views.open / update / push / publish, within Block Kit's limits."""
        view = args.get("view") or {}
        problems = problems_in_view(view)
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        if method in ("views.open", "views.push"):
            refused = self.triggers.exchange(str(args.get("trigger_id") or ""))
            if refused:
                return {"ok": False, "error": refused}
        with self._lock:
            self._ids += 1
            view_id = args.get("view_id") or f"V{self._ids:08d}"
            stored = {**view, "id": view_id}
            if method == "views.publish":
                self.home[args.get("user_id", "")] = stored
            else:
                self.views[view_id] = stored
                if args.get("trigger_id"):
                    self.view_triggers[view_id] = str(args["trigger_id"])
        return {"ok": True, "view": stored}

    def _reaction(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """The bot's own reaction: `already_reacted` when it is there, `no_reaction` when it is not."""
        channel, ts, name = (
            str(args.get("channel", "")),
            str(args.get("timestamp", "")),
            str(args.get("name", "")),
        )
        add = method == "reactions.add"
        with self._lock:
            found = next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)
            mine = found is not None and any(
                r["name"] == name and BOT_USER in r["users"] for r in found.get("reactions", [])
            )
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        if add and mine:
            return {"ok": False, "error": "already_reacted"}
        if not add and not mine:
            return {"ok": False, "error": "no_reaction"}
        self.react(channel, ts, name, BOT_USER, add=add)
        return {"ok": True}

    def _read(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies (parent first) and conversations.history, paged like Slack."""
        read = slack_history.replies if method == "conversations.replies" else slack_history.history
        with self._lock:
            return read(self.messages.get(args["channel"], []), args, self.page_max)

    def _permalink(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            known = any(
                m["ts"] == args.get("message_ts") for m in self.messages.get(str(args["channel"]), [])
            )
        if not known:
            return {"ok": False, "error": "message_not_found"}
        ts = str(args.get("message_ts", "")).replace(".", "")
        return {
            "ok": True,
            "permalink": f"https://deskbot-demo.slack.com/archives/{args.get('channel')}/p{ts}",
        }

    def _usergroup(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            members = self.usergroups.get(str(args.get("usergroup", "")))
        if members is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(members)}

    def _upload_url(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._ids += 1
            file_id = f"F{self._ids:08d}"
            self.files.append({"id": file_id, "name": args.get("filename"), "bytes": b""})
        host, port = self.server.server_address[:2]
        return {"ok": True, "upload_url": f"http://{host}:{port}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """Sharing uploaded files posts them in the channel, as Slack does."""
        files = args.get("files") or []
        if isinstance(files, str):
            files = json.loads(files)
        ids = {f["id"] for f in files}
        channel = args.get("channel_id")
        with self._lock:
            shared = []
            for f in self.files:
                if f["id"] in ids:
                    f.update(channel=channel, title=next(x.get("title") for x in files if x["id"] == f["id"]))
                    shared.append({"id": f["id"], "name": f["name"], "title": f["title"]})
            if channel and shared:
                comment = {"text": args.get("initial_comment", ""), "thread_ts": args.get("thread_ts")}
                message = self._message(channel, comment, self.next_ts_unlocked())
                message["files"] = shared
                self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "files": [{"id": i} for i in ids]}
