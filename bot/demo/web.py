"""The workspace simulator: a small web app over the fake Slack Web API.

The page polls `/api/state` for what the fake Slack holds (channels, messages, threads, ephemeral
replies, open modals, the Home tab, uploaded files) and sends what a person does to `/api/*`; those
become real signed Slack requests to the bolt app through `SlackSimulator`, exactly as Slack sends them.
Input Slack itself refuses (empty messages, unknown slash commands, over-long messages) is refused here
with Slack's own wording.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.demo.api import CSP, Refused, check_host, check_same_site, content_length, dispatch, parse_body
from bot.demo.workspace import OTHERS, PEOPLE, Workspace
from bot.fakes.slack import BOT_USER

log = logging.getLogger("deskbot.demo")

MAX_MESSAGE = 40_000  # Slack's limit on a message's text
COMMANDS = ("/ticket", "/checkin")
DEMO_HELP = (
    "*Demo commands* (only in this simulator):\n"
    "• `/demo clock +2h` — move the clock forward (`30m`, `2h`, `1d`…); SLA warnings, breaches, reminders and "
    "check-ins that come due are posted, and the digest if its time passes\n"
    "• `/demo digest` — post the daily KPI digest to the managers' channel now "
    "(`/demo digest weekly` or `monthly` for the others)\n"
    "• `/demo help` — this list"
)
STATIC = {
    "/": ("index.html", "text/html"),
    "/app.js": ("app.js", "text/javascript"),
    "/style.css": ("style.css", "text/css"),
}


class SimulatorError(Exception):
    """Input the simulated Slack client refuses; the message is shown to the person."""


_MENTION = re.compile(r"(?<![^\s(])@([A-Za-z][\w.-]*)")
_CHANNEL = re.compile(r"(?<![^\s(])#([a-z0-9][a-z0-9_-]*)", re.I)


def slack_references(
    text: str, *, people: dict[str, dict[str, str]], channels: dict[str, str], command: bool
) -> str:
    """What Slack's client does to what a person types: `@dana` or `@Dana` becomes `<@U…>` and
    `#acme-bigcorp` becomes `<#C…|acme-bigcorp>` (in slash commands, with `should_escape`, a mention
    also carries the name: `<@U…|dana>`). A name nobody has stays text in a message, as in Slack; in a
    command it is refused with the names there are, since the command needs a real reference."""
    by_name: dict[str, tuple[str, str]] = {}
    for uid, person in people.items():
        handle = person.get("name") or uid
        for key in (handle, (person.get("real_name") or "").split(" ")[0]):
            if key:
                by_name.setdefault(key.lower(), (uid, handle))
    by_channel = {name.lstrip("#").lower(): cid for cid, name in channels.items()}

    def person(match: re.Match[str]) -> str:
        word = match[1].rstrip(".,;:!?")
        found = by_name.get(word.lower())
        if found is None:
            if command:
                known = ", ".join(sorted({f"@{h}" for _, h in by_name.values()}))
                raise SimulatorError(
                    f"There is nobody called @{word} in this workspace. Mention one of: {known}."
                )
            return match[0]
        uid, handle = found
        ref = f"<@{uid}|{handle}>" if command else f"<@{uid}>"
        return ref + match[1][len(word) :]

    def channel(match: re.Match[str]) -> str:
        word = match[1].rstrip(".,;:!?-_")
        cid = by_channel.get(word.lower())
        if cid is None:
            if command and not word.isdigit():
                known = ", ".join(sorted(channels.values()))
                raise SimulatorError(f"There is no channel #{word} in this workspace. Channels: {known}.")
            return match[0]
        return f"<#{cid}|{word.lower()}>" + match[1][len(word) :]

    return _CHANNEL.sub(channel, _MENTION.sub(person, text))


class Simulator:
    """What the page can do, as plain methods (the HTTP layer below only translates)."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    @property
    def sim(self) -> Any:
        assert self.ws.sim is not None, "the workspace is not started"
        return self.ws.sim

    # ---- reading ------------------------------------------------------------------------------

    def state(self, *, user: str, channel: str | None, thread: str | None) -> dict[str, Any]:
        fake = self.ws.fake
        people = {uid: {"id": uid, **p, "switch": True} for uid, p in PEOPLE.items()}
        people.update({uid: {"id": uid, "real_name": name, "role": ""} for uid, name in OTHERS.items()})
        people[BOT_USER] = {"id": BOT_USER, "name": "deskbot", "real_name": "Deskbot", "role": "App"}
        out: dict[str, Any] = {
            "clock": self.ws.clock().isoformat(),
            "timezone": self.ws.config.managers.timezone,
            "people": people,
            "channels": [{"id": cid, "name": name} for cid, name in self.ws.channels.items()],
            "dm": "D" + user[1:],
            "modals": [_strip_state(v) for v in self.sim.views_of(user)],
            "home": fake.home.get(user),
        }
        if channel:
            messages = list(fake.messages.get(channel, []))
            visible = [m for m in list(fake.ephemerals.get(channel, [])) if m.get("ephemeral_to") == user]
            reply_counts = Counter(
                m["thread_ts"] for m in messages if m.get("thread_ts") not in (None, m["ts"])
            )
            top = [
                {**m, "reply_count": reply_counts[m["ts"]]}
                for m in messages + visible
                if m.get("thread_ts") in (None, m["ts"])
            ]
            out["messages"] = sorted(top, key=lambda m: float(m["ts"]))
            if thread:
                in_thread = [m for m in messages + visible if thread in (m.get("thread_ts"), m["ts"])]
                out["thread"] = sorted(in_thread, key=lambda m: float(m["ts"]))
        return out

    def file(self, file_id: str) -> bytes | None:
        return next((f["bytes"] for f in self.ws.fake.files if f["id"] == file_id), None)

    # ---- doing --------------------------------------------------------------------------------

    def post(self, *, user: str, channel: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
        """A message from the composer: a slash command, or a message (which may mention the bot)."""
        _known_user(user)
        if not text.strip():
            raise SimulatorError("Your message is empty: type something before pressing Send.")
        if len(text) > MAX_MESSAGE:
            raise SimulatorError(
                f"Your message is too long: Slack allows {MAX_MESSAGE:,} characters and this one has "
                f"{len(text):,}. Shorten it, or split it into several messages."
            )
        if text.startswith("/"):
            command, _, rest = text.strip().partition(" ")
            if command in COMMANDS:
                rest = self._references(rest, command=True)
            return self.command(user=user, channel=channel, command=command, text=rest.strip())
        text = self._references(text, command=False)
        message, delivery = self.sim.say(channel, user, text, thread_ts=thread_ts)
        _delivered(delivery)
        return {"ok": True, "ts": message["ts"]}

    def _references(self, text: str, *, command: bool) -> str:
        people = {uid: dict(p) for uid, p in self.ws.fake.users.items()}
        people[BOT_USER] = {"name": "deskbot", "real_name": "Deskbot"}
        return slack_references(text, people=people, channels=self.ws.channels, command=command)

    def command(self, *, user: str, channel: str, command: str, text: str) -> dict[str, Any]:
        if command == "/demo":
            return {"ok": True, "notice": self._demo(user=user, channel=channel, text=text)}
        if command not in COMMANDS:
            raise SimulatorError(
                f'{command} is not a valid command. In Slack, all messages that start with the "/" character '
                "are interpreted as commands. Try /ticket, /checkin or /demo help."
            )
        delivery = self.sim.slash(command, text, user=user, channel=channel)
        _delivered(delivery)
        reply = delivery.json().get("text") if delivery.body else None
        if reply:
            self._notice(user, channel, reply)
        return {"ok": True}

    def _demo(self, *, user: str, channel: str, text: str) -> str:
        verb, _, rest = text.partition(" ")
        if verb == "clock":
            if not rest.strip():
                raise SimulatorError(
                    "Say how far to move the clock, e.g. `/demo clock +2h` or `/demo clock +1d`."
                )
            try:
                said = self.ws.advance(rest)
            except ValueError as exc:
                raise SimulatorError(str(exc)) from exc
        elif verb == "digest":
            period = rest.strip().lower() or "daily"
            try:
                said = f":bar_chart: {self.ws.digest_now(period)}"
            except ValueError as exc:
                raise SimulatorError(f"{exc} For example `/demo digest weekly`.") from exc
        elif verb in ("", "help"):
            said = DEMO_HELP
        else:
            raise SimulatorError(f"`/demo {verb}` is not a demo command. {DEMO_HELP}")
        self._notice(user, channel, said)
        return said

    def _notice(self, user: str, channel: str, text: str) -> None:
        self.ws.fake.add_ephemeral(channel, user, text)

    def action(self, *, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """A button press or a select choice on a message, the Home tab or a modal."""
        _known_user(user)
        action_id = str(body.get("action_id") or "")
        where = body.get("where") or "message"
        options = {k: body[k] for k in ("selected_user", "selected_option") if body.get(k)}
        if where == "home":
            view = self.ws.fake.home.get(user)
            if view is None:
                raise SimulatorError("Open the Home tab first.")
            delivery = self.sim.click({}, action_id, user=user, view=view, **options)
        else:
            message = self._find(str(body.get("channel")), str(body.get("ts")))
            delivery = self.sim.click(message, action_id, user=user, **options)
        _delivered(delivery)
        return {"ok": True}

    def shortcut(self, *, user: str, channel: str, ts: str) -> dict[str, Any]:
        _known_user(user)
        _delivered(self.sim.shortcut("create_ticket", self._find(channel, ts), user=user))
        return {"ok": True}

    def react(self, *, user: str, channel: str, ts: str, name: str) -> dict[str, Any]:
        _known_user(user)
        message = self._find(channel, ts)
        self.ws.fake.react(channel, ts, name, user)
        _delivered(self.sim.react(message, name, user=user))
        return {"ok": True}

    def submit(self, *, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        _known_user(user)
        view = self.ws.fake.views.get(view_id)
        if view is None:
            raise SimulatorError("That form was already closed.")
        delivery = self.sim.submit(view, values, user=user)
        _delivered(delivery)
        answer = delivery.json() if delivery.body.strip() else {}
        if answer.get("response_action") == "errors":
            return {"ok": False, "errors": answer.get("errors", {})}
        self.ws.fake.close_view(view_id)
        return {"ok": True}

    def close(self, *, view_id: str) -> dict[str, Any]:
        self.ws.fake.close_view(view_id)
        return {"ok": True}

    def open_home(self, *, user: str) -> dict[str, Any]:
        _known_user(user)
        _delivered(self.sim.open_home(user))
        return {"ok": True}

    def _find(self, channel: str, ts: str) -> dict[str, Any]:
        found = next((m for m in self.ws.fake.messages.get(channel, []) if m["ts"] == ts), None)
        if found is None:
            raise SimulatorError("That message is gone.")
        return found


def _known_user(user: str) -> None:
    if user not in PEOPLE:
        raise SimulatorError(f"Unknown person {user!r}; pick someone in the switcher.")


def _delivered(delivery: Any) -> None:
    if delivery.status != 200:
        raise SimulatorError(f"Deskbot answered HTTP {delivery.status}: {delivery.body[:300]}")


def _strip_state(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k != "state"}


class _Handler(BaseHTTPRequestHandler):
    """The demo page's requests: static files, the workspace state, files, and the person's actions."""

    simulator: Simulator  # set by make_web_server
    timeout = 15  # a client that stalls mid-request frees its thread

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._guarded(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._guarded(self._post)

    def _guarded(self, handle: Any) -> None:
        """Run a handler: refusals answer their status, anything unexpected a plain 500 with a ref."""
        try:
            check_host(self.headers, self.server.server_address[:2])
            handle()
        except Refused as refused:
            self._json(refused.status, {"ok": False, "error": refused.message})
        except SimulatorError as exc:
            self._json(400, {"ok": False, "error": str(exc)})
        except (LookupError, ValueError):
            log.info("demo request refused as malformed", exc_info=True)
            self._json(400, {"ok": False, "error": "Bad request."})
        except TimeoutError:
            self.close_connection = True
        except Exception:  # noqa: BLE001 - the log has the traceback, the page a reference
            ref = uuid.uuid4().hex[:8]
            log.exception("demo request failed ref=%s", ref)
            self._json(500, {"ok": False, "error": f"Something went wrong in the demo (ref {ref})."})

    def _get(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path in STATIC:
            name, kind = STATIC[url.path]
            data = resources.files("bot.demo").joinpath("static", name).read_bytes()
            self._send(200, data, f"{kind}; charset=utf-8")
        elif url.path == "/api/state":
            user = query.get("user") or next(iter(PEOPLE))
            state = self.simulator.state(user=user, channel=query.get("channel"), thread=query.get("thread"))
            self._json(200, state)
        elif url.path.startswith("/files/"):
            data = self.simulator.file(url.path.rsplit("/", 1)[-1])
            if data is None:
                self._json(404, {"ok": False, "error": "file_not_found"})
            else:
                self._send(200, data, "image/png")
        else:
            self._json(404, {"ok": False, "error": "not found"})

    def _post(self) -> None:
        check_same_site(self.headers)
        length = content_length(self.headers)
        raw = self.rfile.read(length)
        if len(raw) < length:
            raise Refused(400, "Bad request: the body is shorter than its Content-Length.")
        route = urlparse(self.path).path
        body = parse_body(route, raw)
        self._json(200, dispatch(self.simulator, route, body))

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def make_web_server(simulator: Simulator, *, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """The simulator's HTTP server (not started)."""
    handler = type("Handler", (_Handler,), {"simulator": simulator})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
