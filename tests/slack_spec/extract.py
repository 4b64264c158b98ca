"""Regenerate `bot/fakes/slack_spec.json` (read by `bot/fakes/spec.py`) from Slack's published API specification (run by hand, never by tests).

    .venv/bin/python -m tests.slack_spec.extract [/path/to/slack-api-specs]

Source: github.com/slackapi/slack-api-specs at commit bc08db4 (MIT), copied to `../shared/slack/` on the
developers' machines: `slack_web_openapi_v2_without_examples.json` (methods: arguments and their types,
required arguments, accepted scopes, documented errors) and `slack_events_api_async_v1.json` (the scopes
each event subscription needs). Only the methods Deskbot (and bolt, and slack_sdk's helpers) call are
kept. The spec dates from 2021; what it lacks or names the old way is added below from Slack's method
documentation pages (docs.slack.dev/reference/methods/…), each with the page it comes from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = ROOT.parent / "shared" / "slack"
TARGET = ROOT / "bot" / "fakes" / "slack_spec.json"

# What Deskbot calls: WebClient methods in bot/, handlers/, jobs/ (tests/slack/test_strict_slack.py
# checks this list against the code), bolt's own auth.test, and files_upload_v2's two methods.
METHODS = (
    "auth.test",
    "chat.getPermalink",
    "chat.postEphemeral",
    "chat.postMessage",
    "chat.update",
    "conversations.history",
    "conversations.open",
    "conversations.replies",
    "files.completeUploadExternal",
    "files.getUploadURLExternal",
    "reactions.add",
    "reactions.remove",
    "usergroups.users.list",
    "users.getPresence",
    "users.info",
    "views.open",
    "views.publish",
)
EVENTS = ("app_home_opened", "app_mention", "member_joined_channel", "message", "reaction_added")

# Pre-granular scope names in the 2021 spec -> the scopes a bot token carries today.
RENAMED = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write", "files:write:user": "files:write"}

DOCS = "https://docs.slack.dev/reference/methods/"
# Newer than the spec: methods and arguments, with the documentation page each comes from.
SUPPLEMENT: dict[str, dict[str, Any]] = {
    "chat.postMessage": {"args": {"metadata": "string"}, "source": DOCS + "chat.postMessage"},
    "chat.update": {"args": {"metadata": "string"}, "source": DOCS + "chat.update"},
    "conversations.history": {
        "args": {"include_all_metadata": "boolean"},
        "required": ["channel"],
        "errors": ["not_in_channel", "invalid_arguments"],
        # "limit: default 100, maximum of 999" (15 for non-Marketplace commercial apps since 2025-05-29)
        "page": {"default": 100, "max": 999},
        "source": DOCS + "conversations.history",
    },
    "conversations.replies": {
        "args": {"include_all_metadata": "boolean"},
        "required": ["channel", "ts"],
        "errors": ["not_in_channel", "invalid_arguments"],
        "page": {"default": 1000, "max": 1000},
        "source": DOCS + "conversations.replies",
    },
    "chat.postEphemeral": {"errors": ["not_in_channel"], "source": DOCS + "chat.postEphemeral"},
    "reactions.add": {
        "errors": ["channel_not_found", "is_archived", "not_in_channel"],
        "source": DOCS + "reactions.add",
    },
    "reactions.remove": {"errors": ["channel_not_found"], "source": DOCS + "reactions.remove"},
    "users.getPresence": {"errors": ["user_not_found"], "source": DOCS + "users.getPresence"},
    # "exchanged_trigger_id: the trigger_id was already exchanged in a previous call", "expired_trigger_id",
    # "invalid_trigger_id: the expected format for the trigger_id argument is 132456.7890123.abcdef"
    "views.open": {
        "errors": ["exchanged_trigger_id", "expired_trigger_id", "invalid_arguments", "invalid_trigger_id"],
        "source": DOCS + "views.open",
    },
    "views.publish": {"errors": ["invalid_arguments"], "source": DOCS + "views.publish"},
    "files.getUploadURLExternal": {
        "scopes": ["files:write"],
        "args": {
            "token": "string",
            "filename": "string",
            "length": "integer",
            "alt_txt": "string",
            "snippet_type": "string",
        },
        "required": ["filename", "length"],
        "errors": ["missing_scope", "invalid_auth", "not_authed", "invalid_arguments"],
        "source": DOCS + "files.getUploadURLExternal",
    },
    "files.completeUploadExternal": {
        "scopes": ["files:write"],
        "args": {
            "token": "string",
            "files": "string",
            "channel_id": "string",
            "channels": "string",
            "initial_comment": "string",
            "thread_ts": "string",
        },
        "required": ["files"],
        "errors": [
            "missing_scope",
            "channel_not_found",
            "not_in_channel",
            "invalid_auth",
            "not_authed",
            "invalid_arguments",
        ],
        "source": DOCS + "files.completeUploadExternal",
    },
}
# "Rate limits" on each method's documentation page (DOCS + method): Slack evaluates calls per method and
# workspace in per-minute tiers (docs.slack.dev/apis/web-api/rate-limits: Tier 1 1+/min, Tier 2 20+/min,
# Tier 3 50+/min, Tier 4 100+/min). "special": chat.postMessage allows about one message per second per
# channel (short bursts tolerated); auth.test and chat.getPermalink have their own generous limits,
# kept here as Tier 4.
RATE_TIERS: dict[str, int | str] = {
    "auth.test": 4,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.postMessage": "special",
    "chat.update": 3,
    "conversations.history": 3,
    "conversations.open": 3,
    "conversations.replies": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "reactions.add": 3,
    "reactions.remove": 2,
    "usergroups.users.list": 2,
    "users.getPresence": 3,
    "users.info": 4,
    "views.open": 4,
    "views.publish": 4,
}
# The 2021 spec lists no scope for app_mention; Slack's event page says app_mentions:read.
EVENT_SCOPES_SUPPLEMENT = {"app_mention": ["app_mentions:read"]}


def method_entry(op: dict[str, Any]) -> dict[str, Any]:
    scopes = [RENAMED.get(s, s) for s in (op.get("security") or [{}])[0].get("slackAuth", [])]
    errors = (
        op["responses"].get("default", {}).get("schema", {}).get("properties", {}).get("error") or {}
    ).get("enum") or []
    return {
        "scopes": sorted(dict.fromkeys(s for s in scopes if s != "none")),
        "args": {p["name"]: p.get("type", "string") for p in op.get("parameters", [])},
        "required": sorted(
            p["name"] for p in op.get("parameters", []) if p.get("required") and p["name"] != "token"
        ),
        "errors": sorted(errors),
        "source": op.get("externalDocs", {}).get("url", ""),
    }


def build(source: Path) -> dict[str, Any]:
    web = json.loads((source / "slack_web_openapi_v2_without_examples.json").read_text())
    events = json.loads((source / "slack_events_api_async_v1.json").read_text())["topics"]
    methods: dict[str, Any] = {}
    for name in METHODS:
        ops = web["paths"].get(f"/{name}") or {}
        entry = method_entry(next(iter(ops.values()))) if ops else {}
        extra = SUPPLEMENT.get(name, {})
        entry["scopes"] = extra.get("scopes", entry.get("scopes", []))
        entry["args"] = {**entry.get("args", {}), **extra.get("args", {})}
        entry["required"] = sorted({*entry.get("required", []), *extra.get("required", [])})
        entry["errors"] = sorted({*entry.get("errors", []), *extra.get("errors", [])})
        if "page" in extra:
            entry["page"] = extra["page"]
        entry["tier"] = RATE_TIERS[name]
        entry["source"] = " + ".join(
            dict.fromkeys(s for s in (entry.get("source"), extra.get("source")) if s)
        )
        methods[name] = entry
    event_scopes: dict[str, list[str]] = {}
    for topic, body in events.items():
        event = topic.replace(".", "_") if topic.split(".")[0] != "message" else topic
        base = event.split(".")[0] if event.startswith("message") else event
        if base in EVENTS:
            scopes = body.get("subscribe", {}).get("x-scopes-required") or []
            event_scopes[event] = sorted(scopes or EVENT_SCOPES_SUPPLEMENT.get(event, []))
    return {"methods": methods, "events": event_scopes}


def render(spec: dict[str, Any]) -> str:
    """The JSON `bot/fakes/spec.py` loads (sorted, one key per line, so a regeneration diffs cleanly)."""
    return json.dumps(spec, indent=1, sort_keys=True) + "\n"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    TARGET.write_text(render(build(source)))
    print(f"wrote {TARGET.relative_to(ROOT)} from {source}")


if __name__ == "__main__":
    main()
