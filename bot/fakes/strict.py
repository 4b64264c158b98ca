"""What real Slack refuses before it does anything, from its published specification (`bot.fakes.spec`):
a method the app's token has no scope for, a required argument missing, an argument of the wrong type.

The fake Slack Web API server (`bot.fakes.slack`) asks these before answering, so a call that would fail in
a real workspace fails in the tests and the demo too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.fakes.spec import EVENTS, METHODS

MANIFEST = Path(__file__).parent.parent / "slack_manifest.yaml"
CONVERSATION_FAMILIES = ("channels", "groups", "im", "mpim")
_INTEGER = re.compile(r"-?[0-9]+")
_BOOLEANS = {"true", "false", "1", "0"}
# Sent with any call: the token, and the workspace an org-wide app acts in (bolt adds it to views.*).
_EVERY_METHOD = {"token", "team_id"}


@cache
def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes the app manifest asks for (what an installed app's bot token carries)."""
    manifest = yaml.safe_load(path.read_text())
    return frozenset(str(s).split()[0] for s in manifest["oauth_config"]["scopes"]["bot"])


def conversation_family(method: str, args: Mapping[str, Any]) -> str:
    """Which kind of conversation a call is about: channels (C…), groups (G…), im (D…) or mpim."""
    if method == "conversations.open":
        return "mpim" if "," in str(args.get("users") or "") else "im"
    channel = str(args.get("channel") or args.get("channel_id") or "")
    return {"C": "channels", "G": "groups", "D": "im"}.get(channel[:1], "channels")


def needed_scope(method: str, args: Mapping[str, Any]) -> str | None:
    """The scope a bot token needs for this call (None: no scope), as Slack would name it in `needed`."""
    allowed = METHODS[method]["scopes"]
    if not allowed:
        return None
    families = {s.split(":")[0] for s in allowed}
    if families == set(CONVERSATION_FAMILIES):  # e.g. channels:history | groups:history | im:history …
        action = allowed[0].split(":", 1)[1]
        return f"{conversation_family(method, args)}:{action}"
    return str(allowed[0])


def scopes_for(methods: Iterable[str], *, families: Iterable[str], events: Iterable[str]) -> set[str]:
    """Every scope calling `methods` on conversations of `families` and subscribing to `events` needs."""
    needed: set[str] = set()
    for method in methods:
        if method == "conversations.open":
            sample: list[dict[str, Any]] = [{"users": "U1"}]
        else:
            sample = [{"channel": {"channels": "C1", "groups": "G1", "im": "D1"}[f]} for f in families]
        needed |= {s for args in sample if (s := needed_scope(method, args))}
    for event in events:
        needed |= set(EVENTS.get(event, []))
    return needed


def missing_scope(method: str, args: Mapping[str, Any], granted: frozenset[str]) -> dict[str, Any] | None:
    """Slack's `missing_scope` answer when `granted` lacks what the call needs."""
    needed = needed_scope(method, args)
    if needed is None or needed in granted:
        return None
    return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(sorted(granted))}


def argument_problems(method: str, args: Mapping[str, Any]) -> list[str]:
    """Missing required arguments and values of the wrong type, in Slack's `[ERROR] …` wording."""
    spec = METHODS[method]
    out = [
        f"[ERROR] missing required field: {name}" for name in spec["required"] if args.get(name) in (None, "")
    ]
    for name, value in args.items():
        kind = spec["args"].get(name)
        if value is None or kind in (None, "string") or _fits(kind, value):
            continue
        out.append(f"[ERROR] invalid type for field {name}: expected {kind}, got {value!r}")
    return out


def unknown_arguments(method: str, args: Mapping[str, Any]) -> list[str]:
    """Arguments the specification does not list for `method` (Slack ignores them: often a typo)."""
    known = METHODS[method]["args"]
    return [name for name in args if name not in known and name not in _EVERY_METHOD]


def _fits(kind: str, value: Any) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind == "integer":
        return isinstance(value, int) or isinstance(value, str) and bool(_INTEGER.fullmatch(value))
    if kind == "number":
        if isinstance(value, int | float):
            return True
        try:
            float(str(value))
        except ValueError:
            return False
        return True
    if kind == "boolean":
        return str(value).lower() in _BOOLEANS
    return True
